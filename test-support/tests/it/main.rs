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
