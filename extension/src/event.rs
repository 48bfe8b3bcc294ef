//! Telemetry API wire types (schemas 2022-12-13 and 2025-01-29). Events are kept whole:
//! `record` is passed through as the raw JSON Lambda sent, whatever its shape, and unknown
//! event types are kept like known ones. Events borrow from the batch body: nothing is
//! copied until the payload is written.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// One Telemetry API event, borrowed from the batch body, with its `record` untouched.
#[derive(Debug, Deserialize)]
pub struct TelemetryEvent<'a> {
    /// Event time as Lambda wrote it (RFC 3339).
    #[serde(borrow)]
    pub time: Cow<'a, str>,
    /// Event type, e.g. `platform.start`, `function`, or one this code does not know.
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// The record: a string for text logs, an object for platform events and JSON logs.
    #[serde(borrow)]
    pub record: &'a RawValue,
}

/// The part of a record this extension reads: the invocation it belongs to.
#[derive(Debug, Deserialize)]
struct RecordRequestId<'a> {
    #[serde(rename = "requestId", borrow)]
    request_id: Option<Cow<'a, str>>,
}

impl<'a> TelemetryEvent<'a> {
    /// The `requestId` of an object record (platform events, JSON logs), if any.
    pub fn request_id(&self) -> Option<Cow<'a, str>> {
        let text = self.record.get();
        // Most records are text lines: skip the parse unless the key can be there.
        if !text.starts_with('{') || !text.contains("\"requestId\"") {
            return None;
        }
        serde_json::from_str::<RecordRequestId<'a>>(text)
            .ok()
            .and_then(|record| record.request_id)
    }

    /// Whether this event ends an invocation's runtime phase.
    pub fn is_runtime_done(&self) -> bool {
        self.kind == "platform.runtimeDone"
    }
}

/// A parsed batch: its good events, and how many elements were not events.
#[derive(Debug, Default)]
pub struct Batch<'a> {
    /// Events in the order Lambda sent them.
    pub events: Vec<TelemetryEvent<'a>>,
    /// Array elements that were not `{time, type, record}` objects (or not UTF-8).
    pub invalid_events: usize,
}

/// Why a whole batch was unusable.
#[derive(Debug, thiserror::Error)]
#[error("telemetry batch is not a JSON array: {0}")]
pub struct BatchError(#[from] serde_json::Error);

/// Parses a batch: a JSON array of events. A malformed element, or one that is not valid
/// UTF-8, is counted and skipped so the good events around it are kept; a body that is not
/// an array is an error.
pub fn parse_batch(body: &[u8]) -> Result<Batch<'_>, BatchError> {
    // One pass for the usual, all-good batch.
    if let Ok(events) = serde_json::from_slice::<Vec<TelemetryEvent<'_>>>(body) {
        return Ok(Batch {
            events,
            invalid_events: 0,
        });
    }
    let elements: Vec<&RawValue> = match serde_json::from_slice(body) {
        Ok(elements) => elements,
        Err(error) => return split_elements(body).ok_or(BatchError(error)),
    };
    let mut batch = Batch {
        events: Vec::with_capacity(elements.len()),
        invalid_events: 0,
    };
    for element in elements {
        match serde_json::from_str::<TelemetryEvent<'_>>(element.get()) {
            Ok(event) => batch.events.push(event),
            Err(_) => batch.invalid_events += 1,
        }
    }
    Ok(batch)
}

