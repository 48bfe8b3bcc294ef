//! Freezing between invocations stalls everything in the extension, background threads too.

use crate::support::{EXTENSION, extension_layer, scripted};
use sandbox::{Sandbox, SandboxConfig, Script};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

fn ticks(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .matches('\n')
        .count()
}

async fn wait_for_ticks(path: &Path, above: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while ticks(path) <= above {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no tick after {above} within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn config(dir: &Path, freeze: bool) -> SandboxConfig {
    let script = Script {
        duration: Duration::from_millis(100),
        ..Script::default()
    };
    SandboxConfig::new(extension_layer(dir, &[EXTENSION]), scripted(script))
        .env(
            "TEST_EXTENSION_TICKS_FILE",
            dir.join("ticks").display().to_string(),
        )
        .with_freeze(freeze)
}

#[tokio::test]
async fn freeze_stalls_an_extension_background_thread_between_invocations() {
    let dir = tempfile::tempdir().unwrap();
    let ticks_file = dir.path().join("ticks");
    let mut sandbox = Sandbox::start(config(dir.path(), true)).await.unwrap();
    wait_for_ticks(&ticks_file, 0).await;

    sandbox.invoke(json!({})).await.unwrap();
    assert!(sandbox.is_frozen());
    let frozen_at = ticks(&ticks_file);
    // The observation window: a running thread ticks every 10 ms.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        ticks(&ticks_file),
        frozen_at,
        "the thread ticked while frozen"
    );

    // The next invocation thaws it; the 100 ms function gives it time to tick.
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
    sandbox.invoke(json!({})).await.unwrap();
    assert!(!sandbox.is_frozen());
    let after_invoke = ticks(&ticks_file);
    wait_for_ticks(&ticks_file, after_invoke + 5).await;
    sandbox.shutdown().await.unwrap();
}
