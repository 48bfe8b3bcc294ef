//! End to end in the local-runs module: the extension from a layer directory beside a
//! scripted function, Kinesis served by moto; every event arrives whole, in both formats.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aws_sdk_kinesis::types::ShardIteratorType;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sandbox::{
    Function, Layer, LineFormat, Sandbox, SandboxConfig, Script, log_record, script_line,
};
use serde_json::{Value, json};

use crate::process::{BINARY, free_port};

const EXTENSION: &str = "telemetry-kinesis-extension";

/// A layer directory with the extension binary as `extensions/telemetry-kinesis-extension`.
fn layer(root: &std::path::Path) -> Layer {
    let extensions = root.join("extensions");
    std::fs::create_dir_all(&extensions).unwrap();
    std::os::unix::fs::symlink(BINARY, extensions.join(EXTENSION)).unwrap();
    Layer::Directory(root.to_path_buf())
}

/// Every record of every shard, as (partition key, data).
async fn read_stream(stream: &str) -> Vec<(String, Vec<u8>)> {
    let kinesis = test_support::moto().kinesis().await;
    let shards = kinesis
        .list_shards()
        .stream_name(stream)
        .send()
        .await
        .unwrap();
    let mut records = Vec::new();
    for shard in shards.shards() {
        let mut iterator = kinesis
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id(shard.shard_id())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator
            .unwrap();
        loop {
            let page = kinesis
                .get_records()
                .shard_iterator(&iterator)
                .send()
                .await
                .unwrap();
            if page.records().is_empty() {
                break;
            }
            for record in page.records() {
                records.push((
                    record.partition_key().unwrap_or_default().to_owned(),
                    record.data().as_ref().to_vec(),
                ));
            }
            match page.next_shard_iterator {
                Some(next) => iterator = next,
                None => break,
            }
        }
    }
    records
}

/// De-aggregates with the PyPI `aws-kinesis-agg` library; returns (partition key, data).
fn deaggregate_with_python(records: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("records.json");
    let lambda_records: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(index, (key, data))| {
            json!({"kinesis": {"kinesisSchemaVersion": "1.0", "sequenceNumber": index.to_string(),
                "approximateArrivalTimestamp": 0, "partitionKey": key, "data": STANDARD.encode(data)}})
        })
        .collect();
    std::fs::write(&input, serde_json::to_vec(&lambda_records).unwrap()).unwrap();
    let script = "import json, sys, base64\n\
        from aws_kinesis_agg.deaggregator import deaggregate_records\n\
        for record in deaggregate_records(json.load(open(sys.argv[1]))):\n\
        \x20   print(json.dumps({'key': record['kinesis']['partitionKey'], 'data': record['kinesis']['data'] if isinstance(record['kinesis']['data'], str) else record['kinesis']['data'].decode()}))\n";
    let output = std::process::Command::new(test_support::python())
        .arg("-c")
        .arg(script)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap();
            let data = STANDARD.decode(value["data"].as_str().unwrap()).unwrap();
            (value["key"].as_str().unwrap().to_owned(), data)
        })
        .collect()
}

/// The account moto uses.
const MOTO_ACCOUNT: &str = "123456789012";

async fn run(format: &str, line_format: LineFormat) {
    run_to(format, line_format, false).await;
}

