#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The harness itself: moto answers through the standard SDK configuration.

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, ShardIteratorType};

#[tokio::test]
async fn kinesis_records_round_trip_through_moto() {
    let moto = test_support::moto();
    let stream = test_support::unique_name("harness");
    moto.create_stream(&stream, 1).await;
    let kinesis = moto.kinesis().await;

    let entries: Vec<_> = (0..3)
        .map(|i| {
            PutRecordsRequestEntry::builder()
                .data(Blob::new(format!("record-{i}")))
                .partition_key("pk")
                .build()
                .unwrap()
        })
        .collect();
    let put = kinesis
        .put_records()
        .stream_name(&stream)
        .set_records(Some(entries))
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_record_count(), Some(0));

    let shards = kinesis
        .list_shards()
        .stream_name(&stream)
        .send()
        .await
        .unwrap();
    let shard_id = shards.shards()[0].shard_id().to_owned();
    let iterator = kinesis
        .get_shard_iterator()
        .stream_name(&stream)
        .shard_id(shard_id)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator()
        .unwrap()
        .to_owned();
    let records = kinesis
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .unwrap();
    let data: Vec<String> = records
        .records()
        .iter()
        .map(|r| String::from_utf8(r.data().as_ref().to_vec()).unwrap())
        .collect();
    assert_eq!(data, ["record-0", "record-1", "record-2"]);
}

#[test]
fn unique_names_differ_within_a_process() {
    let a = test_support::unique_name("x");
    let b = test_support::unique_name("x");
    assert_ne!(a, b);
    assert!(a.starts_with("x-"));
}

#[test]
fn moto_is_started_once_per_process() {
    assert_eq!(
        test_support::moto().endpoint(),
        test_support::moto().endpoint()
    );
}

/// The counting stand-in counts what the keeping one stores, KPL user records included.
#[tokio::test]
async fn the_counting_stand_in_counts_what_the_keeping_one_stores() {
    use telemetry_kinesis_contract::kpl::Aggregator;
    use test_support::fake_kinesis::FakeKinesis;

    let mut aggregator = Aggregator::default();
    for index in 0..300 {
        aggregator.push(&format!("request-{}", index % 4), &[b'x'; 200]);
    }
    let aggregate = aggregator.finish();
    let mut counters = Vec::new();
    for kinesis in [FakeKinesis::start(), FakeKinesis::start_counting()] {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(kinesis.endpoint())
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        let client = aws_sdk_kinesis::Client::new(&config);
        let entries = [aggregate.clone(), vec![b'y'; 30_000], b"{}".to_vec()]
            .into_iter()
            .map(|data| {
                PutRecordsRequestEntry::builder()
                    .data(Blob::new(data))
                    .partition_key("pk")
                    .build()
                    .unwrap()
            })
            .collect();
        client
            .put_records()
            .stream_name("s")
            .set_records(Some(entries))
            .send()
            .await
            .unwrap();
        counters.push((kinesis.counters(), kinesis.records().len()));
    }
    let [(kept, stored), (counted, none)] = counters.try_into().unwrap();
    assert_eq!((stored, none), (3, 0));
    assert_eq!(kept, counted);
    assert_eq!(counted.entries_accepted, 3);
    assert_eq!(counted.user_records_accepted, 300 + 2);
    assert_eq!(
        counted.bytes_accepted,
        (aggregate.len() + 30_000 + 2 + 3 * 2) as u64
    );
    assert_eq!(counted.payload_units_accepted, 3 + 2 + 1);
}
