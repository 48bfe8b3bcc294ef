//! Long idle gaps: a provisioned-concurrency environment frozen from INIT to its first
//! invocation and between invocations, an on-demand one frozen while idle before its first.
//! Proven as in `freeze`: every thread stopped and a background ticker that did not move
//! across the gap; after it, the extension waits for its ticker before ending the invocation.

use crate::support::{stopped, thread_states, ticking, ticks, wait_for};
use sandbox::{ExecutionModel, Sandbox, SandboxConfig};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// A long gap for a test; Lambda's run minutes to hours.
const GAP: Duration = Duration::from_secs(2);

fn config(dir: &Path, model: ExecutionModel) -> SandboxConfig {
    ticking(dir).with_execution_model(model)
}

/// Idles for `gap`, asserting the extension `pid` stayed stopped and its ticker still.
async fn assert_frozen_across(sandbox: &mut Sandbox, pid: u32, ticks_file: &Path, gap: Duration) {
    assert!(sandbox.is_frozen());
    wait_for("every thread of the extension stopped", || stopped(pid)).await;
    let before = ticks(ticks_file);
    sandbox.idle(gap).await;
    assert!(sandbox.is_frozen());
    assert!(stopped(pid), "thawed in the gap: {:?}", thread_states(pid));
    assert_eq!(ticks(ticks_file), before, "the ticker ran while frozen");
}

#[tokio::test]
async fn provisioned_concurrency_stays_frozen_across_long_gaps_and_invokes_after_them() {
    let dir = tempfile::tempdir().unwrap();
    let ticks_file = dir.path().join("ticks");
    let mut sandbox = Sandbox::start(config(dir.path(), ExecutionModel::ProvisionedConcurrency))
        .await
        .unwrap();
    let pid = sandbox.init_report().extensions[0].pid.unwrap();
    // Frozen as INIT ended, before the first invocation.
    assert_frozen_across(&mut sandbox, pid, &ticks_file, GAP).await;
    let frozen_at = ticks(&ticks_file);
    sandbox.invoke(json!({})).await.unwrap();
    assert!(ticks(&ticks_file) > frozen_at, "no tick after the thaw");

    assert_frozen_across(&mut sandbox, pid, &ticks_file, GAP).await;
    let frozen_at = ticks(&ticks_file);
    sandbox.invoke(json!({})).await.unwrap();
    assert!(ticks(&ticks_file) > frozen_at, "no tick after the thaw");
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");
}

#[tokio::test]
async fn an_idle_on_demand_environment_is_frozen_until_its_first_invocation() {
    let dir = tempfile::tempdir().unwrap();
    let ticks_file = dir.path().join("ticks");
    let mut sandbox = Sandbox::start(config(dir.path(), ExecutionModel::OnDemand))
        .await
        .unwrap();
    let pid = sandbox.init_report().extensions[0].pid.unwrap();
    assert!(!sandbox.is_frozen(), "on-demand runs on after INIT");
    sandbox.idle(Duration::from_millis(100)).await;
    assert_frozen_across(&mut sandbox, pid, &ticks_file, Duration::from_millis(100)).await;
    sandbox.invoke(json!({})).await.unwrap();
    assert!(sandbox.shutdown().await.unwrap().deadline_met);
}
