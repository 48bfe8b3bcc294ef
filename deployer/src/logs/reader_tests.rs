//! The reader against a replayed Kinesis (AWS JSON 1.1 answers as documented): the paths
//! moto cannot produce, throttling and expired iterators, keep the read's place.

#![allow(clippy::unwrap_used)]

use aws_credential_types::Credentials;
use aws_sdk_kinesis::config::retry::RetryConfig;
use aws_sdk_kinesis::config::{BehaviorVersion, Region};
use aws_smithy_runtime::client::http::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use base64::Engine as _;
use serde_json::{Value, json};
use telemetry_kinesis_contract::stream::StreamTarget;

use super::reader::{Item, ReadOptions, spawn};
use super::since::StartPosition;

fn answer(status: u16, body: &Value) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder()
            .uri("https://kinesis.us-east-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.1")
            .body(SdkBody::from(body.to_string()))
            .unwrap(),
    )
}

fn error(code: &str) -> ReplayEvent {
    answer(400, &json!({"__type": code, "message": code}))
}

fn record(sequence: &str, id: &str) -> Value {
    let data = json!({"id": id, "time": "2024-05-01T12:00:00Z", "type": "function",
                      "functionName": "f", "record": "line"})
    .to_string();
    json!({"SequenceNumber": sequence, "ApproximateArrivalTimestamp": 1_714_564_800.5,
           "PartitionKey": "k",
           "Data": base64::engine::general_purpose::STANDARD.encode(data)})
}

fn closed_shard_listing() -> ReplayEvent {
    answer(
        200,
        &json!({"Shards": [{"ShardId": "shardId-000000000000",
            "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "1"},
            "SequenceNumberRange": {"StartingSequenceNumber": "1", "EndingSequenceNumber": "9"}}]}),
    )
}

#[tokio::test]
async fn throttling_and_expired_iterators_keep_the_place() {
    let replay = StaticReplayClient::new(vec![
        closed_shard_listing(),
        answer(200, &json!({"ShardIterator": "it-1"})),
        error("ProvisionedThroughputExceededException"),
        answer(
            200,
            &json!({"Records": [record("1", "a")], "NextShardIterator": "it-2",
                    "MillisBehindLatest": 0}),
        ),
        error("ExpiredIteratorException"),
        answer(200, &json!({"ShardIterator": "it-3"})),
        // The end of a closed shard: no next iterator.
        answer(
            200,
            &json!({"Records": [record("2", "b")], "MillisBehindLatest": 0}),
        ),
        closed_shard_listing(),
        closed_shard_listing(),
    ]);
    let config = aws_sdk_kinesis::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        // The reader's own handling is under test, not the SDK's retries.
        .retry_config(RetryConfig::disabled())
        .http_client(replay.clone())
        .build();
    let (mut items, handle) = spawn(
        aws_sdk_kinesis::Client::from_conf(config),
        ReadOptions {
            stream: StreamTarget::Name("s".to_owned()),
            start: StartPosition::TrimHorizon,
            follow: false,
        },
    );
    let mut ids = Vec::new();
    while let Some(item) = items.recv().await {
        match item {
            Item::Event(event) => ids.push(event.payload.id.unwrap()),
            Item::Undecodable(undecodable) => panic!("{undecodable}"),
        }
    }
    handle.await.unwrap().unwrap();
    assert_eq!(ids, ["a", "b"]);

    let requests: Vec<(String, Value)> = replay
        .actual_requests()
        .map(|request| {
            let target = request.headers().get("x-amz-target").unwrap().to_owned();
            let body = serde_json::from_slice(request.body().bytes().unwrap()).unwrap();
            (target, body)
        })
        .collect();
    let targets: Vec<&str> = requests
        .iter()
        .map(|(target, _)| target.trim_start_matches("Kinesis_20131202."))
        .collect();
    assert_eq!(
        targets,
        [
            "ListShards",
            "GetShardIterator",
            "GetRecords",
            "GetRecords",
            "GetRecords",
            "GetShardIterator",
            "GetRecords",
            "ListShards",
            "ListShards"
        ]
    );
    assert_eq!(requests[1].1["ShardIteratorType"], "TRIM_HORIZON");
    // The throttled call is retried with the same iterator.
    assert_eq!(requests[2].1["ShardIterator"], "it-1");
    assert_eq!(requests[3].1["ShardIterator"], "it-1");
    // After the expiry, the new iterator starts right after the last record read.
    assert_eq!(requests[5].1["ShardIteratorType"], "AFTER_SEQUENCE_NUMBER");
    assert_eq!(requests[5].1["StartingSequenceNumber"], "1");
    assert_eq!(requests[6].1["ShardIterator"], "it-3");
}

#[tokio::test]
async fn a_missing_stream_is_named() {
    let replay = StaticReplayClient::new(vec![error("ResourceNotFoundException")]);
    let config = aws_sdk_kinesis::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .http_client(replay)
        .build();
    let (mut items, handle) = spawn(
        aws_sdk_kinesis::Client::from_conf(config),
        ReadOptions {
            stream: StreamTarget::Name("gone".to_owned()),
            start: StartPosition::Latest,
            follow: true,
        },
    );
    assert!(items.recv().await.is_none());
    let error = handle.await.unwrap().unwrap_err();
    assert_eq!(error.to_string(), "stream `gone` does not exist");
}
