//! Telemetry API events of typical shapes and sizes, and Telemetry API batch bodies cut
//! the way Lambda cuts them (at most `maxItems` events and about `maxBytes` bytes).

use bytes::Bytes;
use serde_json::json;
use std::fmt;

/// Lambda's default Telemetry API `maxItems`.
pub const LAMBDA_MAX_ITEMS: usize = 1000;
/// Lambda's default Telemetry API `maxBytes`.
pub const LAMBDA_MAX_BYTES: usize = 262_144;
/// The request ID every generated event belongs to.
pub const REQUEST_ID: &str = "8f5b7c2e-1a2b-4c3d-9e8f-0a1b2c3d4e5f";

/// An event shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A `platform.report` with metrics, tracing and spans (about 600 bytes).
    PlatformReport,
    /// A `function` text log line of 200 bytes.
    LogLine200,
    /// A `function` text log line of 4 KiB.
    LogLine4k,
}

impl EventKind {
    /// Every kind, in table order.
    pub const ALL: [Self; 3] = [Self::PlatformReport, Self::LogLine200, Self::LogLine4k];

    /// Event `index` of this kind, stamped with `time` (RFC 3339).
    pub fn event(self, index: usize, time: &str) -> String {
        match self {
            Self::PlatformReport => json!({
                "time": time,
                "type": "platform.report",
                "record": {
                    "requestId": REQUEST_ID,
                    "metrics": {
                        "durationMs": 12.34,
                        "billedDurationMs": 13,
                        "memorySizeMB": 128,
                        "maxMemoryUsedMB": 71,
                        "initDurationMs": 187.21
                    },
                    "status": "success",
                    "tracing": {
                        "spanId": "54565fb41ac79632",
                        "type": "X-Amzn-Trace-Id",
                        "value": format!("Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1;Index={index}")
                    },
                    "spans": [
                        {"name": "responseLatency", "start": time, "durationMs": 11.93},
                        {"name": "responseDuration", "start": time, "durationMs": 0.09},
                        {"name": "runtimeOverhead", "start": time, "durationMs": 0.42}
                    ]
                }
            })
            .to_string(),
            Self::LogLine200 => log_event(index, 200, time),
            Self::LogLine4k => log_event(index, 4096, time),
        }
    }

    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::PlatformReport => "platform.report",
            Self::LogLine200 => "200-byte log line",
            Self::LogLine4k => "4 KiB log line",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.label())
    }
}

/// A `function` event whose string record is `bytes` long: `line N ` padded with `x`.
pub fn log_event(index: usize, bytes: usize, time: &str) -> String {
    let mut line = format!("line {index} ");
    if line.len() < bytes {
        line.extend(std::iter::repeat_n('x', bytes - line.len()));
    }
    json!({"time": time, "type": "function", "record": line}).to_string()
}

/// Joins event JSON texts into one batch body (a JSON array).
pub fn batch_body(events: &[String]) -> Bytes {
    let mut body =
        String::with_capacity(events.iter().map(|event| event.len() + 1).sum::<usize>() + 2);
    body.push('[');
    for (position, event) in events.iter().enumerate() {
        if position > 0 {
            body.push(',');
        }
        body.push_str(event);
    }
    body.push(']');
    Bytes::from(body)
}

/// `events` cut into batch bodies of at most `max_items` events and `max_bytes` bytes of
/// events (a single larger event gets a batch of its own).
pub fn batches(events: &[String], max_items: usize, max_bytes: usize) -> Vec<Bytes> {
    let mut bodies = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (index, event) in events.iter().enumerate() {
        let full = index - start == max_items || (index > start && bytes + event.len() > max_bytes);
        if full {
            bodies.push(batch_body(&events[start..index]));
            start = index;
            bytes = 0;
        }
        bytes += event.len();
    }
    if start < events.len() {
        bodies.push(batch_body(&events[start..]));
    }
    bodies
}

/// `count` events of `kind` in Lambda-sized batches, stamped with `time`.
pub fn lambda_batches(kind: EventKind, count: usize, time: &str) -> Vec<Bytes> {
    let events: Vec<String> = (0..count).map(|index| kind.event(index, time)).collect();
    batches(&events, LAMBDA_MAX_ITEMS, LAMBDA_MAX_BYTES)
}

/// Now, as Lambda writes event times.
pub fn now_rfc3339() -> String {
    sandbox::format_time(time::OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn events_have_their_sizes_and_parse() {
        let time = "2025-01-01T00:00:00.000Z";
        for kind in EventKind::ALL {
            let event: serde_json::Value = serde_json::from_str(&kind.event(3, time)).unwrap();
            assert_eq!(event["time"], time);
        }
        let line: serde_json::Value = serde_json::from_str(&log_event(1, 200, time)).unwrap();
        assert_eq!(line["record"].as_str().unwrap().len(), 200);
        let report = EventKind::PlatformReport.event(0, time);
        assert!((500..900).contains(&report.len()), "{}", report.len());
    }

    #[test]
    fn batches_respect_items_and_bytes() {
        let events: Vec<String> = (0..2500).map(|index| format!("\"{index:07}\"")).collect();
        let bodies = batches(&events, 1000, 1_000_000);
        assert_eq!(bodies.len(), 3);
        let parsed: Vec<Vec<serde_json::Value>> = bodies
            .iter()
            .map(|body| serde_json::from_slice(body).unwrap())
            .collect();
        assert_eq!(
            parsed.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![1000, 1000, 500]
        );

        let bodies = batches(&events[..10], 1000, 25);
        assert_eq!(bodies.len(), 5, "two 9-byte events per 25 bytes");
        let big = vec!["x".repeat(100), "y".repeat(10)];
        assert_eq!(batches(&big, 1000, 50).len(), 2);
        assert!(batches(&[], 10, 10).is_empty());
    }

    #[test]
    fn lambda_batches_of_4k_lines_stay_under_max_bytes() {
        let bodies = lambda_batches(EventKind::LogLine4k, 1000, "t");
        assert!(bodies.len() >= 16);
        assert!(
            bodies
                .iter()
                .all(|body| body.len() <= LAMBDA_MAX_BYTES + 1000)
        );
    }
}
