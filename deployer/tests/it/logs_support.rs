//! Helpers for the `deployer logs` tests: events shaped like the extension's payloads,
//! written to moto in either format, and the deployer binary run as a child.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use serde_json::{Value, json};
use telemetry_kinesis_contract::kpl::Aggregator;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One event as the extension writes it.
#[derive(Debug, Clone)]
pub struct Written {
    pub partition_key: String,
    pub data: String,
}

impl Written {
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }

    pub fn id(&self) -> String {
        self.value()["id"].as_str().unwrap().to_owned()
    }
}

/// An event payload: `kind` with `record`, for `function`, keyed by `request_id`.
pub fn event(id: &str, kind: &str, function: &str, request_id: &str, record: Value) -> Written {
    let time = OffsetDateTime::now_utc().format(&Rfc3339).unwrap();
    let data = json!({
        "id": id, "time": time, "type": kind, "functionName": function,
        "functionVersion": "$LATEST", "region": "us-east-1", "record": record,
    })
    .to_string();
    Written {
        partition_key: request_id.to_owned(),
        data,
    }
}

/// The events of one invocation, in the order Lambda emits them.
pub fn invocation(prefix: &str, function: &str, request_id: &str) -> Vec<Written> {
    vec![
        event(
            &format!("{prefix}-1"),
            "platform.start",
            function,
            request_id,
            json!({"requestId": request_id, "version": "$LATEST"}),
        ),
        event(
            &format!("{prefix}-2"),
            "function",
            function,
            request_id,
            json!(format!("hello from {request_id}\n")),
        ),
        event(
            &format!("{prefix}-3"),
            "platform.report",
            function,
            request_id,
            json!({"requestId": request_id, "status": "success", "metrics": {
                "durationMs": 1.5, "billedDurationMs": 2, "memorySizeMB": 128,
                "maxMemoryUsedMB": 40}}),
        ),
    ]
}

/// Writes each event as its own record (`json` format), in order per partition key.
pub async fn put_json(kinesis: &Client, stream: &str, events: &[Written]) {
    for chunk in events.chunks(100) {
        let entries = chunk.iter().map(|event| {
            PutRecordsRequestEntry::builder()
                .partition_key(&event.partition_key)
                .data(Blob::new(event.data.as_bytes()))
                .build()
                .unwrap()
        });
        put(kinesis, stream, entries.collect()).await;
    }
}

/// Writes the events as KPL aggregates of up to `per_record` events each (`kpl` format),
/// each aggregate under its first event's partition key, as the extension does.
pub async fn put_kpl(kinesis: &Client, stream: &str, events: &[Written], per_record: usize) {
    let entries = events
        .chunks(per_record)
        .map(|chunk| {
            let mut aggregator = Aggregator::default();
            for event in chunk {
                aggregator.push(&event.partition_key, event.data.as_bytes());
            }
            PutRecordsRequestEntry::builder()
                .partition_key(&chunk[0].partition_key)
                .data(Blob::new(aggregator.finish().to_vec()))
                .build()
                .unwrap()
        })
        .collect();
    put(kinesis, stream, entries).await;
}

/// Writes raw bytes as one record.
pub async fn put_raw(kinesis: &Client, stream: &str, key: &str, data: &[u8]) {
    kinesis
        .put_record()
        .stream_name(stream)
        .partition_key(key)
        .data(Blob::new(data))
        .send()
        .await
        .unwrap();
}

async fn put(kinesis: &Client, stream: &str, entries: Vec<PutRecordsRequestEntry>) {
    let output = kinesis
        .put_records()
        .stream_name(stream)
        .set_records(Some(entries))
        .send()
        .await
        .unwrap();
    assert_eq!(output.failed_record_count(), Some(0));
}

/// The deployer binary with moto's environment and no colour.
/// Splits the stream's first shard in two halves of the hash key range.
pub async fn split_first_shard(kinesis: &Client, stream: &str) {
    kinesis
        .split_shard()
        .stream_name(stream)
        .shard_to_split("shardId-000000000000")
        .new_starting_hash_key((1u128 << 127).to_string())
        .send()
        .await
        .unwrap();
}

pub fn deployer(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deployer"));
    command
        .args(args)
        .envs(test_support::moto().env())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

/// Runs `deployer logs --stream STREAM ARGS...` to completion.
pub fn logs(stream: &str, args: &[&str]) -> Output {
    let mut all = vec!["logs", "--stream", stream];
    all.extend_from_slice(args);
    deployer(&all).output().unwrap()
}

/// The stdout lines of a successful run.
pub fn lines(output: &Output) -> Vec<String> {
    assert!(
        output.status.success(),
        "deployer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(ToOwned::to_owned)
        .collect()
}

/// The events of `--json` lines, parsed.
pub fn parsed(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// A running `deployer logs --follow`, its stdout read line by line on a thread.
pub struct Follower {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Follower {
    pub fn start(stream: &str, args: &[&str]) -> Self {
        let mut all = vec!["logs", "--stream", stream, "--follow"];
        all.extend_from_slice(args);
        let mut child = deployer(&all)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// Reads lines until `done` says the collected lines are enough; panics after `timeout`.
    pub fn read_until(
        &mut self,
        collected: &mut Vec<String>,
        timeout: Duration,
        done: impl Fn(&[String]) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        while !done(collected) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => collected.push(line),
                Err(error) => panic!(
                    "after {timeout:?} ({error}), only {} lines: {collected:#?}",
                    collected.len()
                ),
            }
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
