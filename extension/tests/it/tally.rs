//! Counting where every event went: sent to the extension, on the stream, spilled to its
//! standard output, or lost. Events are recognised by type and record, which the tests
//! make unique.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use test_support::fake_kinesis::FakeKinesis;

use crate::process::{Extension, payloads};

/// Where the events went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub sent: usize,
    pub on_stream: usize,
    /// Spilled and not on the stream.
    pub spilled: usize,
    pub lost: usize,
    /// Records on the stream beyond the first of each event id.
    pub duplicates: usize,
}

fn key(event: &Value) -> String {
    format!("{}|{}", event["type"], event["record"])
}

/// The tally of `sent` events against what the stand-in and the extension's output hold.
pub fn tally(sent: &[Value], kinesis: &FakeKinesis, extension: &Extension) -> Tally {
    let sent: HashSet<String> = sent.iter().map(key).collect();
    let stored = payloads(&kinesis.records());
    let mut ids: HashMap<String, usize> = HashMap::new();
    for payload in &stored {
        *ids.entry(payload["id"].to_string()).or_default() += 1;
    }
    let duplicates = ids.values().map(|count| count - 1).sum();
    let on_stream: HashSet<String> = stored.iter().map(key).collect();
    let spilled: HashSet<String> = extension
        .spilled()
        .iter()
        .map(|(_, payload)| key(payload))
        .collect();
    let on_stream_count = sent.intersection(&on_stream).count();
    let spilled_only = sent
        .iter()
        .filter(|event| !on_stream.contains(*event) && spilled.contains(*event))
        .count();
    Tally {
        sent: sent.len(),
        on_stream: on_stream_count,
        spilled: spilled_only,
        lost: sent.len() - on_stream_count - spilled_only,
        duplicates,
    }
}

/// One invocation's telemetry as Lambda delivers it: `platform.start`, `lines` function
/// lines, `platform.runtimeDone` and `platform.report` (`lines` + 3 events).
pub fn invocation(request_id: &str, lines: usize) -> Vec<Value> {
    let time = "2026-01-01T00:00:00.000Z";
    let mut events = vec![
        json!({"time": time, "type": "platform.start", "record": {"requestId": request_id, "version": "$LATEST"}}),
    ];
    events.extend((0..lines).map(|line| {
        json!({"time": time, "type": "function", "record": format!("{request_id} line {line} {}", "x".repeat(120))})
    }));
    events.push(json!({"time": time, "type": "platform.runtimeDone", "record": {"requestId": request_id, "status": "success"}}));
    events.push(json!({"time": time, "type": "platform.report", "record": {"requestId": request_id, "status": "success", "metrics": {"durationMs": 1.0}}}));
    events
}
