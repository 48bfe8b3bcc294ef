//! SnapStart: frozen after INIT, then a Restore phase whose platform events reach the
//! subscriber in Lambda's order before the first invocation's, with no lifecycle event for
//! the extension, whose pending `next` just returns the INVOKE.

use crate::support::{
    EXTENSION, extension_layer, of_type, only, position_of, read_events, scripted, stopped,
    thread_states, wait_for,
};
use sandbox::{ExecutionModel, Sandbox, SandboxConfig, SandboxError, Script};
use serde_json::{Value, json};
use std::path::Path;

fn config(dir: &Path) -> SandboxConfig {
    SandboxConfig::new(
        extension_layer(dir, &[EXTENSION]),
        scripted(Script::default()),
    )
    .env(
        "TEST_EXTENSION_EVENTS_FILE",
        dir.join("events.jsonl").display().to_string(),
    )
    .with_execution_model(ExecutionModel::SnapStart)
}

/// Asserts INIT's report, then the three restore events in order, then `request_id`'s
/// start; returns the restore report's position.
fn assert_restore_before(events: &[Value], request_id: &str) -> usize {
    let init = position_of(events, "platform.initReport");
    let start = position_of(events, "platform.restoreStart");
    let done = position_of(events, "platform.restoreRuntimeDone");
    let report = position_of(events, "platform.restoreReport");
    let invocation = only(events, "platform.start", request_id);
    assert!(
        init < start && start < done && done < report && report < invocation,
        "{events:#?}"
    );
    assert_eq!(
        events[init]["record"]["initializationType"], "snap-start",
        "{events:#?}"
    );
    for restore_type in [
        "platform.restoreStart",
        "platform.restoreRuntimeDone",
        "platform.restoreReport",
    ] {
        assert_eq!(of_type(events, restore_type).len(), 1, "{restore_type}");
    }
    report
}

#[tokio::test]
async fn an_explicit_restore_reaches_the_subscriber_in_order_before_the_first_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let events_file = dir.path().join("events.jsonl");
    let mut sandbox = Sandbox::start(config(dir.path())).await.unwrap();
    let pid = sandbox.init_report().extensions[0].pid.unwrap();
    assert!(sandbox.is_frozen());
    wait_for("the extension stopped after INIT", || stopped(pid)).await;

    let restore = sandbox.restore().await.unwrap();
    assert!(!sandbox.is_frozen());
    assert!(!stopped(pid), "{:?}", thread_states(pid));
    wait_for("the restore report delivered", || {
        !of_type(&read_events(&events_file), "platform.restoreReport").is_empty()
    })
    .await;
    let again = sandbox.restore().await.unwrap_err();
    assert!(
        matches!(
            again,
            SandboxError::Unsupported {
                operation: "restore",
                ..
            }
        ),
        "{again:?}"
    );

    let first = sandbox.invoke(json!({})).await.unwrap();
    let second = sandbox.invoke(json!({})).await.unwrap();
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");

    let events = read_events(&events_file);
    let restore_report = assert_restore_before(&events, &first.request_id);
    let restored = &events[restore_report]["record"];
    assert_eq!(restored["status"], "success");
    let duration = restored["metrics"]["durationMs"].as_f64().unwrap();
    assert!(
        (duration - restore.duration.as_secs_f64() * 1000.0).abs() < 1e-6,
        "{restored}"
    );
    let restore_start = &events[position_of(&events, "platform.restoreStart")]["record"];
    assert_eq!(restore_start["functionName"], "sandbox-function");
    assert_eq!(restore_start["functionVersion"], "1");
    assert!(
        restore_start["runtimeVersion"].is_string(),
        "{restore_start}"
    );

    let metrics = |request_id: &str| {
        events[only(&events, "platform.report", request_id)]["record"]["metrics"].clone()
    };
    assert_eq!(metrics(&first.request_id)["restoreDurationMs"], duration);
    assert!(
        metrics(&second.request_id)
            .get("restoreDurationMs")
            .is_none()
    );
    // No lifecycle event for the restore: the extension's next returned the INVOKE.
    let stdout = &report.process(EXTENSION).unwrap().output.stdout;
    let lifecycle: Vec<&String> = stdout
        .iter()
        .filter(|line| line.starts_with("invoke ") || line.starts_with("shutdown "))
        .collect();
    assert_eq!(
        lifecycle,
        [
            &format!("invoke {}", first.request_id),
            &format!("invoke {}", second.request_id),
            &"shutdown spindown".to_owned()
        ]
    );
}

#[tokio::test]
async fn the_first_invocation_restores_an_environment_not_restored_yet() {
    let dir = tempfile::tempdir().unwrap();
    let mut sandbox = Sandbox::start(config(dir.path())).await.unwrap();
    let first = sandbox.invoke(json!({})).await.unwrap();
    let refused = sandbox.restore().await.unwrap_err();
    assert!(
        matches!(refused, SandboxError::Unsupported { .. }),
        "{refused:?}"
    );
    sandbox.shutdown().await.unwrap();
    let events = read_events(&dir.path().join("events.jsonl"));
    assert_restore_before(&events, &first.request_id);
}