/// The slow path for a body that is a well-formed array whose elements may hold invalid
/// UTF-8: elements are delimited on bytes, then each is checked on its own. `None` if the
/// body is not a complete array.
fn split_elements(body: &[u8]) -> Option<Batch<'_>> {
    let mut batch = Batch::default();
    for element in crate::array_split::elements(body)? {
        let event = std::str::from_utf8(element)
            .ok()
            .and_then(|text| serde_json::from_str::<TelemetryEvent<'_>>(text).ok());
        match event {
            Some(event) => batch.events.push(event),
            None => batch.invalid_events += 1,
        }
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Payloads captured from the Telemetry API (AWS documentation and Lambda runs).
    const CAPTURED: &[(&str, &str, Option<&str>)] = &[
        (
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"nodejs-14.v3","runtimeVersionArn":"arn","functionName":"f","functionVersion":"$LATEST"}}"#,
            "platform.initStart",
            None,
        ),
        (
            r#"{"time":"2022-10-12T00:01:15.000Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"$LATEST","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}}}"#,
            "platform.start",
            Some("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"),
        ),
        (
            r#"{"time":"2022-10-12T00:01:15.100Z","type":"function","record":"2022-10-12T00:01:15.100Z\t6d68ca91\tINFO\thello\n"}"#,
            "function",
            None,
        ),
        (
            r#"{"time":"2022-10-12T00:01:15.100Z","type":"function","record":{"timestamp":"2022-10-12T00:01:15.100Z","level":"INFO","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":{"nested":[1,2,3]}}}"#,
            "function",
            Some("79b4f56e-95b1-4643-9700-2807f4e68189"),
        ),
        (
            r#"{"time":"2022-10-12T00:01:16.000Z","type":"platform.runtimeDone","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"success","metrics":{"durationMs":140.0,"producedBytes":16},"spans":[{"name":"responseLatency","start":"2022-08-02T12:01:23.521Z","durationMs":23.02}]}}"#,
            "platform.runtimeDone",
            Some("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"),
        ),
        (
            r#"{"time":"2022-10-12T00:00:14.000Z","type":"platform.restoreStart","record":{"runtimeVersion":"java17.v5","runtimeVersionArn":"arn","functionName":"f","functionVersion":"3"}}"#,
            "platform.restoreStart",
            None,
        ),
        (
            r#"{"time":"2022-10-12T00:00:14.000Z","type":"platform.somethingNew","record":[1,"two",{"three":3}]}"#,
            "platform.somethingNew",
            None,
        ),
        (
            r#"{"time":"2022-10-12T00:00:14.000Z","type":"extension","record":"[ext] started"}"#,
            "extension",
            None,
        ),
    ];

    #[test]
    fn captured_payloads_parse_and_keep_records_verbatim() {
        for (json, kind, request_id) in CAPTURED {
            let body = format!("[{json}]");
            let batch = parse_batch(body.as_bytes()).unwrap();
            assert_eq!(batch.invalid_events, 0, "{json}");
            let event = &batch.events[0];
            assert_eq!(event.kind, *kind);
            assert_eq!(event.request_id().as_deref(), *request_id, "{json}");
            let original: serde_json::Value = serde_json::from_str(json).unwrap();
            assert!(json.contains(event.record.get()), "{json}");
            let record: serde_json::Value = serde_json::from_str(event.record.get()).unwrap();
            assert_eq!(record, original["record"]);
            assert_eq!(event.time, original["time"].as_str().unwrap());
        }
    }

    #[test]
    fn malformed_elements_are_counted_and_skipped() {
        let body = format!(
            "[{}, 42, {{\"type\":\"function\"}}, {}]",
            CAPTURED[1].0, CAPTURED[2].0
        );
        let batch = parse_batch(body.as_bytes()).unwrap();
        assert_eq!(batch.events.len(), 2);
        assert_eq!(batch.invalid_events, 2);
    }

    #[test]
    fn a_body_that_is_not_an_array_is_an_error() {
        for body in ["", "{}", "[{\"time\":", "not json", "[1,2"] {
            assert!(parse_batch(body.as_bytes()).is_err(), "{body}");
        }
        assert_eq!(parse_batch(b"[]").unwrap().events.len(), 0);
    }

    #[test]
    fn an_element_with_invalid_utf8_is_dropped_alone() {
        let mut body = format!("[{}, ", CAPTURED[2].0).into_bytes();
        body.extend_from_slice(
            b"{\"time\":\"t\",\"type\":\"function\",\"record\":\"bad \xff\xfe bytes\"}",
        );
        body.extend_from_slice(format!(", {}]", CAPTURED[1].0).as_bytes());
        let batch = parse_batch(&body).unwrap();
        assert_eq!(batch.events.len(), 2);
        assert_eq!(batch.invalid_events, 1);
        assert_eq!(batch.events[1].kind, "platform.start");
        let mut truncated = body.clone();
        truncated.truncate(body.len() - 3);
        assert!(parse_batch(&truncated).is_err());
    }

    #[test]
    fn runtime_done_is_recognised() {
        let body = format!("[{}]", CAPTURED[4].0);
        let batch = parse_batch(body.as_bytes()).unwrap();
        assert!(batch.events[0].is_runtime_done());
    }
}
