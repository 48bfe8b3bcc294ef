//! The first invocation of fresh environments, with a Kinesis that costs what a real
//! endpoint costs: connection set-up (TCP and TLS) and latency on every call. The
//! extension opens its connection after its first `next`, during the runtime's INIT; the
//! first invocation is a rare one, which the default (`adaptive`) flushes before `next`.
//! Measured: the cold start (spawn to first `next`), and the first invocation's INVOKE to
//! the extension's next `next`, with the default subscription (the flush waits for the
//! invocation's `platform.runtimeDone`, which Lambda delivers when the buffering timeout
//! expires) and with `function` events only (no such wait: the extension's own part);
//! with the built-in scripted function, whose INIT is instant (the connection is still
//! being opened when the first INVOKE comes: the worst case), and with a Python function
//! (`examples/sample-function` on awslambdaric), whose INIT takes as long as a real
//! runtime's.

use crate::artifacts::ExtensionLayer;
use crate::error::BenchError;
use crate::harness::{self, Setup, StandIn};
use crate::stats::Summary;
use sandbox::{Function, LineFormat, Script};
use serde::Serialize;
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use test_support::fake_kinesis::Latency;

/// The stand-in's added latencies: TCP and TLS set-up, and per call.
pub const LATENCY: Latency = Latency {
    connect: Duration::from_millis(20),
    call: Duration::from_millis(5),
};
/// Lines the function writes in the first invocation.
const LINES: usize = 10;
/// Bytes per line.
const LINE_BYTES: usize = 200;
/// How long the function runs.
const FUNCTION_DURATION: Duration = Duration::from_millis(5);

/// The function of the environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// The sandbox's scripted function: INIT is instant.
    Scripted,
    /// `examples/sample-function` on the Python runtime interface client.
    Python,
}

impl Runtime {
    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Scripted => "scripted function, instant INIT",
            Self::Python => "Python function",
        }
    }
}

/// One subscription's figures, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct FirstInvocationFigures {
    /// The function.
    pub runtime: Runtime,
    /// `TELEMETRY_KINESIS_TYPES` (`None`: the default).
    pub types: Option<&'static str>,
    /// Spawn to the extension's first `next`.
    pub cold_start_ms: Summary,
    /// The first invocation's INVOKE to the extension's next `next` (the invocation's
    /// duration as Lambda counts it, the extension being last).
    pub invoke_to_next_ms: Summary,
    /// Of which after the runtime's response (`PostRuntimeExtensionsDuration`).
    pub post_runtime_ms: Summary,
    /// Events on the stream when the invocation ended (flushed before `next`), per
    /// environment.
    pub delivered_before_next: Summary,
}

/// Starts `environments` fresh environments with `types` and invokes each once.
pub async fn run(
    layer: &ExtensionLayer,
    environments: usize,
    runtime: Runtime,
    types: Option<&'static str>,
) -> Result<FirstInvocationFigures, BenchError> {
    let mut cold = Vec::new();
    let mut invoke = Vec::new();
    let mut post_runtime = Vec::new();
    let mut delivered = Vec::new();
    for _ in 0..environments {
        let mut setup = Setup::driven().stand_in(StandIn::Keeping(LATENCY));
        setup.freeze = true;
        setup.first_invoke = false;
        setup.script = Script {
            lines_per_invoke: LINES,
            line_bytes: LINE_BYTES,
            format: LineFormat::Text,
            duration: FUNCTION_DURATION,
        };
        if runtime == Runtime::Python {
            setup.function = Some(Function::Python {
                python: test_support::python(),
                code_dir: test_support::workspace_root().join("examples/sample-function"),
                handler: "index.handler".to_owned(),
            });
        }
        if let Some(types) = types {
            setup = setup.env(settings::TYPES, types);
        }
        let mut running = harness::start(layer, setup).await?;
        cold.extend(running.cold_starts_ms());
        let report = running.sandbox.invoke(serde_json::json!({})).await?;
        invoke.push(milliseconds(report.duration));
        post_runtime.push(milliseconds(report.post_runtime_extensions_duration));
        delivered.push(running.kinesis.counters().user_records_accepted as f64);
        running.sandbox.shutdown().await?;
    }
    let summary = |values: &[f64]| {
        Summary::of(values).ok_or_else(|| BenchError::Timeout("no environment started".into()))
    };
    Ok(FirstInvocationFigures {
        runtime,
        types,
        cold_start_ms: summary(&cold)?,
        invoke_to_next_ms: summary(&invoke)?,
        post_runtime_ms: summary(&post_runtime)?,
        delivered_before_next: summary(&delivered)?,
    })
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
