//! The dispatcher actor: the only task that sends to Kinesis. It owns the sink and the
//! retry state; the run loop talks to it through a [`DispatcherHandle`].
//!
//! Events leave the buffer only when Kinesis acknowledged them. After a partial failure
//! only the failed entries stay (at the front, in order) and are retried; whole-call
//! errors and timeouts likewise. The wait between attempts grows only when a call made no
//! progress (see `backoff.rs`), each attempt is bounded by an adaptive timeout (see
//! `attempt.rs`), and near a deadline the remaining attempts are planned against the time
//! left, keeping enough of it to spill what could not be sent.

mod send;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use telemetry_kinesis_contract::RecordFormat;
use telemetry_kinesis_contract::drops::{Drops, DropsRecord};
use telemetry_kinesis_contract::limits::MAX_BYTES_PER_CALL;
use telemetry_kinesis_contract::names::DROPS_EVENT_TYPE;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::attempt::AttemptTimeout;
use crate::backoff::{self, Backoff};
use crate::ingest::Ingest;
use crate::kinesis::Sink;

/// Drops are reported at most this often (and always before a final flush).
pub const DROPS_REPORT_INTERVAL: Duration = Duration::from_secs(5);
/// Spilling is assumed to write at least this many bytes a second, and to spend at most
/// [`SPILL_TIME_PER_EVENT`] on each event besides: a flush with a deadline stops early
/// enough to spill what is left, even on the small CPU share of a 128 MB function.
pub const SPILL_BYTES_PER_SECOND: usize = 20 * 1024 * 1024;
/// See [`SPILL_BYTES_PER_SECOND`].
pub const SPILL_TIME_PER_EVENT: Duration = Duration::from_micros(5);
/// Time kept for spilling beyond the estimate.
const SPILL_MARGIN: Duration = Duration::from_millis(20);
/// A call holds at most this fraction of the budget: its copies (the KPL aggregate and the
/// request body) come out of the same memory.
pub const CALL_FRACTION_OF_BUDGET: usize = 8;
/// What one call's copies cost, as a multiple of its records' bytes: the KPL aggregate
/// (1x) and the base64 request body (4/3x), rounded up.
pub const CALL_COPIES: f64 = 2.5;

/// The largest call for a memory budget of `cap` bytes.
pub fn max_call_bytes(cap: usize) -> usize {
    (cap / CALL_FRACTION_OF_BUDGET).clamp(1, MAX_BYTES_PER_CALL)
}

/// Longest time spent preparing the Kinesis connection before serving commands.
pub const WARM_UP_TIMEOUT: Duration = Duration::from_secs(1);

/// In the background, wait for this much or this long before sending (where no freeze
/// can strand what waits: Managed Instances), so records are fuller and cost less.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linger {
    /// Send once this many bytes are buffered...
    pub bytes: usize,
    /// ...or the oldest event has waited this long.
    pub age: Duration,
}

/// How the dispatcher sends.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The record format.
    pub format: RecordFormat,
    /// The largest call, in bytes.
    pub max_call_bytes: usize,
    /// Background batching; `None` sends as soon as events arrive.
    pub linger: Option<Linger>,
}

/// What a flush achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushReport {
    /// Events still buffered when the flush ended.
    pub undelivered: usize,
    /// All drops so far.
    pub drops: Drops,
}

enum Command {
    Flush {
        deadline: Instant,
        done: oneshot::Sender<FlushReport>,
        last: bool,
    },
    Background(bool),
}

/// Talks to the dispatcher task.
#[derive(Debug, Clone)]
pub struct DispatcherHandle {
    commands: mpsc::Sender<Command>,
    stop_by: Arc<watch::Sender<Option<Instant>>>,
}

impl DispatcherHandle {
    /// Sends everything buffered, retrying failures, until empty or `deadline`.
    pub async fn flush(&self, deadline: Instant) -> Option<FlushReport> {
        self.command_flush(deadline, false).await
    }

