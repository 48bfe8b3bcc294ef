//! The Telemetry API events the simulator lacks: `function` and `extension` events built
//! from output lines, in Lambda's shape. Pure code.

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;

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
    record_event(log_type, at, &log_record(line))
}

/// The event of a record [`log_record`] made, serialized.
pub(crate) fn record_event(log_type: LogType, at: OffsetDateTime, record: &Value) -> Vec<u8> {
    let event = serde_json::json!({
        "time": format_time(at),
        "type": log_type.as_str(),
        "record": record,
    });
    serde_json::to_vec(&event).unwrap_or_default()
}

/// The invocation an object record names (`requestId`, as Lambda's JSON log format writes
/// it), if it names one.
pub(crate) fn record_request_id(record: &Value) -> Option<&str> {
    record.get("requestId").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn only_object_records_name_their_invocation() {
        let json = log_record(r#"{"level":"INFO","requestId":"r1","message":"m"}"#);
        assert_eq!(record_request_id(&json), Some("r1"));
        assert_eq!(record_request_id(&log_record("requestId r1")), None);
        assert_eq!(record_request_id(&log_record(r#"{"requestId":1}"#)), None);
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
}