/// `by_arn`: name the stream by its ARN, as a stream in another account must be.
async fn run_to(format: &str, line_format: LineFormat, by_arn: bool) {
    const INVOKES: u64 = 4;
    const LINES: usize = 6;
    const LINE_BYTES: usize = 90;
    let stream = test_support::unique_name("tk-e2e");
    test_support::moto().create_stream(&stream, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let script = Script {
        lines_per_invoke: LINES,
        line_bytes: LINE_BYTES,
        format: line_format,
        duration: Duration::from_millis(5),
    };
    let target = if by_arn {
        format!("arn:aws:kinesis:us-east-1:{MOTO_ACCOUNT}:stream/{stream}")
    } else {
        stream.clone()
    };
    let config = SandboxConfig::new(layer(dir.path()), Function::Scripted(script))
        .envs(test_support::moto().env())
        .env("TELEMETRY_KINESIS_STREAM_NAME", &target)
        .env("TELEMETRY_KINESIS_RECORD_FORMAT", format)
        .env("TELEMETRY_KINESIS_BUFFERING_TIMEOUT_MS", "25")
        // Tests run in parallel; Lambda runs one extension per environment.
        .env("TELEMETRY_KINESIS_LISTENER_HOST", "127.0.0.1")
        .env("TELEMETRY_KINESIS_LISTENER_PORT", free_port().to_string())
        .with_function_name("e2e-function");
    let mut sandbox = Sandbox::start(config).await.unwrap();
    let mut request_ids = Vec::new();
    for _ in 0..INVOKES {
        let report = sandbox.invoke(json!({})).await.unwrap();
        request_ids.push(report.request_id);
    }
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");
    let extension = report.process(EXTENSION).unwrap();
    assert!(extension.exit.as_ref().unwrap().success(), "{extension:#?}");
    assert!(
        extension
            .output
            .stderr
            .iter()
            .any(|line| line.contains("shutdown: 0 events undelivered")),
        "{extension:#?}"
    );

    let records = read_stream(&stream).await;
    let user_records: Vec<(String, Vec<u8>)> = records
        .iter()
        .flat_map(|(key, data)| telemetry_kinesis_contract::kpl::decode(key, data).unwrap())
        .collect();
    if format == "kpl" {
        assert!(
            records.len() < user_records.len() / 4,
            "{} records",
            records.len()
        );
        let mut by_python = deaggregate_with_python(&records);
        let mut ours = user_records.clone();
        by_python.sort();
        ours.sort();
        assert_eq!(by_python, ours);
    } else {
        assert_eq!(records.len(), user_records.len());
    }

    let payloads: Vec<Value> = user_records
        .iter()
        .map(|(_, data)| serde_json::from_slice(data).unwrap())
        .collect();
    let ids: HashSet<&str> = payloads
        .iter()
        .map(|payload| payload["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), payloads.len(), "ids are unique");
    for payload in &payloads {
        assert_eq!(payload["functionName"], "e2e-function");
        assert_eq!(payload["functionVersion"], "$LATEST");
        assert_eq!(payload["region"], "us-east-1");
        assert!(payload["time"].is_string() && payload["type"].is_string());
        assert!(payload.get("record").is_some());
    }
    // Every line the function printed, once, whole.
    let mut delivered: Vec<Value> = payloads
        .iter()
        .filter(|payload| payload["type"] == "function")
        .map(|payload| payload["record"].clone())
        .collect();
    let mut expected: Vec<Value> = (1..=INVOKES)
        .flat_map(|invoke| {
            (0..LINES)
                .map(move |index| log_record(&script_line(line_format, invoke, index, LINE_BYTES)))
        })
        .collect();
    let sort_key = |value: &Value| value.to_string();
    delivered.sort_by_key(sort_key);
    expected.sort_by_key(sort_key);
    assert_eq!(delivered, expected);
    // The platform events of every invocation, under the invocation's partition key.
    let mut keys_by_request: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for ((key, _), payload) in user_records.iter().zip(&payloads) {
        if let Some(request_id) = payload["record"]["requestId"].as_str() {
            keys_by_request
                .entry(request_id.to_owned())
                .or_default()
                .insert(key.clone());
        }
    }
    for request_id in &request_ids {
        for kind in ["platform.start", "platform.runtimeDone"] {
            assert!(
                payloads.iter().any(|payload| payload["type"] == kind
                    && payload["record"]["requestId"] == request_id.as_str()),
                "{kind} of {request_id} missing"
            );
        }
        let keys = &keys_by_request[request_id];
        assert_eq!(keys.len(), 1, "{request_id}: {keys:?}");
        assert!(keys.contains(request_id));
    }
}

#[tokio::test]
async fn json_records_on_moto_hold_every_event_whole() {
    run("json", LineFormat::Text).await;
}

#[tokio::test]
async fn kpl_records_on_moto_decode_with_aws_kinesis_agg() {
    run("kpl", LineFormat::Json).await;
}

#[tokio::test]
async fn a_stream_named_by_its_arn_receives_the_records() {
    run_to("json", LineFormat::Json, true).await;
}

#[tokio::test]
async fn adaptive_ships_a_rare_invocation_before_the_freeze_and_stays_out_of_the_way_when_busy() {
    let stream = test_support::unique_name("tk-adaptive");
    test_support::moto().create_stream(&stream, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let script = Script {
        lines_per_invoke: 3,
        line_bytes: 60,
        format: LineFormat::Text,
        duration: Duration::from_millis(5),
    };
    let config = SandboxConfig::new(layer(dir.path()), Function::Scripted(script))
        .envs(test_support::moto().env())
        .env("TELEMETRY_KINESIS_STREAM_NAME", &stream)
        .env("TELEMETRY_KINESIS_BUFFERING_TIMEOUT_MS", "25")
        .env("TELEMETRY_KINESIS_LISTENER_HOST", "127.0.0.1")
        .env("TELEMETRY_KINESIS_LISTENER_PORT", free_port().to_string())
        .env("RUST_LOG", "info,telemetry_kinesis_extension=debug");
    let mut sandbox = Sandbox::start(config).await.unwrap();

    // First (rare) invocation: flushed before the extension returns to `next`, so the
    // lines are on the stream by the time the environment freezes.
    let first = sandbox.invoke(json!({})).await.unwrap();
    let on_stream: Vec<Value> = read_stream(&stream)
        .await
        .iter()
        .map(|(_, data)| serde_json::from_slice(data).unwrap())
        .collect();
    let shipped = on_stream
        .iter()
        .filter(|payload| payload["type"] == "function")
        .count();
    assert_eq!(shipped, 3, "{on_stream:#?}");

    // Busy: back-to-back invocations return to `next` without an end flush (the
    // post-runtime figures are measured by `scripts/bench --only invocations`).
    let mut busy = Vec::new();
    for _ in 0..10 {
        busy.push(sandbox.invoke(json!({})).await.unwrap().request_id);
    }
    let flushed: Vec<String> = sandbox
        .output(EXTENSION)
        .unwrap()
        .stderr
        .iter()
        .filter(|line| line.contains("flushing before next"))
        .cloned()
        .collect();
    assert_eq!(flushed.len(), 1, "{flushed:#?}");
    assert!(flushed[0].contains(&first.request_id), "{flushed:#?}");
    assert!(
        busy.iter()
            .all(|request_id| !flushed[0].contains(request_id.as_str()))
    );

    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met);
    let function_events = read_stream(&stream)
        .await
        .iter()
        .map(|(_, data)| serde_json::from_slice::<Value>(data).unwrap())
        .filter(|payload| payload["type"] == "function")
        .count();
    assert_eq!(function_events, 33);
}
