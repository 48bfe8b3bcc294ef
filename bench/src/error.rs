//! What can stop a benchmark.

use std::path::PathBuf;

/// A benchmark could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A build artifact is missing.
    #[error("{what} not found at {path}; {hint}")]
    Missing {
        /// What was looked for.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// How to produce it.
        hint: &'static str,
    },
    /// The sandbox failed.
    #[error(transparent)]
    Sandbox(#[from] sandbox::SandboxError),
    /// A file or process operation failed.
    #[error("{action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A Telemetry API POST to the extension failed.
    #[error("POST to the extension's listener failed: {0}")]
    Post(String),
    /// Something did not happen in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// A command ran but failed.
    #[error("`{command}` failed: {detail}")]
    Command {
        /// The command line.
        command: String,
        /// Its status and stderr tail.
        detail: String,
    },
}

impl BenchError {
    /// An [`BenchError::Io`] for `action`.
    pub fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let action = action.into();
        move |source| Self::Io { action, source }
    }
}