    /// Like [`Self::flush`], keeping time before `deadline` to spill what is left, then
    /// stops the dispatcher: nothing is sent afterwards.
    pub async fn finish(&self, deadline: Instant) -> Option<FlushReport> {
        self.command_flush(deadline, true).await
    }

    async fn command_flush(&self, deadline: Instant, last: bool) -> Option<FlushReport> {
        let (done, report) = oneshot::channel();
        self.commands
            .send(Command::Flush {
                deadline,
                done,
                last,
            })
            .await
            .ok()?;
        report.await.ok()
    }

    /// Whether to send whenever events arrive (rather than only when asked to flush).
    pub async fn set_background(&self, background: bool) {
        let _ = self.commands.send(Command::Background(background)).await;
    }

    /// Cuts any call or wait in progress at `deadline` (SHUTDOWN, a signal).
    pub fn stop_by(&self, deadline: Instant) {
        self.stop_by.send_replace(Some(deadline));
    }
}

/// The actor's state.
pub struct Dispatcher<S, M> {
    sink: S,
    make_sink: M,
    ingest: Arc<Ingest>,
    format: RecordFormat,
    max_call_bytes: usize,
    linger: Option<Linger>,
    backoff: Backoff,
    attempt: AttemptTimeout,
    retry_at: Option<Instant>,
    background: bool,
    stop_by: watch::Receiver<Option<Instant>>,
    reported_drops: Drops,
    last_drops_report: Option<Instant>,
    last_error: Option<String>,
}

/// Starts the dispatcher: once `ready` resolves, it builds its sink with `make_sink` inside
/// the task (building the AWS client never delays the run loop), and builds it again after
/// a SnapStart restore (nothing made before the snapshot is trusted).
pub fn spawn<S, F, M>(
    ready: impl Future<Output = ()> + Send + 'static,
    make_sink: M,
    ingest: Arc<Ingest>,
    settings: Settings,
    cancel: CancellationToken,
) -> (DispatcherHandle, tokio::task::JoinHandle<()>)
where
    S: Sink + Send + Sync + 'static,
    F: Future<Output = S> + Send + 'static,
    M: Fn() -> F + Send + Sync + 'static,
{
    let (commands, receiver) = mpsc::channel(8);
    let (stop_by, stop_by_receiver) = watch::channel(None);
    let task = tokio::spawn(async move {
        ready.await;
        let sink = prepared(&make_sink, &ingest).await;
        let dispatcher = Dispatcher {
            sink,
            make_sink,
            ingest,
            format: settings.format,
            max_call_bytes: settings.max_call_bytes,
            linger: settings.linger,
            backoff: Backoff::default(),
            attempt: AttemptTimeout::default(),
            retry_at: None,
            background: false,
            stop_by: stop_by_receiver,
            reported_drops: Drops::default(),
            last_drops_report: None,
            last_error: None,
        };
        dispatcher.run(receiver, cancel).await;
    });
    (
        DispatcherHandle {
            commands,
            stop_by: Arc::new(stop_by),
        },
        task,
    )
}

/// A new sink, its connection prepared: events already buffered make the first call the
/// preparation; otherwise a call of its own, bounded so a silent endpoint cannot hold the
/// dispatcher.
async fn prepared<S: Sink, F: Future<Output = S>>(
    make_sink: &impl Fn() -> F,
    ingest: &Ingest,
) -> S {
    let sink = make_sink().await;
    if ingest.is_empty() {
        let _ = tokio::time::timeout(WARM_UP_TIMEOUT, sink.warm_up()).await;
    }
    sink
}

