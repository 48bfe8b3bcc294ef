//! SHUTDOWN: the budget, and the kill after it.

use crate::support::{EXTENSION, extension_layer, scripted};
use sandbox::{SHUTDOWN_BUDGET, Sandbox, SandboxConfig, Script};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn an_extension_that_ignores_shutdown_is_killed_after_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig::new(
        extension_layer(dir.path(), &[EXTENSION]),
        scripted(Script::default()),
    )
    .env("TEST_EXTENSION_MODE", "ignore-shutdown");
    let mut sandbox = Sandbox::start(config).await.unwrap();
    sandbox.invoke(json!({})).await.unwrap();
    let report = sandbox.shutdown().await.unwrap();

    assert!(!report.deadline_met);
    let extension = report.process(EXTENSION).unwrap();
    assert!(extension.killed);
    assert_eq!(
        extension.exit.as_ref().unwrap().signal,
        Some(9),
        "{extension:#?}"
    );
    // Killed no earlier than the budget; the upper bound is generous on purpose (it only
    // tells a kill at the budget from one left to a later timeout), not a latency figure.
    let took = extension.shutdown_duration.unwrap();
    assert!(
        took >= SHUTDOWN_BUDGET && took < SHUTDOWN_BUDGET + Duration::from_secs(4),
        "{took:?}"
    );
    assert!(
        extension
            .output
            .stdout
            .contains(&"shutdown spindown".to_owned())
    );
}

#[tokio::test]
async fn a_well_behaved_extension_exits_within_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig::new(
        extension_layer(dir.path(), &[EXTENSION]),
        scripted(Script::default()),
    );
    let sandbox = Sandbox::start(config).await.unwrap();
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met);
    let extension = report.process(EXTENSION).unwrap();
    assert!(!extension.killed && extension.exit.as_ref().unwrap().success());
    assert!(extension.shutdown_duration.unwrap() < SHUTDOWN_BUDGET);
    assert!(report.duration < SHUTDOWN_BUDGET);
}
