//! The Kinesis payload of one event: the original `time`, `type` and `record`, the
//! function's identity, and an `id` unique per event and stable across retries (it is
//! assigned once, when the event is received), so consumers can de-duplicate.
//!
//! Partition key: the event's invocation (`requestId`), so one invocation's events stay
//! together on one shard while invocations spread across shards. Events without a
//! `requestId` (text logs) belong to the invocation in progress; events before the
//! first invocation use `init-<environment>`. Where invocations run concurrently (Managed
//! Instances) there is no invocation in progress: events without a `requestId` use
//! `env-<environment>`.
//!
//! Ids: `<prefix>-<sequence>`, where the prefix is drawn from the operating system's
//! random source for every batch. Nothing drawn before a SnapStart snapshot is reused
//! after a restore, so environments restored from one snapshot never share an id.
//!
//! The payload's schema and its truncation of oversized events are the contract's
//! ([`telemetry_kinesis_contract::payload`]).

use std::sync::Arc;

use bytes::Bytes;
use serde_json::value::RawValue;
use telemetry_kinesis_contract::limits::MAX_PARTITION_KEY_CHARS;
use telemetry_kinesis_contract::names::{
    ENVIRONMENT_PARTITION_KEY_PREFIX, INIT_PARTITION_KEY_PREFIX,
};
use telemetry_kinesis_contract::payload::Identity;

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

/// Whether invocations can overlap in the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocations {
    /// One at a time: a line without a `requestId` belongs to the one in progress.
    Sequential,
    /// Several at once (Managed Instances): such a line belongs to none.
    Concurrent,
}

/// Turns events into [`Item`]s; holds the id sequence and the invocation in progress.
#[derive(Debug)]
pub struct Encoder {
    identity: Identity,
    invocations: Invocations,
    id_prefix: String,
    sequence: u64,
    /// The id being written, kept to reuse its allocation.
    id: String,
    /// The key of the invocation in progress (or of INIT), shared by its events.
    current_key: Arc<str>,
    /// The key of events that belong to no invocation (concurrent invocations).
    environment_key: Arc<str>,
    /// The last invocation key made, reused while events keep naming it.
    last_request_key: Arc<str>,
}

impl Encoder {
    /// `instance` identifies this execution environment in partition keys.
    pub fn new(identity: FunctionIdentity, instance: &str, invocations: Invocations) -> Self {
        let current_key = key_of(&format!("{INIT_PARTITION_KEY_PREFIX}{instance}"));
        Self {
            identity: Identity::new(&identity.name, &identity.version, &identity.region),
            invocations,
            id_prefix: fresh_id_prefix(),
            sequence: 0,
            id: String::new(),
            last_request_key: Arc::clone(&current_key),
            current_key,
            environment_key: key_of(&format!("{ENVIRONMENT_PARTITION_KEY_PREFIX}{instance}")),
        }
    }

    /// Draws a new id prefix from the operating system: called for every batch.
    pub fn refresh_ids(&mut self) {
        self.id_prefix = fresh_id_prefix();
    }

    /// Encodes a Telemetry API event.
    pub fn encode(&mut self, event: &TelemetryEvent<'_>) -> Item {
        let key = match (event.request_id(), self.invocations) {
            (Some(request_id), _) => {
                if *self.last_request_key != *truncate_key(&request_id) {
                    self.last_request_key = key_of(&request_id);
                }
                if self.invocations == Invocations::Sequential {
                    self.current_key = Arc::clone(&self.last_request_key);
                }
                Arc::clone(&self.last_request_key)
            }
            (None, Invocations::Sequential) => Arc::clone(&self.current_key),
            (None, Invocations::Concurrent) => Arc::clone(&self.environment_key),
        };
        self.encode_parts(key, &event.time, &event.kind, event.record, false)
    }

    /// Encodes an event this extension emits about itself.
    pub fn encode_own(&mut self, time: &str, kind: &str, record: &RawValue) -> Item {
        let key = match self.invocations {
            Invocations::Sequential => Arc::clone(&self.current_key),
            Invocations::Concurrent => Arc::clone(&self.environment_key),
        };
        self.encode_parts(key, time, kind, record, true)
    }

    fn encode_parts(
        &mut self,
        key: Arc<str>,
        time: &str,
        kind: &str,
        record: &RawValue,
        own: bool,
    ) -> Item {
        self.sequence += 1;
        self.id.clear();
        self.id.push_str(&self.id_prefix);
        self.id.push('-');
        self.id.push_str(itoa::Buffer::new().format(self.sequence));
        let data = self.identity.encode(&self.id, time, kind, record);
        Item {
            partition_key: key,
            data: Bytes::from(data),
            own,
        }
    }
}

fn key_of(text: &str) -> Arc<str> {
    Arc::from(truncate_key(text))
}

