//! Errors of a sandbox run: each variant names what failed, with what a reader needs to act.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can make a sandbox run fail.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The layer directory or zip could not be read.
    #[error("cannot read the layer at {path}: {source}")]
    Layer {
        /// The layer directory or zip.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The layer zip is not a valid zip archive.
    #[error("cannot extract the layer zip {path}: {source}")]
    LayerZip {
        /// The layer zip.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: zip::result::ZipError,
    },
    /// The simulator failed to start.
    #[error("lambda-simulator failed: {0}")]
    Simulator(String),
    /// A local server or client socket failed.
    #[error("local I/O failed while {action}: {source}")]
    Io {
        /// What the sandbox was doing.
        action: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A process could not be started.
    #[error("cannot start {name} ({program}): {source}")]
    Spawn {
        /// The process's name (extension file name, or `runtime`).
        name: String,
        /// The program that was run.
        program: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An extension did not register, or did not call `next` after registering, in time.
    #[error(
        "extension {name} did not finish INIT within {waited:?} (registered: {registered}); last stderr lines:\n{stderr_tail}"
    )]
    ExtensionInitTimeout {
        /// The extension's file name.
        name: String,
        /// How long the sandbox waited.
        waited: Duration,
        /// Whether it had registered.
        registered: bool,
        /// Its last stderr lines.
        stderr_tail: String,
    },
    /// An extension reported `init/error` or `exit/error` to the Extensions API.
    #[error("extension {name} reported {kind} with error type {error_type:?}")]
    ExtensionReportedError {
        /// The extension's registered name.
        name: String,
        /// `init/error` or `exit/error`.
        kind: String,
        /// The `Lambda-Extension-Function-Error-Type` header.
        error_type: String,
    },
    /// An extension registered under a name that is not the file name of any extension the
    /// sandbox started (Lambda requires the file name).
    #[error(
        "an extension registered as {name:?}, which is not the file name of any started extension ({known})"
    )]
    UnknownExtensionName {
        /// The name sent in `Lambda-Extension-Name`.
        name: String,
        /// The file names the sandbox started.
        known: String,
    },
    /// A process (extension or runtime) exited while the sandbox needed it.
    #[error("{name} exited during {phase} with {status}; last stderr lines:\n{stderr_tail}")]
    ProcessExited {
        /// The process's name.
        name: String,
        /// `INIT` or `INVOKE`.
        phase: &'static str,
        /// Its exit status as text.
        status: String,
        /// Its last stderr lines.
        stderr_tail: String,
    },
    /// The runtime did not ask for its first invocation in time.
    #[error("the runtime did not call next within {waited:?}; last stderr lines:\n{stderr_tail}")]
    RuntimeInitTimeout {
        /// How long the sandbox waited.
        waited: Duration,
        /// The runtime's last stderr lines.
        stderr_tail: String,
    },
    /// The runtime reported an init error.
    #[error("the runtime reported an init error: {0}")]
    RuntimeInitError(String),
    /// An invocation did not complete (runtime response and every extension back in `next`)
    /// in time.
    #[error("invocation {request_id} did not complete within {waited:?}: {pending}")]
    InvokeTimeout {
        /// The request ID.
        request_id: String,
        /// How long the sandbox waited.
        waited: Duration,
        /// What was still pending.
        pending: String,
    },
    /// The sandbox was already failed by an earlier error and cannot run more invocations.
    #[error("the sandbox already failed: {0}")]
    Failed(String),
    /// The execution model or the environment's phase does not allow the operation.
    #[error("{operation} is not available: {reason}")]
    Unsupported {
        /// The operation asked for (`restore`, `invoke_concurrently`).
        operation: &'static str,
        /// Why not.
        reason: String,
    },
}
