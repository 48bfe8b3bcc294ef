//! The order Lambda delivers telemetry in, per subscriber: for each invocation its
//! `platform.start`, then the function's lines, then its `platform.runtimeDone`; and the last
//! platform events before SHUTDOWN. The simulator relays its platform events with a batching
//! delay while output lines are captured at once, so this order is the sandbox's doing.

use crate::support::{
    EXTENSION, extension_layer, of_type, only, position_of, python_function, read_events, scripted,
};
use sandbox::{LineFormat, Sandbox, SandboxConfig, Script};
use serde_json::{Value, json};
use std::path::Path;

const SHUTDOWN_MARK: &str = "test-extension.shutdown";

fn config(dir: &Path, function: sandbox::Function) -> SandboxConfig {
    SandboxConfig::new(extension_layer(dir, &[EXTENSION]), function)
        .env(
            "TEST_EXTENSION_EVENTS_FILE",
            dir.join("events.jsonl").display().to_string(),
        )
        .env("TEST_EXTENSION_TYPES", "platform,function,extension")
}

/// Asserts `platform.start` < the invocation's function lines < `platform.runtimeDone`, and
/// `platform.start` < the extension's line about the invocation.
fn assert_invocation_order(
    events: &[Value],
    request_id: &str,
    lines: usize,
    is_line_of_invocation: impl Fn(&Value) -> bool,
) {
    let start = only(events, "platform.start", request_id);
    let done = only(events, "platform.runtimeDone", request_id);
    let line_positions: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, event)| event["type"] == "function" && is_line_of_invocation(&event["record"]))
        .map(|(index, _)| index)
        .collect();
    assert_eq!(line_positions.len(), lines, "{request_id}: {events:#?}");
    for position in line_positions {
        assert!(
            start < position && position < done,
            "{request_id}: start at {start}, line at {position}, runtimeDone at {done}: {events:#?}"
        );
    }
    let invoke_line = json!(format!("invoke {request_id}"));
    let extension_line = events
        .iter()
        .position(|event| event["type"] == "extension" && event["record"] == invoke_line)
        .unwrap_or_else(|| panic!("no extension line for {request_id}: {events:#?}"));
    assert!(
        start < extension_line,
        "{request_id}: start at {start}, extension line at {extension_line}"
    );
}

#[tokio::test]
async fn scripted_lines_come_between_their_invocations_start_and_runtime_done() {
    let dir = tempfile::tempdir().unwrap();
    let script = Script {
        lines_per_invoke: 20,
        line_bytes: 80,
        format: LineFormat::Text,
        ..Script::default()
    };
    let mut sandbox = Sandbox::start(config(dir.path(), scripted(script)))
        .await
        .unwrap();
    let mut request_ids = Vec::new();
    for _ in 0..5 {
        request_ids.push(sandbox.invoke(json!({})).await.unwrap().request_id);
    }
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");

    let events = read_events(&dir.path().join("events.jsonl"));
    for (index, request_id) in request_ids.iter().enumerate() {
        let prefix = format!("invoke {} line ", index + 1);
        assert_invocation_order(&events, request_id, 20, |record| {
            record
                .as_str()
                .is_some_and(|line| line.starts_with(&prefix))
        });
    }
}

#[tokio::test]
async fn awslambdaric_lines_come_between_their_invocations_start_and_runtime_done() {
    let dir = tempfile::tempdir().unwrap();
    let mut sandbox = Sandbox::start(config(dir.path(), python_function()))
        .await
        .unwrap();
    let mut request_ids = Vec::new();
    for _ in 0..3 {
        let invoke = sandbox
            .invoke(json!({"request_id_lines": 5}))
            .await
            .unwrap();
        request_ids.push(invoke.request_id);
    }
    sandbox.shutdown().await.unwrap();

    let events = read_events(&dir.path().join("events.jsonl"));
    for request_id in &request_ids {
        let prefix = format!("{request_id} line ");
        assert_invocation_order(&events, request_id, 5, |record| {
            record
                .as_str()
                .is_some_and(|line| line.starts_with(&prefix))
        });
    }
}

#[tokio::test]
async fn the_last_invocations_report_reaches_the_extension_before_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let mut sandbox = Sandbox::start(config(dir.path(), scripted(Script::default())))
        .await
        .unwrap();
    sandbox.invoke(json!({})).await.unwrap();
    let last = sandbox.invoke(json!({})).await.unwrap().request_id;
    sandbox.shutdown().await.unwrap();

    let events = read_events(&dir.path().join("events.jsonl"));
    let report = only(&events, "platform.report", &last);
    let shutdown = position_of(&events, SHUTDOWN_MARK);
    assert!(report < shutdown, "{events:#?}");
    assert_eq!(of_type(&events, SHUTDOWN_MARK).len(), 1);
}

#[tokio::test]
async fn without_invocations_the_init_report_reaches_the_extension_before_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(config(dir.path(), scripted(Script::default())))
        .await
        .unwrap();
    sandbox.shutdown().await.unwrap();

    let events = read_events(&dir.path().join("events.jsonl"));
    assert!(
        position_of(&events, "platform.initReport") < position_of(&events, SHUTDOWN_MARK),
        "{events:#?}"
    );
}