/// 64 bits from the operating system's random source (fresh after a SnapStart restore, as a
/// generator seeded in memory would not be), as 16 hex digits.
fn fresh_id_prefix() -> String {
    use rand::TryRngCore;
    let bits = rand::rngs::OsRng
        .try_next_u64()
        .unwrap_or_else(|_| rand::random::<u64>());
    format!("{bits:016x}")
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

    fn encoder(invocations: Invocations) -> Encoder {
        Encoder::new(
            FunctionIdentity {
                name: "f".into(),
                version: "$LATEST".into(),
                region: "us-east-1".into(),
            },
            "abc",
            invocations,
        )
    }

    fn encode_all(encoder: &mut Encoder, body: &Value) -> Vec<Item> {
        let body = body.to_string();
        let batch = parse_batch(body.as_bytes()).unwrap().events;
        batch.iter().map(|event| encoder.encode(event)).collect()
    }

    fn id(item: &Item) -> String {
        serde_json::from_slice::<Value>(&item.data).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn payload_keeps_the_event_and_adds_identity() {
        let mut encoder = encoder(Invocations::Sequential);
        let items = encode_all(
            &mut encoder,
            &json!([
                {"time": "t0", "type": "platform.initStart", "record": {"phase": "init"}},
                {"time": "t1", "type": "platform.start", "record": {"requestId": "r1"}},
                {"time": "t2", "type": "function", "record": "hello\n"},
                {"time": "t3", "type": "function", "record": {"requestId": "r2", "message": {"a": 1}}},
            ]),
        );
        assert!(Arc::ptr_eq(
            &items[1].partition_key,
            &items[2].partition_key
        ));
        let keys: Vec<&str> = items.iter().map(|item| &*item.partition_key).collect();
        assert_eq!(keys, ["init-abc", "r1", "r1", "r2"]);
        let mut payload: Value = serde_json::from_slice(&items[2].data).unwrap();
        let id = payload["id"].as_str().unwrap().to_owned();
        assert!(id.ends_with("-3") && id.len() == 16 + 2, "{id}");
        payload["id"] = json!("");
        assert_eq!(
            payload,
            json!({"id": "", "time": "t2", "type": "function", "functionName": "f",
                   "functionVersion": "$LATEST", "region": "us-east-1", "record": "hello\n"})
        );
        let payload: Value = serde_json::from_slice(&items[3].data).unwrap();
        assert_eq!(
            payload["record"],
            json!({"requestId": "r2", "message": {"a": 1}})
        );
    }

    #[test]
    fn concurrent_invocations_keep_their_keys_and_unnamed_lines_get_the_environments() {
        let mut encoder = encoder(Invocations::Concurrent);
        let items = encode_all(
            &mut encoder,
            &json!([
                {"time": "t", "type": "platform.start", "record": {"requestId": "r1"}},
                {"time": "t", "type": "platform.start", "record": {"requestId": "r2"}},
                {"time": "t", "type": "function", "record": "a text line"},
                {"time": "t", "type": "function", "record": {"requestId": "r1", "message": "x"}},
                {"time": "t", "type": "function", "record": {"requestId": "r2", "message": "y"}},
            ]),
        );
        let keys: Vec<&str> = items.iter().map(|item| &*item.partition_key).collect();
        assert_eq!(keys, ["r1", "r2", "env-abc", "r1", "r2"]);
    }

    /// A SnapStart snapshot copies the encoder's memory into every restored environment:
    /// two copies must still never produce the same id.
    #[test]
    fn environments_restored_from_one_snapshot_do_not_share_ids() {
        let body = json!([{"time": "t", "type": "function", "record": "after restore"}]);
        let mut snapshot = encoder(Invocations::Sequential);
        encode_all(&mut snapshot, &body);
        let copy_of = |encoder: &Encoder| Encoder {
            identity: encoder.identity.clone(),
            invocations: encoder.invocations,
            id_prefix: encoder.id_prefix.clone(),
            sequence: encoder.sequence,
            id: String::new(),
            current_key: Arc::clone(&encoder.current_key),
            environment_key: Arc::clone(&encoder.environment_key),
            last_request_key: Arc::clone(&encoder.last_request_key),
        };
        let mut first = copy_of(&snapshot);
        let mut second = copy_of(&snapshot);
        // Each restored environment receives its next batch.
        first.refresh_ids();
        second.refresh_ids();
        let a = encode_all(&mut first, &body);
        let b = encode_all(&mut second, &body);
        assert_ne!(id(&a[0]), id(&b[0]));
    }

    #[test]
    fn long_partition_keys_are_cut() {
        let long = "k".repeat(300);
        assert_eq!(truncate_key(&long).len(), 256);
        assert_eq!(truncate_key(""), "-");
        assert_eq!(truncate_key("é".repeat(300).as_str()).chars().count(), 256);
    }
}
