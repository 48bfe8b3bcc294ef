//! Cold start: the extension's init duration (process start to its first `next`), over
//! repeated sandbox starts.

use crate::artifacts::ExtensionLayer;
use crate::error::BenchError;
use crate::harness::{self, Setup};
use crate::stats::Summary;
use serde::Serialize;

/// Init durations, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct ColdStart {
    /// Spawn to the extension's first `next`.
    pub init_ms: Summary,
    /// Spawn to `register` answered.
    pub registered_ms: Summary,
}

/// Starts and shuts down the extension `starts` times.
pub async fn run(layer: &ExtensionLayer, starts: usize) -> Result<Option<ColdStart>, BenchError> {
    let mut init = Vec::with_capacity(starts);
    let mut registered = Vec::with_capacity(starts);
    for _ in 0..starts {
        let running = harness::start(layer, Setup::driven()).await?;
        for extension in &running.sandbox.init_report().extensions {
            init.push(extension.init_duration.as_secs_f64() * 1000.0);
            registered.push(extension.registered_after.as_secs_f64() * 1000.0);
        }
        running.sandbox.shutdown().await?;
    }
    Ok(Summary::of(&init)
        .zip(Summary::of(&registered))
        .map(|(init_ms, registered_ms)| ColdStart {
            init_ms,
            registered_ms,
        }))
}
