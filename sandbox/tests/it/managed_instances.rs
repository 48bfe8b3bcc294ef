//! Lambda Managed Instances: registration for INVOKE refused as Lambda refuses it, an
//! environment that never freezes, and concurrent invocations whose telemetry interleaves in
//! the subscriber's stream.

use crate::support::{
    EXTENSION, extension_layer, of_type, only, python_function, read_events, scripted, stopped,
    thread_states,
};
use sandbox::{ExecutionModel, InvokeStatus, LineFormat, Sandbox, SandboxConfig, Script};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

fn managed(concurrency: u32) -> ExecutionModel {
    ExecutionModel::ManagedInstances {
        max_concurrency: NonZeroU32::new(concurrency).unwrap(),
    }
}

fn config(dir: &Path, concurrency: u32, script: Script) -> SandboxConfig {
    SandboxConfig::new(extension_layer(dir, &[EXTENSION]), scripted(script))
        .env(
            "TEST_EXTENSION_EVENTS_FILE",
            dir.join("events.jsonl").display().to_string(),
        )
        .env("TEST_EXTENSION_SCHEMA", "2025-01-29")
        .with_execution_model(managed(concurrency))
}

#[tokio::test]
async fn an_invoke_registration_is_refused_and_a_shutdown_only_one_gets_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    // The extension asks for INVOKE and SHUTDOWN, then for SHUTDOWN alone once refused.
    let mut sandbox = Sandbox::start(config(dir.path(), 2, Script::default()))
        .await
        .unwrap();
    let pid = sandbox.init_report().extensions[0].pid.unwrap();
    let invoke = sandbox.invoke(json!({})).await.unwrap();
    assert_eq!(invoke.status, InvokeStatus::Success);
    assert!(invoke.extensions.is_empty(), "{invoke:#?}");
    // Never frozen, not even while idle.
    sandbox.idle(Duration::from_millis(50)).await;
    assert!(!sandbox.is_frozen());
    assert!(!stopped(pid), "{:?}", thread_states(pid));
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");

    let stdout = &report.process(EXTENSION).unwrap().output.stdout;
    let refused = stdout
        .iter()
        .find_map(|line| line.strip_prefix("register refused 403 "))
        .unwrap_or_else(|| panic!("{stdout:?}"));
    assert_eq!(
        serde_json::from_str::<Value>(refused).unwrap(),
        json!({"errorType": "Extension.InvalidEventType",
               "errorMessage": "INVOKE: ErrorInvalidEventType"})
    );
    assert!(
        !stdout.iter().any(|line| line.starts_with("invoke ")),
        "{stdout:?}"
    );
    assert_eq!(stdout.last().unwrap(), "shutdown spindown");
}

/// Each invocation's function records (record, position), by the request ID they name.
fn lines_by_invocation(events: &[Value]) -> BTreeMap<String, Vec<(Value, usize)>> {
    let mut lines: BTreeMap<String, Vec<(Value, usize)>> = BTreeMap::new();
    for (position, event) in events.iter().enumerate() {
        if event["type"] == "function" {
            let request_id = event["record"]["requestId"].as_str().unwrap_or_default();
            lines
                .entry(request_id.to_owned())
                .or_default()
                .push((event["record"].clone(), position));
        }
    }
    lines
}

