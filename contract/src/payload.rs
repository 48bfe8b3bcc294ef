//! The JSON payload of one event on the stream:
//!
//! ```json
//! {"id": "5f0c2a9e1b7d4c36-42", "time": "2026-01-01T00:00:00.000Z", "type": "function",
//!  "functionName": "my-function", "functionVersion": "$LATEST", "region": "eu-west-1",
//!  "record": "the original record: a string, or any JSON value"}
//! ```
//!
//! `time`, `type` and `record` are what the Telemetry API sent; `id` is unique per event and
//! stable across retries (consumers de-duplicate on it). A payload larger than
//! [`MAX_PAYLOAD_BYTES`] keeps its metadata, its `record` becomes a JSON string holding the
//! longest prefix of the original record's JSON text that fits, and
//! `"truncated": {"originalBytes": N}` is added.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

pub use crate::limits::MAX_PAYLOAD_BYTES;

/// The payload as the extension writes it, borrowing every field.
#[derive(Debug, Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub struct PayloadRef<'a> {
    /// Unique per event, stable across retries.
    pub id: &'a str,
    /// The Telemetry API event time.
    pub time: &'a str,
    /// The Telemetry API event type.
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: &'a str,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub function_version: &'a str,
    /// `AWS_REGION`.
    pub region: &'a str,
    /// The Telemetry API record, verbatim.
    pub record: &'a RawValue,
    /// Present when `record` was cut to fit a Kinesis record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncated>,
}

/// How large a truncated record was.
#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Truncated {
    /// Bytes of the original record's JSON text.
    pub original_bytes: usize,
}

/// The payload as a reader sees it; lenient where older records may lack a field.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    /// Unique per event, stable across retries.
    #[serde(default)]
    pub id: Option<String>,
    /// The Telemetry API event time (RFC 3339).
    pub time: String,
    /// The Telemetry API event type (`platform.report`, `function`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// The function that emitted it.
    #[serde(default)]
    pub function_name: Option<String>,
    /// Its version.
    #[serde(default)]
    pub function_version: Option<String>,
    /// Its region.
    #[serde(default)]
    pub region: Option<String>,
    /// The Telemetry API record: an object, or a string for text logs.
    #[serde(default)]
    pub record: Value,
    /// Present when `record` was cut to fit a Kinesis record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncated>,
}

impl Payload {
    /// A payload of `kind` at `time` holding `record`, without identity fields.
    pub fn new(time: impl Into<String>, kind: impl Into<String>, record: Value) -> Self {
        Self {
            id: None,
            time: time.into(),
            kind: kind.into(),
            function_name: None,
            function_version: None,
            region: None,
            record,
            truncated: None,
        }
    }

    /// The request id inside the record (platform events and JSON-format logs).
    pub fn record_request_id(&self) -> Option<&str> {
        self.record.get("requestId").and_then(Value::as_str)
    }
}

/// The identity fields every payload of one execution environment carries, rendered once:
/// writing an event then copies them instead of escaping them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    function_name: String,
    function_version: String,
    region: String,
    /// `,"functionName":…,"functionVersion":…,"region":…`
    rendered: Vec<u8>,
}

impl Identity {
    /// The identity of a function version in a region.
    pub fn new(function_name: &str, function_version: &str, region: &str) -> Self {
        let mut rendered = Vec::new();
        write_identity(&mut rendered, function_name, function_version, region);
        Self {
            function_name: function_name.to_owned(),
            function_version: function_version.to_owned(),
            region: region.to_owned(),
            rendered,
        }
    }

    /// Writes one event's payload, exactly as [`encode`] of the same fields would.
    pub fn encode(&self, id: &str, time: &str, kind: &str, record: &RawValue) -> Vec<u8> {
        let reference = PayloadRef {
            id,
            time,
            kind,
            function_name: &self.function_name,
            function_version: &self.function_version,
            region: &self.region,
            record,
            truncated: None,
        };
        let mut data = Vec::with_capacity(encoded_len_estimate(&reference));
        write_event(&mut data, id, time, kind);
        data.extend_from_slice(&self.rendered);
        data.extend_from_slice(b",\"record\":");
        data.extend_from_slice(record.get().as_bytes());
        data.push(b'}');
        if data.len() > MAX_PAYLOAD_BYTES {
            data = truncated(reference, data.len());
        }
        data.shrink_to_fit();
        data
    }
}

