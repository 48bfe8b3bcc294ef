//! The dispatcher actor: the only task that sends to Kinesis. It owns the sink and the
//! retry state; the run loop talks to it through a [`DispatcherHandle`].
//!
//! Events leave the buffer only when Kinesis acknowledged them. After a partial failure
//! only the failed entries stay (at the front, in order) and are retried; whole-call
//! errors and timeouts likewise. Waits between attempts back off exponentially with
//! jitter, and every wait and call is bounded by the current deadline.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::backoff::Backoff;
use telemetry_kinesis_contract::drops::DropsRecord;
use telemetry_kinesis_contract::limits::MAX_BYTES_PER_CALL;
use telemetry_kinesis_contract::names::DROPS_EVENT_TYPE;

use crate::batcher;
use crate::buffer::Drops;
use crate::config::RecordFormat;
use crate::ingest::Ingest;
use crate::kinesis::{ATTEMPT_TIMEOUT, Sink};

/// Drops are reported at most this often (and always before a final flush).
pub const DROPS_REPORT_INTERVAL: Duration = Duration::from_secs(5);

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
        let (done, report) = oneshot::channel();
        self.commands
            .send(Command::Flush { deadline, done })
            .await
            .ok()?;
        report.await.ok()
    }

    /// Whether to send whenever events arrive (rather than only when asked to flush).
    pub async fn set_background(&self, background: bool) {
        let _ = self.commands.send(Command::Background(background)).await;
    }

    /// Cuts any call or wait in progress at `deadline` (used at SHUTDOWN).
    pub fn stop_by(&self, deadline: Instant) {
        self.stop_by.send_replace(Some(deadline));
    }
}

/// The actor's state.
pub struct Dispatcher<S> {
    sink: S,
    ingest: Arc<Ingest>,
    format: RecordFormat,
    max_call_bytes: usize,
    backoff: Backoff,
    retry_at: Option<Instant>,
    background: bool,
    stop_by: watch::Receiver<Option<Instant>>,
    reported_drops: Drops,
    last_drops_report: Option<Instant>,
    last_error: Option<String>,
}

