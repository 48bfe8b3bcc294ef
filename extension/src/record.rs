//! The Kinesis payload of one event: the original `time`, `type` and `record`, the
//! function's identity, and an `id` unique per event and stable across retries (it is
//! assigned once, when the event is received), so consumers can de-duplicate.
//!
//! Partition key: the event's invocation (`requestId`), so one invocation's events stay
//! together on one shard while invocations spread across shards. Events without a
//! `requestId` (text logs) belong to the invocation in progress; events before the
//! first invocation use a key per execution environment.
//!
//! Oversized events: a payload larger than [`MAX_PAYLOAD_BYTES`] keeps its metadata,
//! and its `record` becomes a JSON string holding the longest prefix of the original
//! record's JSON text that fits, with `"truncated": {"originalBytes": N}` added.

use bytes::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::config::FunctionIdentity;
use crate::event::TelemetryEvent;

/// Largest payload: a Kinesis record holds 1 MiB including its partition key; the rest
/// is room for the key and the KPL envelope of a single event.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024 - 4096;

/// Longest partition key Kinesis accepts.
pub const MAX_PARTITION_KEY_CHARS: usize = 256;

/// One event ready for Kinesis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Partition key (1-256 characters).
    pub partition_key: String,
    /// Payload JSON.
    pub data: Bytes,
    /// Whether the extension emitted it about itself (not a Telemetry API event).
    pub own: bool,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    id: &'a str,
    time: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    function_name: &'a str,
    function_version: &'a str,
    region: &'a str,
    record: &'a RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<Truncated>,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Truncated {
    original_bytes: usize,
}

/// Turns events into [`Item`]s; holds the id sequence and the invocation in progress.
#[derive(Debug)]
pub struct Encoder {
    identity: FunctionIdentity,
    instance: String,
    sequence: u64,
    current_invocation: Option<String>,
}

impl Encoder {
    /// `instance` identifies this execution environment (random per process).
    pub fn new(identity: FunctionIdentity, instance: String) -> Self {
        Self {
            identity,
            instance,
            sequence: 0,
            current_invocation: None,
        }
    }

    /// Encodes a Telemetry API event.
    pub fn encode(&mut self, event: &TelemetryEvent) -> Item {
        if let Some(request_id) = event.request_id() {
            self.current_invocation = Some(request_id);
        }
        self.encode_parts(&event.time, &event.kind, &event.record, false)
    }

    /// Encodes an event this extension emits about itself.
    pub fn encode_own(&mut self, time: &str, kind: &str, record: &RawValue) -> Item {
        self.encode_parts(time, kind, record, true)
    }

    fn encode_parts(&mut self, time: &str, kind: &str, record: &RawValue, own: bool) -> Item {
        self.sequence += 1;
        let id = format!("{}-{}", self.instance, self.sequence);
        let payload = Payload {
            id: &id,
            time,
            kind,
            function_name: &self.identity.name,
            function_version: &self.identity.version,
            region: &self.identity.region,
            record,
            truncated: None,
        };
        let mut data = to_vec(&payload);
        if data.len() > MAX_PAYLOAD_BYTES {
            data = truncated(payload, data.len());
        }
        let key = self
            .current_invocation
            .clone()
            .unwrap_or_else(|| format!("init-{}", self.instance));
        Item {
            partition_key: truncate_key(key),
            data: Bytes::from(data),
            own,
        }
    }
}

/// Re-encodes `payload` (of `encoded_len` bytes) with its record cut to a prefix string.
fn truncated(payload: Payload<'_>, encoded_len: usize) -> Vec<u8> {
    let original = payload.record.get();
    let mut keep = original
        .len()
        .saturating_sub(encoded_len - MAX_PAYLOAD_BYTES + 64);
    loop {
        let prefix = floor_char_boundary(original, keep);
        // A JSON string of a `str` is always valid raw JSON.
        let text = serde_json::to_string(prefix).unwrap_or_else(|_| "\"\"".to_owned());
        let data = match RawValue::from_string(text) {
            Ok(record) => to_vec(&Payload {
                record: &record,
                truncated: Some(Truncated {
                    original_bytes: original.len(),
                }),
                ..payload
            }),
            Err(_) => Vec::new(),
        };
        if data.len() <= MAX_PAYLOAD_BYTES || keep == 0 {
            return data;
        }
        // Escaping can grow the text up to 6x (`\u00XX`): shrink by the excess.
        keep = keep.saturating_sub((data.len() - MAX_PAYLOAD_BYTES).max(keep / 16));
    }
}

fn to_vec(payload: &Payload<'_>) -> Vec<u8> {
    // Serialising borrowed strings and raw JSON cannot fail.
    serde_json::to_vec(payload).unwrap_or_default()
}

fn floor_char_boundary(text: &str, mut index: usize) -> &str {
    if index >= text.len() {
        return text;
    }
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    &text[..index]
}

fn truncate_key(key: String) -> String {
    if key.is_empty() {
        return "-".to_owned();
    }
    if key.chars().count() <= MAX_PARTITION_KEY_CHARS {
        return key;
    }
    key.chars().take(MAX_PARTITION_KEY_CHARS).collect()
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

    fn events(body: &Value) -> Vec<TelemetryEvent> {
        parse_batch(body.to_string().as_bytes()).unwrap().events
    }

    #[test]
    fn payload_keeps_the_event_and_adds_identity() {
        let mut encoder = encoder();
        let batch = events(&json!([
            {"time": "t0", "type": "platform.initStart", "record": {"phase": "init"}},
            {"time": "t1", "type": "platform.start", "record": {"requestId": "r1"}},
            {"time": "t2", "type": "function", "record": "hello\n"},
            {"time": "t3", "type": "function", "record": {"requestId": "r2", "message": {"a": 1}}},
        ]));
        let items: Vec<Item> = batch.iter().map(|event| encoder.encode(event)).collect();
        let keys: Vec<&str> = items
            .iter()
            .map(|item| item.partition_key.as_str())
            .collect();
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
    fn oversized_records_are_truncated_to_a_prefix_string() {
        let mut encoder = encoder();
        for filler in ["x", "\u{1}", "é"] {
            let big = filler.repeat(2 * 1024 * 1024 / filler.len());
            let batch = events(&json!([{"time": "t", "type": "function", "record": {"m": big}}]));
            let item = encoder.encode(&batch[0]);
            assert!(item.data.len() <= MAX_PAYLOAD_BYTES);
            assert!(
                item.data.len() > MAX_PAYLOAD_BYTES - 64 * 1024,
                "{}",
                item.data.len()
            );
            let payload: Value = serde_json::from_slice(&item.data).unwrap();
            let original = batch[0].record.get();
            assert_eq!(payload["truncated"]["originalBytes"], original.len());
            assert!(original.starts_with(payload["record"].as_str().unwrap()));
            assert_eq!(payload["type"], "function");
        }
    }

    #[test]
    fn long_partition_keys_are_cut() {
        let key = truncate_key("k".repeat(300));
        assert_eq!(key.len(), 256);
        assert_eq!(truncate_key(String::new()), "-");
    }
}
