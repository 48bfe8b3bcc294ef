//! Local Lambda runs for tests, benchmarks and `deployer invoke --local`, on the crates.io
//! `lambda-simulator`: a function (the real AWS Python runtime interface client, or a
//! built-in scripted function run in-process) with its layer's extensions, through INIT,
//! invocations with freeze between them, and SHUTDOWN with its budget and kill, under one of
//! Lambda's execution models ([`ExecutionModel`]: on-demand, provisioned concurrency,
//! SnapStart with its Restore phase, Lambda Managed Instances with concurrent invocations).
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

// The sandbox and its phases.
mod freeze;
mod init;
mod init_report; // pure: the INIT report from timeline marks
mod init_wait;
mod invocation;
mod restore;
mod sandbox;
mod shutdown;
mod timeline;

// What runs, and how it is started.
mod capture;
mod config;
mod layer;
mod model; // pure: what each execution model changes
mod process;
mod processes;
mod scripted;
mod simulator;
mod variables; // pure: the processes' environment variables

// The API proxy and telemetry delivery.
mod batcher; // pure: when a batch is due
mod delivery;
mod http;
mod log_events; // pure: `function` and `extension` events
mod model_events; // pure: each model's platform events
mod ordering; // pure: Lambda's per-subscriber order
mod platform; // pure: relayed platform events
mod proxy;
mod subscriber;
mod subscription; // pure: a subscription request read as Lambda reads it

mod error;
mod report;

pub use capture::MAX_CAPTURED_LINES;
pub use config::{Function, INIT_TIMEOUT, RUNTIME_SHUTDOWN_BUDGET, SHUTDOWN_BUDGET, SandboxConfig};
pub use error::SandboxError;
/// The simulator, for delivery policies and captured platform events.
pub use lambda_simulator;
pub use layer::Layer;
pub use log_events::{LogType, format_time, log_event, log_record};
pub use model::ExecutionModel;
pub use processes::RUNTIME_NAME;
pub use report::{
    DeliveryStats, ExitSummary, ExtensionInit, ExtensionInvoke, InitReport, InvokeReport,
    InvokeStatus, ProcessOutput, ProcessReport, RestoreReport, ShutdownReport,
};
pub use sandbox::Sandbox;
pub use scripted::{LineFormat, Script, script_invocation_line, script_line};
pub use subscription::Buffering;