/// The `id` of a payload this crate wrote (it is the first field, and ids need no escaping).
pub fn id_of(data: &[u8]) -> Option<&str> {
    let rest = data.strip_prefix(b"{\"id\":\"")?;
    let end = rest.iter().position(|byte| *byte == b'"')?;
    std::str::from_utf8(&rest[..end]).ok()
}

/// Writes `payload` as JSON, truncating its record to fit [`MAX_PAYLOAD_BYTES`]. The
/// result's capacity is its length (it is kept in memory until delivered).
pub fn encode(payload: &PayloadRef<'_>) -> Vec<u8> {
    let mut data = Vec::with_capacity(encoded_len_estimate(payload));
    write(&mut data, payload);
    if data.len() > MAX_PAYLOAD_BYTES {
        data = truncated(*payload, data.len());
    }
    data.shrink_to_fit();
    data
}

/// Bytes `payload` takes as JSON when no string needs escaping (the common case).
fn encoded_len_estimate(payload: &PayloadRef<'_>) -> usize {
    const FIXED: usize = r#"{"id":"","time":"","type":"","functionName":"","functionVersion":"","region":"","record":}"#.len();
    FIXED
        + payload.id.len()
        + payload.time.len()
        + payload.kind.len()
        + payload.function_name.len()
        + payload.function_version.len()
        + payload.region.len()
        + payload.record.get().len()
}

/// Appends `payload` as JSON to `out`, field by field: the same bytes as its `Serialize`
/// form, without the serializer's per-field overhead.
pub fn write(out: &mut Vec<u8>, payload: &PayloadRef<'_>) {
    write_event(out, payload.id, payload.time, payload.kind);
    write_identity(
        out,
        payload.function_name,
        payload.function_version,
        payload.region,
    );
    out.extend_from_slice(b",\"record\":");
    out.extend_from_slice(payload.record.get().as_bytes());
    if let Some(truncated) = payload.truncated {
        out.extend_from_slice(b",\"truncated\":{\"originalBytes\":");
        out.extend_from_slice(truncated.original_bytes.to_string().as_bytes());
        out.push(b'}');
    }
    out.push(b'}');
}

/// `{"id":…,"time":…,"type":…`: the fields of the event itself, first.
fn write_event(out: &mut Vec<u8>, id: &str, time: &str, kind: &str) {
    out.extend_from_slice(b"{\"id\":");
    write_str(out, id);
    out.extend_from_slice(b",\"time\":");
    write_str(out, time);
    out.extend_from_slice(b",\"type\":");
    write_str(out, kind);
}

/// `,"functionName":…,"functionVersion":…,"region":…`
fn write_identity(out: &mut Vec<u8>, name: &str, version: &str, region: &str) {
    out.extend_from_slice(b",\"functionName\":");
    write_str(out, name);
    out.extend_from_slice(b",\"functionVersion\":");
    write_str(out, version);
    out.extend_from_slice(b",\"region\":");
    write_str(out, region);
}

