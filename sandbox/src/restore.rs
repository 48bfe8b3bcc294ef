//! SnapStart's Restore phase, which the simulator lacks: the environment frozen after INIT
//! (the snapshot) is thawed, and every subscriber of platform events gets
//! `platform.restoreStart`, `platform.restoreRuntimeDone` and `platform.restoreReport`, after
//! INIT's events. Extensions get no lifecycle event: their pending `next` returns the next
//! INVOKE. Lambda restores a new environment from the snapshot; here the same processes go on.

use crate::config::{Function, SandboxConfig};
use crate::freeze::IdleFreeze;
use crate::init::ExecutionEnvironment;
use crate::model_events::{RestoredFunction, restore_events};
use crate::platform::{LastPlatformEvent, PlatformEvent, RELAY_TIMEOUT};
use crate::report::RestoreReport;
use crate::simulator::SNAPSTART_VERSION;
use time::OffsetDateTime;
use tokio::time::Instant;

/// Runs the Restore phase of the environment `freeze` holds frozen since INIT.
pub(crate) async fn run(
    environment: &ExecutionEnvironment,
    config: &SandboxConfig,
    freeze: &mut IdleFreeze,
) -> RestoreReport {
    let hub = &environment.hub;
    if !hub
        .wait_until_routed(&[LastPlatformEvent::InitReport], RELAY_TIMEOUT)
        .await
    {
        tracing::warn!("the simulator did not relay platform.initReport before the restore");
    }
    let started = Instant::now();
    freeze.thaw(&environment.processes);
    let duration = started.elapsed();
    let events = restore_events(&function(config), duration, OffsetDateTime::now_utc());
    for event in events.iter().filter_map(PlatformEvent::from_value) {
        hub.publish_own_platform(&event);
    }
    RestoreReport { duration }
}

/// What `platform.restoreStart` names: the function, its published version, its runtime.
fn function(config: &SandboxConfig) -> RestoredFunction {
    RestoredFunction {
        function_name: config.function_name.clone(),
        function_version: SNAPSTART_VERSION.to_owned(),
        runtime_version: match config.function {
            Function::Python { .. } => "python:sandbox",
            Function::Scripted(_) => "provided:sandbox",
        }
        .to_owned(),
        memory_mb: config.memory_mb,
    }
}
