//! The end: at SHUTDOWN (or a termination signal, with a short budget of its own), flush
//! until the deadline while keeping time to spill, spill whatever is left, log the exact
//! counts and exit 0.
//!
//! Times, from the hard deadline (SIGKILL) back: [`EXIT_MARGIN`] to log and exit; before
//! it, spilling may run; sending stops [`MARGIN`] before the hard deadline, earlier by the
//! time spilling what is left is estimated to take.

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{debug, info};

use crate::start::Started;

/// Sending to Kinesis stops this long before the hard deadline at the latest.
pub const MARGIN: Duration = Duration::from_millis(250);
/// Kept free before the hard deadline to log the counts and exit: spilling may use the rest
/// of [`MARGIN`] when a starved CPU makes it slower than estimated.
pub const EXIT_MARGIN: Duration = Duration::from_millis(50);
/// The whole budget after a termination signal (a container runtime's stop, a developer's
/// Ctrl-C): flush, spill and exit within it.
pub const SIGNAL_BUDGET: Duration = Duration::from_millis(500);

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

/// Flushes, spills the rest and logs the counts by `hard_deadline` (when Lambda kills the
/// process). `last` is the last invocation and how long to wait for its
/// `platform.runtimeDone` (busy functions return to `next` at once, so its telemetry may
/// still be on its way).
pub async fn run(
    started: &Started,
    ending: Ending,
    hard_deadline: Instant,
    last: Option<(&str, Duration)>,
) -> ExitCode {
    let deadline = hard_deadline.checked_sub(MARGIN).unwrap_or(hard_deadline);
    let spill_deadline = hard_deadline
        .checked_sub(EXIT_MARGIN)
        .unwrap_or(hard_deadline);
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
    // Counted before this last spill, which is reported on its own.
    let drops = flushed.map_or_else(|| ingest.drops(), |report| report.drops);
    if undelivered > 0 && ingest.spills() {
        // Said first: a SIGKILL during the spill would cut the summary below.
        info!(
            undelivered,
            "shutdown: spilling {undelivered} undelivered events"
        );
    }
    let spilled = ingest.spill_rest(spill_deadline);
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
