//! What a run reports, as data tests and benchmarks read (and serialize: durations as
//! milliseconds).

use serde::{Serialize, Serializer};
use std::time::Duration;

fn milliseconds<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}

fn optional_milliseconds<S: Serializer>(
    duration: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => milliseconds(duration, serializer),
        None => serializer.serialize_none(),
    }
}

/// Telemetry delivery counts for one subscriber.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryStats {
    /// Batches the subscriber accepted (2xx).
    pub batches: u64,
    /// Events in those batches.
    pub events: u64,
    /// Batches given up after every attempt failed.
    pub failed_batches: u64,
}

/// How a process ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitSummary {
    /// The exit code, if it exited on its own.
    pub code: Option<i32>,
    /// The signal that ended it, if one did.
    pub signal: Option<i32>,
    /// The status as text (`exit status: 0`, `signal: 9 (SIGKILL)`).
    pub text: String,
}

impl ExitSummary {
    pub(crate) fn unknown(reason: String) -> Self {
        Self {
            code: None,
            signal: None,
            text: format!("unknown ({reason})"),
        }
    }

    /// Whether it exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl From<std::process::ExitStatus> for ExitSummary {
    fn from(status: std::process::ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        Self {
            code: status.code(),
            signal: status.signal(),
            text: status.to_string(),
        }
    }
}

/// A process's captured output lines (at most [`crate::MAX_CAPTURED_LINES`] per stream).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcessOutput {
    /// Stdout lines, without line endings.
    pub stdout: Vec<String>,
    /// Stderr lines, without line endings.
    pub stderr: Vec<String>,
    /// Lines delivered but not kept because a stream reached the cap.
    pub lines_not_kept: u64,
}

/// One extension's INIT.
#[derive(Debug, Clone, Serialize)]
pub struct ExtensionInit {
    /// The extension's file name (and registered name).
    pub name: String,
    /// Its process ID.
    pub pid: Option<u32>,
    /// Spawn to `register` answered.
    #[serde(serialize_with = "milliseconds")]
    pub registered_after: Duration,
    /// Spawn to its first `next`: the extension's init duration.
    #[serde(serialize_with = "milliseconds")]
    pub init_duration: Duration,
}

/// The INIT phase.
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    /// Each extension, in file-name order.
    pub extensions: Vec<ExtensionInit>,
    /// Runtime start to its first `next`.
    #[serde(serialize_with = "milliseconds")]
    pub runtime_init_duration: Duration,
    /// INIT start (first spawn) to the runtime's first `next`: the whole cold start.
    #[serde(serialize_with = "milliseconds")]
    pub init_duration: Duration,
}

/// How an invocation ended, as the runtime reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InvokeStatus {
    /// The runtime posted a response.
    Success,
    /// The runtime posted an error.
    Error,
}

/// One extension's part in an invocation.
#[derive(Debug, Clone, Serialize)]
pub struct ExtensionInvoke {
    /// The extension's name.
    pub name: String,
    /// Runtime response to the extension's next `next` (zero when it was back first): its
    /// share of `PostRuntimeExtensionsDuration`.
    #[serde(serialize_with = "milliseconds")]
    pub post_runtime_duration: Duration,
}

/// One invocation.
#[derive(Debug, Clone, Serialize)]
pub struct InvokeReport {
    /// The request ID.
    pub request_id: String,
    /// Response or error.
    pub status: InvokeStatus,
    /// The response payload (success) or error payload (error).
    pub payload: Option<serde_json::Value>,
    /// Enqueue to the runtime's response.
    #[serde(serialize_with = "milliseconds")]
    pub runtime_duration: Duration,
    /// Runtime response to the last extension's `next` (`PostRuntimeExtensionsDuration`).
    #[serde(serialize_with = "milliseconds")]
    pub post_runtime_extensions_duration: Duration,
    /// Each INVOKE-subscribed extension.
    pub extensions: Vec<ExtensionInvoke>,
    /// Enqueue to the invocation's end (runtime and every extension back in `next`).
    #[serde(serialize_with = "milliseconds")]
    pub duration: Duration,
}

/// A SnapStart environment's Restore phase.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// Thawing the environment frozen after INIT (the `durationMs` of
    /// `platform.restoreReport`, the `restoreDurationMs` of the next `platform.report`).
    #[serde(serialize_with = "milliseconds")]
    pub duration: Duration,
}

/// One process at the end of the run.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessReport {
    /// Extension file name, or `runtime`.
    pub name: String,
    /// Process ID (`None` for the in-process scripted runtime).
    pub pid: Option<u32>,
    /// The highest `VmHWM` sampled, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// How it ended (`None`: in-process runtime).
    pub exit: Option<ExitSummary>,
    /// Whether the sandbox had to SIGKILL it after its shutdown budget.
    pub killed: bool,
    /// SHUTDOWN start to its exit.
    #[serde(serialize_with = "optional_milliseconds")]
    pub shutdown_duration: Option<Duration>,
    /// Its captured output.
    pub output: ProcessOutput,
}

/// The SHUTDOWN phase and every process's end.
#[derive(Debug, Clone, Serialize)]
pub struct ShutdownReport {
    /// SHUTDOWN start to the last process's exit.
    #[serde(serialize_with = "milliseconds")]
    pub duration: Duration,
    /// Whether every extension exited within the budget (no SIGKILL needed).
    pub deadline_met: bool,
    /// Extensions (file-name order), then the runtime.
    pub processes: Vec<ProcessReport>,
    /// Telemetry delivered per subscriber name.
    pub delivery: std::collections::BTreeMap<String, DeliveryStats>,
}

impl ShutdownReport {
    /// The report of the process with this name.
    pub fn process(&self, name: &str) -> Option<&ProcessReport> {
        self.processes.iter().find(|process| process.name == name)
    }
}