impl<S, F, M> Dispatcher<S, M>
where
    S: Sink + Sync,
    F: Future<Output = S>,
    M: Fn() -> F,
{
    /// When background sending is due: now, at a later instant (lingering), or never.
    fn due(&self) -> Option<Instant> {
        if !self.background {
            return None;
        }
        let since = self.ingest.waiting_since()?;
        let at = match self.linger {
            Some(linger) if self.ingest.bytes() < linger.bytes => since + linger.age,
            _ => since,
        };
        Some(at.max(self.retry_at.unwrap_or(at)))
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>, cancel: CancellationToken) {
        loop {
            let due = self.due();
            let now = Instant::now();
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                command = commands.recv() => match command {
                    None => break,
                    Some(Command::Flush { deadline, done, last }) => {
                        let report = self.flush(deadline, last).await;
                        let _ = done.send(report);
                        if last {
                            break;
                        }
                    }
                    Some(Command::Background(background)) => self.background = background,
                },
                () = self.ingest.restored() => {
                    tracing::info!("restored from a snapshot: reconnecting to Kinesis");
                    self.sink = prepared(&self.make_sink, &self.ingest).await;
                }
                () = wait_until(due), if due.is_some_and(|due| due > now) => {}
                () = std::future::ready(()), if due.is_some_and(|due| due <= now) => {
                    self.retry_at = None;
                    let outcome = self.send_once(None).await;
                    let wait = self.backoff.after(outcome);
                    self.retry_at = (!wait.is_zero()).then(|| Instant::now() + wait);
                }
                // New events may make sending due (or due sooner).
                () = self.ingest.pushed() => {}
            }
        }
    }

    /// Sends until the buffer is empty or `deadline` (earlier when `last` and spilling:
    /// what is left must still be spilled in time); returns what is left.
    async fn flush(&mut self, deadline: Instant, last: bool) -> FlushReport {
        self.report_drops(true);
        self.retry_at = None;
        loop {
            let until = if last && self.ingest.spills() {
                let time = spill_time(self.ingest.len(), self.ingest.bytes());
                deadline.checked_sub(time).unwrap_or(deadline)
            } else {
                deadline
            };
            let now = Instant::now();
            if self.ingest.is_empty() || now >= until {
                break;
            }
            let outcome = self.send_once(Some(until)).await;
            let wait = self.backoff.after(outcome);
            if wait.is_zero() {
                continue;
            }
            let now = Instant::now();
            let wake = now + backoff::within(wait, until.saturating_duration_since(now));
            let stop_by = *self.stop_by.borrow();
            tokio::time::sleep_until(stop_by.map_or(wake, |stop| wake.min(stop))).await;
            if stop_by.is_some_and(|stop| Instant::now() >= stop) {
                break;
            }
        }
        FlushReport {
            undelivered: self.ingest.len(),
            drops: self.ingest.drops(),
        }
    }

    /// Adds a self-telemetry event with the drops since the last report, at most every
    /// [`DROPS_REPORT_INTERVAL`] unless `now`.
    fn report_drops(&mut self, now: bool) {
        let total = self.ingest.drops();
        let delta = total.since(&self.reported_drops);
        if delta.is_zero() {
            return;
        }
        let due = self
            .last_drops_report
            .is_none_or(|last| last.elapsed() >= DROPS_REPORT_INTERVAL);
        if !(now || due) {
            return;
        }
        warn!(
            buffer_full = delta.buffer_full,
            spilled = delta.spilled,
            malformed_batches = delta.malformed_batches,
            invalid_events = delta.invalid_events,
            "telemetry dropped or spilled"
        );
        let record = DropsRecord {
            dropped: delta,
            total,
        };
        if let Ok(record) = serde_json::value::to_raw_value(&record) {
            self.ingest
                .push_own(&crate::clock::now_rfc3339(), DROPS_EVENT_TYPE, &record);
        }
        self.reported_drops = total;
        self.last_drops_report = Some(Instant::now());
    }
}

/// How long spilling `events` of `bytes` may take.
pub fn spill_time(events: usize, bytes: usize) -> Duration {
    Duration::from_secs_f64(bytes as f64 / SPILL_BYTES_PER_SECOND as f64)
        + SPILL_TIME_PER_EVENT.saturating_mul(u32::try_from(events).unwrap_or(u32::MAX))
        + SPILL_MARGIN
}

async fn wait_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
