//! The end: at SHUTDOWN (or a termination signal, with a short budget of its own), flush
//! until the deadline while keeping time to spill, spill whatever is left, log the exact
//! counts and exit 0.

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{debug, info};

use crate::start::Started;

/// Kept free before the SHUTDOWN deadline to log and exit before the SIGKILL.
pub const MARGIN: Duration = Duration::from_millis(250);
/// The whole budget after a termination signal (a container runtime's stop, a developer's
/// Ctrl-C): flush, spill and exit within it.
pub const SIGNAL_BUDGET: Duration = Duration::from_millis(600);

/// Why the extension ends.
#[derive(Debug, Clone)]
pub enum Ending {
    /// Lambda's SHUTDOWN event, with its reason.
    Shutdown(String),
    /// A termination signal.
    Signal(&'static str),
}

/// The deadline after a signal received now.
pub fn signal_deadline() -> Instant {
    Instant::now() + SIGNAL_BUDGET
}

/// Flushes, spills the rest and logs the counts. `last` is the last invocation and how
/// long to wait for its `platform.runtimeDone` (busy functions return to `next` at once,
/// so its telemetry may still be on its way).
pub async fn run(
    started: &Started,
    ending: Ending,
    deadline: Instant,
    last: Option<(&str, Duration)>,
) -> ExitCode {
    let ingest = started.ingest.as_ref();
    let dispatcher = &started.dispatcher;
    // A call in flight is cut early enough to spill what is buffered now (what is left
    // only shrinks).
    let spill_from = if ingest.spills() {
        let time = crate::dispatcher::spill_time(ingest.len(), ingest.bytes());
        deadline.checked_sub(time).unwrap_or(deadline)
    } else {
        deadline
    };
    dispatcher.stop_by(spill_from);
    if let Some((request_id, wait)) = last {
        // At most half the budget.
        let now = Instant::now();
        let half = now + deadline.saturating_duration_since(now) / 2;
        ingest
            .wait_runtime_done(request_id, (now + wait).min(half))
            .await;
    }
    debug!(left = ?deadline.saturating_duration_since(Instant::now()), "final flush");
    let flushed = tokio::time::timeout_at(spill_from, dispatcher.finish(deadline))
        .await
        .ok()
        .flatten();
    debug!(left = ?deadline.saturating_duration_since(Instant::now()), flushed = flushed.is_some(), "spilling what is left");
    let undelivered = ingest.len();
    let spilled = ingest.spill_rest(deadline);
    let drops = flushed.map_or_else(|| ingest.drops(), |report| report.drops);
    let reason = match &ending {
        Ending::Shutdown(reason) => reason.as_str(),
        Ending::Signal(signal) => signal,
    };
    info!(
        reason,
        undelivered,
        spilled = spilled.written,
        lost = spilled.lost,
        spilled_before = drops.spilled,
        dropped_buffer_full = drops.buffer_full,
        dropped_malformed_batches = drops.malformed_batches,
        dropped_invalid_events = drops.invalid_events,
        "shutdown: {undelivered} events undelivered ({} spilled to the log, {} lost)",
        spilled.written,
        spilled.lost
    );
    ExitCode::SUCCESS
}