#[tokio::test]
async fn concurrent_invocations_telemetry_interleaves_complete_and_in_order() {
    const INVOCATIONS: usize = 8;
    const LINES: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let script = Script {
        lines_per_invoke: LINES,
        line_bytes: 120,
        format: LineFormat::Json,
        duration: Duration::from_millis(100),
    };
    let mut sandbox = Sandbox::start(config(dir.path(), 8, script)).await.unwrap();
    let reports = sandbox
        .invoke_concurrently(vec![json!({}); INVOCATIONS])
        .await
        .unwrap();
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");
    assert_eq!(report.delivery[EXTENSION].failed_batches, 0);

    let events = read_events(&dir.path().join("events.jsonl"));
    assert!(
        of_type(&events, "platform.runtimeDone").is_empty(),
        "{events:#?}"
    );
    let lines = lines_by_invocation(&events);
    assert_eq!(lines.len(), INVOCATIONS, "{:?}", lines.keys());
    for invoke in &reports {
        assert_eq!(invoke.status, InvokeStatus::Success, "{invoke:#?}");
        assert_eq!(invoke.payload, Some(json!({"lines": LINES})));
        let id = invoke.request_id.as_str();
        let start = only(&events, "platform.start", id);
        let end = only(&events, "platform.report", id);
        let metrics = &events[end]["record"]["metrics"];
        assert_eq!(
            metrics.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["durationMs"]
        );
        assert_eq!(events[end]["record"]["status"], "success");
        let own = &lines[id];
        assert_eq!(own.len(), LINES, "{id}");
        // Complete and in order: line i of this invocation is the i-th.
        let first = own[0].0["message"].as_str().unwrap();
        let invoke_number = first.split(' ').nth(1).unwrap();
        for (index, (record, position)) in own.iter().enumerate() {
            let expected = format!("invoke {invoke_number} line {index} ");
            assert!(
                record["message"].as_str().unwrap().starts_with(&expected),
                "{record}"
            );
            assert!(start < *position, "{id}: start {start}, line {position}");
        }
    }
    // Interleaved: consecutive function lines change invocation far more often than eight
    // blocks one after another would (7 times).
    let order: Vec<&str> = events
        .iter()
        .filter(|event| event["type"] == "function")
        .map(|event| event["record"]["requestId"].as_str().unwrap())
        .collect();
    let switches = order.windows(2).filter(|pair| pair[0] != pair[1]).count();
    assert!(
        switches >= 2 * INVOCATIONS,
        "{switches} switches: {order:?}"
    );
}

#[tokio::test]
async fn concurrent_text_lines_name_no_invocation_and_too_many_invocations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let script = Script {
        lines_per_invoke: 5,
        line_bytes: 40,
        format: LineFormat::Text,
        duration: Duration::from_millis(20),
    };
    let mut sandbox = Sandbox::start(config(dir.path(), 4, script)).await.unwrap();
    let refused = sandbox
        .invoke_concurrently(vec![json!({}); 5])
        .await
        .unwrap_err();
    assert!(
        matches!(refused, sandbox::SandboxError::Unsupported { .. }),
        "{refused:?}"
    );
    let reports = sandbox
        .invoke_concurrently(vec![json!({}); 4])
        .await
        .unwrap();
    assert_eq!(reports.len(), 4);
    sandbox.shutdown().await.unwrap();

    let events = read_events(&dir.path().join("events.jsonl"));
    let records: Vec<&Value> = of_type(&events, "function")
        .into_iter()
        .map(|event| &event["record"])
        .collect();
    assert_eq!(records.len(), 20);
    for record in records {
        let line = record.as_str().unwrap();
        assert!(
            line.starts_with("invoke ")
                && !reports
                    .iter()
                    .any(|report| line.contains(&report.request_id)),
            "{line}"
        );
    }
    for report in &reports {
        only(&events, "platform.report", &report.request_id);
    }
}

#[tokio::test]
async fn awslambdaric_runs_concurrent_invocations_in_its_own_workers() {
    const INVOCATIONS: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let barrier = dir.path().join("barrier");
    std::fs::create_dir(&barrier).unwrap();
    let config = SandboxConfig::new(extension_layer(dir.path(), &[EXTENSION]), python_function())
        .env(
            "TEST_EXTENSION_EVENTS_FILE",
            dir.path().join("events.jsonl").display().to_string(),
        )
        .env("TEST_EXTENSION_SCHEMA", "2025-01-29")
        .with_execution_model(managed(3));
    let mut sandbox = Sandbox::start(config).await.unwrap();
    // Each invocation waits in the handler until all three are there: only workers running
    // at once get past it.
    let payload = json!({
        "barrier": {"dir": barrier.display().to_string(), "count": INVOCATIONS},
        "json_lines": 2,
    });
    let reports = sandbox
        .invoke_concurrently(vec![payload; INVOCATIONS])
        .await
        .unwrap();
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");
    let runtime = report.process(sandbox::RUNTIME_NAME).unwrap();
    assert!(!runtime.killed, "{runtime:#?}");

    let mut pids: Vec<u64> = reports
        .iter()
        .map(|invoke| {
            let payload = invoke.payload.as_ref().unwrap();
            assert_eq!(payload["met"], true, "{invoke:#?}");
            payload["pid"].as_u64().unwrap()
        })
        .collect();
    pids.sort_unstable();
    pids.dedup();
    assert_eq!(pids.len(), INVOCATIONS, "one worker each: {pids:?}");
    let events = read_events(&dir.path().join("events.jsonl"));
    assert_eq!(of_type(&events, "function").len(), 2 * INVOCATIONS);
    for invoke in &reports {
        only(&events, "platform.start", &invoke.request_id);
        only(&events, "platform.report", &invoke.request_id);
    }
}