/// Appends `text` as a JSON string.
fn write_str(out: &mut Vec<u8>, text: &str) {
    let plain = text
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\');
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing a `str` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// Re-encodes `payload` (of `encoded_len` bytes) with its record cut to a prefix string.
fn truncated(payload: PayloadRef<'_>, encoded_len: usize) -> Vec<u8> {
    let original = payload.record.get();
    let mut keep = original
        .len()
        .saturating_sub(encoded_len - MAX_PAYLOAD_BYTES + 64);
    loop {
        let prefix = floor_char_boundary(original, keep);
        // A JSON string of a `str` is always valid raw JSON.
        let text = serde_json::to_string(prefix).unwrap_or_else(|_| "\"\"".to_owned());
        let mut data = Vec::new();
        if let Ok(record) = RawValue::from_string(text) {
            write(
                &mut data,
                &PayloadRef {
                    record: &record,
                    truncated: Some(Truncated {
                        original_bytes: original.len(),
                    }),
                    ..payload
                },
            );
        }
        if data.len() <= MAX_PAYLOAD_BYTES || keep == 0 {
            return data;
        }
        // Escaping can grow the text up to 6x (`\u00XX`): shrink by the excess.
        keep = keep.saturating_sub((data.len() - MAX_PAYLOAD_BYTES).max(keep / 16));
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn reference(record: &RawValue) -> PayloadRef<'_> {
        PayloadRef {
            id: "abc-3",
            time: "t2",
            kind: "function",
            function_name: "f",
            function_version: "$LATEST",
            region: "us-east-1",
            record,
            truncated: None,
        }
    }

    #[test]
    fn written_payloads_read_back_whole() {
        let record =
            RawValue::from_string(r#"{"requestId":"r2","message":{"a":1}}"#.into()).unwrap();
        let data = encode(&reference(&record));
        let value: Value = serde_json::from_slice(&data).unwrap();
        assert_eq!(
            value,
            json!({"id": "abc-3", "time": "t2", "type": "function", "functionName": "f",
                   "functionVersion": "$LATEST", "region": "us-east-1",
                   "record": {"requestId": "r2", "message": {"a": 1}}})
        );
        let payload: Payload = serde_json::from_slice(&data).unwrap();
        assert_eq!(payload.id.as_deref(), Some("abc-3"));
        assert_eq!(id_of(&data), Some("abc-3"));
        assert_eq!(id_of(b"{\"time\":\"t\"}"), None);
        assert_eq!(payload.kind, "function");
        assert_eq!(payload.function_version.as_deref(), Some("$LATEST"));
        assert_eq!(payload.record_request_id(), Some("r2"));
        assert_eq!(payload.truncated, None);
    }

    #[test]
    fn the_writer_writes_what_serde_writes() {
        let record = RawValue::from_string(r#"[1,"two",{"three":3}]"#.into()).unwrap();
        let odd = "quote \" backslash \\ tab \t nul \u{0} é 🎉";
        let cases = [
            reference(&record),
            PayloadRef {
                id: odd,
                time: odd,
                kind: odd,
                function_name: odd,
                function_version: "",
                region: odd,
                record: &record,
                truncated: Some(Truncated { original_bytes: 42 }),
            },
        ];
        for payload in cases {
            let mut written = Vec::new();
            write(&mut written, &payload);
            assert_eq!(written, serde_json::to_vec(&payload).unwrap());
            let encoded = encode(&payload);
            assert_eq!(encoded, written);
            assert_eq!(encoded.capacity(), encoded.len());
            if payload.truncated.is_none() {
                let identity = Identity::new(
                    payload.function_name,
                    payload.function_version,
                    payload.region,
                );
                let fast = identity.encode(payload.id, payload.time, payload.kind, payload.record);
                assert_eq!(fast, written);
            }
        }
    }

    #[test]
    fn oversized_records_are_truncated_to_a_prefix_string() {
        for filler in ["x", "\u{1}", "é"] {
            let big = filler.repeat(2 * 1024 * 1024 / filler.len());
            let record = RawValue::from_string(json!({"m": big}).to_string()).unwrap();
            let data = encode(&reference(&record));
            let identity = Identity::new("f", "$LATEST", "us-east-1");
            assert_eq!(identity.encode("abc-3", "t2", "function", &record), data);
            assert!(data.len() <= MAX_PAYLOAD_BYTES);
            assert!(data.len() > MAX_PAYLOAD_BYTES - 64 * 1024, "{}", data.len());
            let payload: Payload = serde_json::from_slice(&data).unwrap();
            let original = record.get();
            assert_eq!(
                payload.truncated,
                Some(Truncated {
                    original_bytes: original.len()
                })
            );
            assert!(original.starts_with(payload.record.as_str().unwrap()));
            assert_eq!(payload.kind, "function");
        }
    }
}
