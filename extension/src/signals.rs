//! SIGTERM, SIGINT and SIGHUP: the extension ends as at SHUTDOWN, with a short budget,
//! instead of dying with its buffer.

use tokio::signal::unix::{Signal, SignalKind, signal};
use tracing::warn;

/// The termination signals, listened for from start-up.
pub struct Signals {
    terminate: Option<Signal>,
    interrupt: Option<Signal>,
    hangup: Option<Signal>,
}

fn listen(name: &str, kind: SignalKind) -> Option<Signal> {
    signal(kind)
        .inspect_err(|error| warn!(%error, signal = name, "cannot listen for a signal"))
        .ok()
}

async fn next(signal: &mut Option<Signal>) -> Option<()> {
    match signal {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}

impl Signals {
    /// Starts listening; a signal that cannot be listened for is logged and keeps its
    /// default action.
    pub fn listen() -> Self {
        Self {
            terminate: listen("SIGTERM", SignalKind::terminate()),
            interrupt: listen("SIGINT", SignalKind::interrupt()),
            hangup: listen("SIGHUP", SignalKind::hangup()),
        }
    }

    /// Resolves with the name of the next signal received.
    pub async fn recv(&mut self) -> &'static str {
        tokio::select! {
            Some(()) = next(&mut self.terminate) => "SIGTERM",
            Some(()) = next(&mut self.interrupt) => "SIGINT",
            Some(()) = next(&mut self.hangup) => "SIGHUP",
            else => std::future::pending().await,
        }
    }
}
