//! Freezing between invocations stalls everything in the extension, background threads too.
//! Proven by conditions, not time windows: the kernel's state of every thread (`T`, stopped)
//! and a counter that did not move while they were stopped; after the thaw, the extension
//! itself waits for its thread to tick before ending the invocation.

use crate::support::{stopped, thread_states, ticking, ticks, wait_for};
use sandbox::{Sandbox, SandboxConfig};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

fn config(dir: &Path, freeze: bool) -> SandboxConfig {
    ticking(dir).with_freeze(freeze)
}

#[tokio::test]
async fn freeze_stalls_an_extension_background_thread_between_invocations() {
    let dir = tempfile::tempdir().unwrap();
    let ticks_file = dir.path().join("ticks");
    let mut sandbox = Sandbox::start(config(dir.path(), true)).await.unwrap();
    let pid = sandbox.init_report().extensions[0].pid.unwrap();
    wait_for("a first tick", || ticks(&ticks_file) > 0).await;

    sandbox.invoke(json!({})).await.unwrap();
    assert!(sandbox.is_frozen());
    // The simulator counts the environment frozen once it sent SIGSTOP; the kernel stops
    // the threads a moment later.
    wait_for("every thread of the extension stopped", || stopped(pid)).await;
    let frozen_at = ticks(&ticks_file);
    // A running thread ticks every 10 ms; the pause only gives it the chance to. Both reads
    // are bracketed by the stopped state, so a slow machine can weaken this check but never
    // fail it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let still = ticks(&ticks_file);
    assert!(
        stopped(pid),
        "thawed between invocations: {:?}",
        thread_states(pid)
    );
    assert_eq!(still, frozen_at, "the thread ticked while frozen");

    // The next invocation thaws it: the extension ends the invocation only once its thread
    // ticked again (or 10 s passed, and this fails).
    sandbox.invoke(json!({})).await.unwrap();
    assert!(ticks(&ticks_file) > frozen_at);
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met);
}

#[tokio::test]
async fn without_freeze_the_background_thread_keeps_running_between_invocations() {
    let dir = tempfile::tempdir().unwrap();
    let ticks_file = dir.path().join("ticks");
    let mut sandbox = Sandbox::start(config(dir.path(), false)).await.unwrap();
    let pid = sandbox.init_report().extensions[0].pid.unwrap();
    sandbox.invoke(json!({})).await.unwrap();
    assert!(!sandbox.is_frozen());
    let after_invoke = ticks(&ticks_file);
    wait_for("five more ticks after the invocation", || {
        ticks(&ticks_file) > after_invoke + 5
    })
    .await;
    assert!(!stopped(pid), "{:?}", thread_states(pid));
    sandbox.shutdown().await.unwrap();
}
