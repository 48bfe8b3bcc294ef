//! Telemetry API wire pieces the simulator lacks: `function` and `extension` log events built
//! from output lines, the subscription's buffering, and the batching rule. Pure code.

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::time::Instant;

/// Lambda's default `maxItems` (the simulator defaults to 10000).
pub const DEFAULT_MAX_ITEMS: usize = 1000;
/// Lambda's default `maxBytes`.
pub const DEFAULT_MAX_BYTES: usize = 262_144;
/// Lambda's default `timeoutMs`.
pub const DEFAULT_TIMEOUT_MS: u64 = 1000;
/// Accepted `maxItems` range.
pub const MAX_ITEMS_RANGE: std::ops::RangeInclusive<u64> = 1000..=10_000;
/// Accepted `maxBytes` range.
pub const MAX_BYTES_RANGE: std::ops::RangeInclusive<u64> = 262_144..=1_048_576;
/// Accepted `timeoutMs` range.
pub const TIMEOUT_MS_RANGE: std::ops::RangeInclusive<u64> = 25..=30_000;

/// The Telemetry API stream a log line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogType {
    /// The function's (runtime's) stdout and stderr.
    Function,
    /// An extension's stdout and stderr.
    Extension,
}

impl LogType {
    /// The event `type` and subscription type name.
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Function => "function",
            LogType::Extension => "extension",
        }
    }
}

/// Formats a time the way Lambda writes event times: RFC 3339, milliseconds, `Z`.
pub fn format_time(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// The record of one output line: a line holding a JSON object (the function's JSON log
/// format) becomes that object, any other line a string, as Lambda does.
pub fn log_record(line: &str) -> Value {
    let trimmed = line.trim_start();
    if trimmed.starts_with('{')
        && let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(line)
    {
        return value;
    }
    Value::String(line.to_owned())
}

/// One `function` or `extension` event, serialized: `{"time","type","record"}`.
pub fn log_event(log_type: LogType, at: OffsetDateTime, line: &str) -> Vec<u8> {
    let event = serde_json::json!({
        "time": format_time(at),
        "type": log_type.as_str(),
        "record": log_record(line),
    });
    serde_json::to_vec(&event).unwrap_or_default()
}

/// A subscription's buffering, with Lambda's defaults for absent fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffering {
    /// Deliver when this many events are buffered.
    pub max_items: usize,
    /// Deliver when this many bytes are buffered.
    pub max_bytes: usize,
    /// Deliver this long after the first buffered event at the latest.
    pub timeout: std::time::Duration,
}

impl Default for Buffering {
    fn default() -> Self {
        Self {
            max_items: DEFAULT_MAX_ITEMS,
            max_bytes: DEFAULT_MAX_BYTES,
            timeout: std::time::Duration::from_millis(DEFAULT_TIMEOUT_MS),
        }
    }
}

impl Buffering {
    /// Reads the `buffering` object of a subscription request; `Err` names the field out of
    /// Lambda's accepted range.
    pub fn from_request(buffering: Option<&Value>) -> Result<Self, String> {
        let mut result = Self::default();
        let Some(buffering) = buffering else {
            return Ok(result);
        };
        let field =
            |name: &str, range: &std::ops::RangeInclusive<u64>| -> Result<Option<u64>, String> {
                match buffering.get(name) {
                    None | Some(Value::Null) => Ok(None),
                    Some(value) => match value.as_u64() {
                        Some(number) if range.contains(&number) => Ok(Some(number)),
                        _ => Err(format!(
                            "buffering.{name} must be an integer in {}..={}, got {value}",
                            range.start(),
                            range.end()
                        )),
                    },
                }
            };
        if let Some(items) = field("maxItems", &MAX_ITEMS_RANGE)? {
            result.max_items = usize::try_from(items).unwrap_or(usize::MAX);
        }
        if let Some(bytes) = field("maxBytes", &MAX_BYTES_RANGE)? {
            result.max_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
        }
        if let Some(timeout) = field("timeoutMs", &TIMEOUT_MS_RANGE)? {
            result.timeout = std::time::Duration::from_millis(timeout);
        }
        Ok(result)
    }
}

