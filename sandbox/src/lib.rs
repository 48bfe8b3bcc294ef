//! Local Lambda runs for tests, benchmarks and `deployer invoke --local`, on the crates.io
//! `lambda-simulator`: a function (the real AWS Python runtime interface client, or a
//! built-in scripted function run in-process) with its layer's extensions, through INIT,
//! invocations with freeze between them, and SHUTDOWN with its budget and kill.
//!
//! What this crate adds to the simulator, thinly: spawning the layer's extensions with a
//! clean Lambda environment; `function` and `extension` Telemetry API events built from the
//! processes' output lines and delivered, with the platform events, in one stream per
//! subscriber in Lambda's order with the subscription's buffering; Lambda's SHUTDOWN budget
//! and SIGKILL;
//! measurements (init, post-runtime and shutdown durations, peak RSS) as report data.
//!
//! ```no_run
//! # async fn example() -> Result<(), sandbox::SandboxError> {
//! use sandbox::{Function, Layer, LineFormat, Sandbox, SandboxConfig, Script};
//! let config = SandboxConfig::new(
//!     Layer::Zip("layer.zip".into()),
//!     Function::Scripted(Script { lines_per_invoke: 10, line_bytes: 200, format: LineFormat::Json, ..Script::default() }),
//! )
//! .env("AWS_ENDPOINT_URL", "http://127.0.0.1:5000");
//! let mut sandbox = Sandbox::start(config).await?;
//! println!("cold start {:?}", sandbox.init_report().init_duration);
//! let invoke = sandbox.invoke(serde_json::json!({"hello": "world"})).await?;
//! println!("post-runtime {:?}", invoke.post_runtime_extensions_duration);
//! let report = sandbox.shutdown().await?;
//! assert!(report.deadline_met);
//! # Ok(())
//! # }
//! ```

mod batcher;
mod config;
mod delivery;
mod error;
mod http;
mod init_wait;
mod layer;
mod log_events;
mod ordering;
mod platform;
mod process;
mod proxy;
mod report;
mod sandbox;
mod scripted;
mod subscriber;
mod subscription;
mod timeline;

pub use config::{Function, INIT_TIMEOUT, RUNTIME_SHUTDOWN_BUDGET, SHUTDOWN_BUDGET, SandboxConfig};
pub use error::SandboxError;
/// The simulator, for delivery policies and captured platform events.
pub use lambda_simulator;
pub use layer::Layer;
pub use log_events::{LogType, format_time, log_event, log_record};
pub use process::MAX_CAPTURED_LINES;
pub use report::{
    DeliveryStats, ExitSummary, ExtensionInit, ExtensionInvoke, InitReport, InvokeReport,
    InvokeStatus, ProcessOutput, ProcessReport, ShutdownReport,
};
pub use sandbox::{RUNTIME_NAME, Sandbox};
pub use scripted::{LineFormat, Script, script_line};
pub use subscription::Buffering;
