//! The Kinesis payload of one event: the original `time`, `type` and `record`, the
//! function's identity, and an `id` unique per event and stable across retries (it is
//! assigned once, when the event is received), so consumers can de-duplicate.
//!
//! Partition key: the event's invocation (`requestId`), so one invocation's events stay
//! together on one shard while invocations spread across shards. Events without a
//! `requestId` (text logs) belong to the invocation in progress; events before the
//! first invocation use a key per execution environment.
//!
//! The payload's schema and its truncation of oversized events are the contract's
//! ([`telemetry_kinesis_contract::payload`]).

use std::sync::Arc;

use bytes::Bytes;
use serde_json::value::RawValue;
use telemetry_kinesis_contract::limits::MAX_PARTITION_KEY_CHARS;
use telemetry_kinesis_contract::names::INIT_PARTITION_KEY_PREFIX;
use telemetry_kinesis_contract::payload::{self, PayloadRef};

use crate::config::FunctionIdentity;
use crate::event::TelemetryEvent;

/// One event ready for Kinesis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Partition key (1-256 characters), shared by the events of one invocation.
    pub partition_key: Arc<str>,
    /// Payload JSON.
    pub data: Bytes,
    /// Whether the extension emitted it about itself (not a Telemetry API event).
    pub own: bool,
}

/// Turns events into [`Item`]s; holds the id sequence and the invocation in progress.
#[derive(Debug)]
pub struct Encoder {
    identity: FunctionIdentity,
    instance: String,
    sequence: u64,
    /// The key of the invocation in progress (or of INIT), shared by its events.
    current_key: Arc<str>,
}

impl Encoder {
    /// `instance` identifies this execution environment (random per process).
    pub fn new(identity: FunctionIdentity, instance: String) -> Self {
        let current_key = init_key(&instance);
        Self {
            identity,
            instance,
            sequence: 0,
            current_key,
        }
    }

    /// Encodes a Telemetry API event.
    pub fn encode(&mut self, event: &TelemetryEvent<'_>) -> Item {
        if let Some(request_id) = event.request_id()
            && *self.current_key != *request_id
        {
            self.current_key = Arc::from(truncate_key(&request_id));
        }
        self.encode_parts(&event.time, &event.kind, event.record, false)
    }

    /// Encodes an event this extension emits about itself.
    pub fn encode_own(&mut self, time: &str, kind: &str, record: &RawValue) -> Item {
        self.encode_parts(time, kind, record, true)
    }

    fn encode_parts(&mut self, time: &str, kind: &str, record: &RawValue, own: bool) -> Item {
        self.sequence += 1;
        let id = format!("{}-{}", self.instance, self.sequence);
        let data = payload::encode(&PayloadRef {
            id: &id,
            time,
            kind,
            function_name: &self.identity.name,
            function_version: &self.identity.version,
            region: &self.identity.region,
            record,
            truncated: None,
        });
        Item {
            partition_key: Arc::clone(&self.current_key),
            data: Bytes::from(data),
            own,
        }
    }
}

fn init_key(instance: &str) -> Arc<str> {
    Arc::from(truncate_key(&format!(
        "{INIT_PARTITION_KEY_PREFIX}{instance}"
    )))
}

/// A valid partition key: 1-256 characters.
fn truncate_key(key: &str) -> &str {
    if key.is_empty() {
        return "-";
    }
    match key.char_indices().nth(MAX_PARTITION_KEY_CHARS) {
        Some((end, _)) => &key[..end],
        None => key,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::event::parse_batch;
    use serde_json::{Value, json};

    fn encoder() -> Encoder {
        Encoder::new(
            FunctionIdentity {
                name: "f".into(),
                version: "$LATEST".into(),
                region: "us-east-1".into(),
            },
            "abc".into(),
        )
    }

    #[test]
    fn payload_keeps_the_event_and_adds_identity() {
        let mut encoder = encoder();
        let body = json!([
            {"time": "t0", "type": "platform.initStart", "record": {"phase": "init"}},
            {"time": "t1", "type": "platform.start", "record": {"requestId": "r1"}},
            {"time": "t2", "type": "function", "record": "hello\n"},
            {"time": "t3", "type": "function", "record": {"requestId": "r2", "message": {"a": 1}}},
        ])
        .to_string();
        let batch = parse_batch(body.as_bytes()).unwrap().events;
        let items: Vec<Item> = batch.iter().map(|event| encoder.encode(event)).collect();
        assert!(Arc::ptr_eq(
            &items[1].partition_key,
            &items[2].partition_key
        ));
        let keys: Vec<&str> = items.iter().map(|item| &*item.partition_key).collect();
        assert_eq!(keys, ["init-abc", "r1", "r1", "r2"]);
        let payload: Value = serde_json::from_slice(&items[2].data).unwrap();
        assert_eq!(
            payload,
            json!({"id": "abc-3", "time": "t2", "type": "function", "functionName": "f",
                   "functionVersion": "$LATEST", "region": "us-east-1", "record": "hello\n"})
        );
        let payload: Value = serde_json::from_slice(&items[3].data).unwrap();
        assert_eq!(
            payload["record"],
            json!({"requestId": "r2", "message": {"a": 1}})
        );
    }

    #[test]
    fn long_partition_keys_are_cut() {
        let long = "k".repeat(300);
        assert_eq!(truncate_key(&long).len(), 256);
        assert_eq!(truncate_key(""), "-");
        assert_eq!(truncate_key("é".repeat(300).as_str()).chars().count(), 256);
    }
}