/// Buffers serialized events and says when a batch is due. Time is passed in, so the rule is
/// testable without a clock.
#[derive(Debug)]
pub struct Batcher<T> {
    buffering: Buffering,
    events: Vec<T>,
    bytes: usize,
    first_at: Option<Instant>,
}

impl<T: AsRef<[u8]>> Batcher<T> {
    /// An empty batcher with these limits.
    pub fn new(buffering: Buffering) -> Self {
        Self {
            buffering,
            events: Vec::new(),
            bytes: 0,
            first_at: None,
        }
    }

    /// Adds an event; returns whether the batch is now full (items or bytes).
    pub fn push(&mut self, event: T, now: Instant) -> bool {
        self.bytes += event.as_ref().len();
        self.events.push(event);
        self.first_at.get_or_insert(now);
        self.events.len() >= self.buffering.max_items || self.bytes >= self.buffering.max_bytes
    }

    /// When the buffered batch must go out at the latest, if anything is buffered.
    pub fn deadline(&self) -> Option<Instant> {
        self.first_at.map(|first| first + self.buffering.timeout)
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Takes the buffered events as one JSON array body, leaving the batcher empty.
    pub fn take_body(&mut self) -> (usize, Vec<u8>) {
        let mut body = Vec::with_capacity(self.bytes + self.events.len() + 2);
        body.push(b'[');
        for (index, event) in self.events.iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            body.extend_from_slice(event.as_ref());
        }
        body.push(b']');
        let count = self.events.len();
        self.events.clear();
        self.bytes = 0;
        self.first_at = None;
        (count, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn text_lines_are_string_records_and_json_object_lines_are_objects() {
        assert_eq!(log_record("hello"), Value::String("hello".into()));
        assert_eq!(log_record("[1,2]"), Value::String("[1,2]".into()));
        assert_eq!(log_record("{broken"), Value::String("{broken".into()));
        assert_eq!(
            log_record(r#"{"level":"INFO","message":"m"}"#),
            serde_json::json!({"level":"INFO","message":"m"})
        );
    }

    #[test]
    fn log_event_has_lambda_shape_and_millisecond_time() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let event: Value = serde_json::from_slice(&log_event(LogType::Function, at, "x")).unwrap();
        assert_eq!(
            event,
            serde_json::json!({"time":"2023-11-14T22:13:20.123Z","type":"function","record":"x"})
        );
    }

    #[test]
    fn buffering_defaults_and_ranges() {
        assert_eq!(Buffering::from_request(None).unwrap(), Buffering::default());
        let parsed = Buffering::from_request(Some(
            &serde_json::json!({"maxItems":2000,"maxBytes":262144,"timeoutMs":25}),
        ))
        .unwrap();
        assert_eq!(parsed.max_items, 2000);
        assert_eq!(parsed.timeout, Duration::from_millis(25));
        let error =
            Buffering::from_request(Some(&serde_json::json!({"timeoutMs":10}))).unwrap_err();
        assert!(error.contains("timeoutMs"), "{error}");
        assert!(Buffering::from_request(Some(&serde_json::json!({"maxItems":999}))).is_err());
    }

    #[test]
    fn batch_is_full_by_items_or_bytes_and_has_a_deadline() {
        let now = tokio::time::Instant::now();
        let mut batcher = Batcher::new(Buffering {
            max_items: 2,
            max_bytes: 10,
            timeout: Duration::from_millis(100),
        });
        assert!(batcher.deadline().is_none());
        assert!(!batcher.push(b"\"a\"".to_vec(), now));
        assert_eq!(batcher.deadline(), Some(now + Duration::from_millis(100)));
        assert!(batcher.push(b"\"b\"".to_vec(), now + Duration::from_millis(5)));
        assert_eq!(batcher.take_body(), (2, b"[\"a\",\"b\"]".to_vec()));
        assert!(batcher.is_empty() && batcher.deadline().is_none());
        assert!(batcher.push(b"\"0123456789\"".to_vec(), now), "bytes limit");
    }
}