/// Starts the dispatcher; `sink` is awaited inside the task so that building the AWS
/// client never delays the run loop.
pub fn spawn<S, F>(
    sink: F,
    ingest: Arc<Ingest>,
    format: RecordFormat,
    cancel: CancellationToken,
) -> (DispatcherHandle, tokio::task::JoinHandle<()>)
where
    S: Sink + Send + Sync + 'static,
    F: Future<Output = S> + Send + 'static,
{
    let (commands, receiver) = mpsc::channel(8);
    let (stop_by, stop_by_receiver) = watch::channel(None);
    // Half the cap per call: events checked out are not evictable, so the other half
    // keeps room for new events while a call is in flight.
    let cap = ingest.with_buffer(|buffer| buffer.cap());
    let max_call_bytes = (cap / 2).clamp(1, MAX_BYTES_PER_CALL);
    let task = tokio::spawn(async move {
        let dispatcher = Dispatcher {
            sink: sink.await,
            ingest,
            format,
            max_call_bytes,
            backoff: Backoff::default(),
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

impl<S: Sink + Sync> Dispatcher<S> {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>, cancel: CancellationToken) {
        loop {
            let pending = self.background && !self.ingest.is_empty();
            let retry_at = self.retry_at;
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                command = commands.recv() => match command {
                    None => break,
                    Some(Command::Flush { deadline, done }) => {
                        let report = self.flush(deadline).await;
                        let _ = done.send(report);
                    }
                    Some(Command::Background(background)) => self.background = background,
                },
                () = wait_until(retry_at), if pending && retry_at.is_some() => self.retry_at = None,
                () = std::future::ready(()), if pending && retry_at.is_none() => {
                    let deadline = Instant::now() + ATTEMPT_TIMEOUT;
                    if !self.send_once(deadline).await {
                        self.retry_at = Some(Instant::now() + self.backoff.fail());
                    }
                }
                () = self.ingest.pushed(), if !pending => {}
            }
        }
    }

    /// Sends until the buffer is empty or `deadline`; returns what is left.
    async fn flush(&mut self, deadline: Instant) -> FlushReport {
        self.report_drops(true);
        self.retry_at = None;
        while !self.ingest.is_empty() && Instant::now() < deadline {
            if self.send_once(deadline).await {
                continue;
            }
            let delay = self.backoff.fail();
            let wake = (Instant::now() + delay).min(deadline);
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

    /// One PutRecords call from the front of the buffer. Returns whether every record
    /// was acknowledged (an empty buffer counts as success).
    async fn send_once(&mut self, deadline: Instant) -> bool {
        self.report_drops(false);
        let (format, max_bytes) = (self.format, self.max_call_bytes);
        let entries = self.ingest.with_buffer(|buffer| {
            buffer.check_out(|events| batcher::plan(format, events, max_bytes))
        });
        if entries.is_empty() {
            self.ingest.with_buffer(|buffer| buffer.complete(&[]));
            return true;
        }
        let call = self.sink.put_records(&entries);
        let result = bounded(call, deadline, &mut self.stop_by).await;
        let (acknowledged, failed, error) = match result {
            Some(Ok(accepted)) => {
                let mut acknowledged = Vec::new();
                let mut failed = 0;
                for (entry, ok) in entries.iter().zip(accepted) {
                    if ok {
                        acknowledged.extend_from_slice(&entry.events);
                    } else {
                        failed += 1;
                    }
                }
                let error = (failed > 0).then(|| format!("{failed} records failed"));
                (acknowledged, failed, error)
            }
            Some(Err(error)) => (Vec::new(), entries.len(), Some(error.to_string())),
            None => (
                Vec::new(),
                entries.len(),
                Some("PutRecords timed out".to_owned()),
            ),
        };
        self.ingest
            .with_buffer(|buffer| buffer.complete(&acknowledged));
        debug!(records = entries.len(), failed, "put");
        match error {
            None => {
                if self.last_error.take().is_some() {
                    warn!("Kinesis accepts records again");
                }
                self.backoff.reset();
                true
            }
            Some(error) => {
                // One line per outage, not per attempt.
                if self.last_error.is_none() {
                    warn!(%error, "Kinesis did not accept every record; retrying failed ones");
                }
                self.last_error = Some(error);
                false
            }
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
            malformed_batches = delta.malformed_batches,
            invalid_events = delta.invalid_events,
            "telemetry dropped"
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

/// Runs `call` until it ends, [`ATTEMPT_TIMEOUT`] or `deadline` passes, or a stop-by
/// deadline (set even while the call runs) passes. `None` if cut short.
async fn bounded<T>(
    call: impl Future<Output = T>,
    deadline: Instant,
    stop_by: &mut watch::Receiver<Option<Instant>>,
) -> Option<T> {
    let limit = deadline.min(Instant::now() + ATTEMPT_TIMEOUT);
    tokio::pin!(call);
    loop {
        let stop = *stop_by.borrow_and_update();
        let until = stop.map_or(limit, |stop| limit.min(stop));
        tokio::select! {
            result = &mut call => return Some(result),
            () = tokio::time::sleep_until(until) => return None,
            changed = stop_by.changed() => {
                if changed.is_err() {
                    return tokio::time::timeout_at(until, call).await.ok();
                }
            }
        }
    }
}

async fn wait_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::batcher::Entry;
    use crate::config::FunctionIdentity;
    use crate::kinesis::PutError;
    use crate::record::Encoder;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// What the stand-in sink does with one call.
    #[derive(Clone, Copy)]
    enum Answer {
        AcceptAll,
        FailEvery(usize),
        Error,
        Stall,
    }

    #[derive(Default)]
    struct ScriptedSink {
        answers: Mutex<VecDeque<Answer>>,
        calls: Mutex<Vec<usize>>,
        accepted: Mutex<Vec<Vec<u8>>>,
    }

    impl Sink for Arc<ScriptedSink> {
        async fn put_records(&self, entries: &[Entry]) -> Result<Vec<bool>, PutError> {
            self.calls.lock().unwrap().push(entries.len());
            let answer = self
                .answers
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Answer::AcceptAll);
            let accepted: Vec<bool> = match answer {
                Answer::AcceptAll => vec![true; entries.len()],
                Answer::FailEvery(period) => (0..entries.len())
                    .map(|index| index % period != 0)
                    .collect(),
                Answer::Error => return Err(PutError("503".into())),
                Answer::Stall => std::future::pending().await,
            };
            let mut kept = self.accepted.lock().unwrap();
            for (entry, ok) in entries.iter().zip(&accepted) {
                if *ok {
                    kept.push(entry.data.to_vec());
                }
            }
            Ok(accepted)
        }
    }

    fn setup(
        answers: &[Answer],
        events: usize,
    ) -> (Arc<ScriptedSink>, Arc<Ingest>, DispatcherHandle) {
        let sink = Arc::new(ScriptedSink::default());
        sink.answers.lock().unwrap().extend(answers.iter().copied());
        let ingest = Arc::new(Ingest::new(
            8 << 20,
            Encoder::new(FunctionIdentity::default(), "t".into()),
        ));
        let batch: Vec<serde_json::Value> = (0..events)
            .map(|index| serde_json::json!({"time": "t", "type": "function", "record": format!("line {index}")}))
            .collect();
        ingest
            .accept_batch(serde_json::to_string(&batch).unwrap().as_bytes())
            .unwrap();
        let (handle, _task) = spawn(
            std::future::ready(Arc::clone(&sink)),
            Arc::clone(&ingest),
            RecordFormat::Json,
            CancellationToken::new(),
        );
        (sink, ingest, handle)
    }

    #[tokio::test(start_paused = true)]
    async fn retries_only_failed_entries_until_all_are_acknowledged() {
        let answers = [Answer::FailEvery(2), Answer::Error, Answer::FailEvery(3)];
        let (sink, ingest, handle) = setup(&answers, 700);
        let report = handle
            .flush(Instant::now() + Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(report.undelivered, 0);
        assert!(ingest.is_empty());
        // 500 first; then the 250 that failed, at the front, plus the 200 never sent.
        assert_eq!(sink.calls.lock().unwrap()[..3], [500, 450, 450]);
        let accepted = sink.accepted.lock().unwrap();
        assert_eq!(accepted.len(), 700, "nothing acknowledged is sent again");
        let mut ids: Vec<String> = accepted
            .iter()
            .map(|data| {
                serde_json::from_slice::<serde_json::Value>(data).unwrap()["id"].to_string()
            })
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 700, "each event exactly once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_sink_cannot_hold_a_flush_past_its_deadline() {
        let (_sink, ingest, handle) = setup(&[Answer::Stall; 100], 10);
        let started = Instant::now();
        handle.stop_by(started + Duration::from_millis(1500));
        let report = handle
            .flush(started + Duration::from_millis(1500))
            .await
            .unwrap();
        assert!(started.elapsed() <= Duration::from_millis(1500));
        assert_eq!(report.undelivered, 10);
        assert_eq!(ingest.len(), 10);
    }

    #[tokio::test(start_paused = true)]
    async fn stop_by_cuts_a_call_already_in_flight() {
        let (sink, _ingest, handle) = setup(&[Answer::Stall], 3);
        handle.set_background(true).await;
        // The background call is in flight and stalls; SHUTDOWN sets a near deadline.
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(sink.calls.lock().unwrap().len(), 1);
        let started = Instant::now();
        handle.stop_by(started + Duration::from_millis(300));
        let report = handle
            .flush(started + Duration::from_millis(300))
            .await
            .unwrap();
        assert!(started.elapsed() <= Duration::from_millis(300));
        assert_eq!(report.undelivered, 3);
    }
}
