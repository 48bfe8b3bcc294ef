//! One PutRecords attempt from the front of the buffer, bounded in time, and what it
//! achieved.

use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{debug, warn};

use super::Dispatcher;
use crate::backoff::Outcome;
use crate::batcher;
use crate::kinesis::Sink;

/// How an attempt ended.
enum Bounded<T> {
    /// The call answered.
    Done(T),
    /// The attempt timeout cut it.
    TimedOut,
    /// A deadline (or a stop-by deadline) cut it.
    Cut,
}

impl<S, F, M> Dispatcher<S, M>
where
    S: Sink + Sync,
    F: Future<Output = S>,
    M: Fn() -> F,
{
    /// One PutRecords call from the front of the buffer, cut at `deadline` (if any) at the
    /// latest. An empty buffer counts as delivered.
    pub(super) async fn send_once(&mut self, deadline: Option<Instant>) -> Outcome {
        self.report_drops(false);
        let (format, max_bytes) = (self.format, self.max_call_bytes);
        let stream = self.sink.stream();
        let planned = self.ingest.with_buffer(|buffer| {
            buffer.check_out(|events| batcher::call(format, stream, events, max_bytes))
        });
        if planned.records.is_empty() {
            self.ingest.with_buffer(|buffer| buffer.complete(&[]));
            return Outcome::Delivered;
        }
        let records = planned.records.len();
        let started = Instant::now();
        let limit = started + self.attempt.get();
        let call = self.sink.put_records(planned.body, records);
        let result = bounded(call, limit, deadline, &mut self.stop_by).await;
        let (acknowledged, failed, error) = match result {
            Bounded::Done(Ok(accepted)) => {
                self.attempt.answered(started.elapsed());
                let mut acknowledged = Vec::new();
                let mut failed = 0;
                for (events, ok) in planned.records.iter().zip(accepted) {
                    if ok {
                        acknowledged.push(events.clone());
                    } else {
                        failed += 1;
                    }
                }
                let error = (failed > 0).then(|| format!("{failed} records failed"));
                (acknowledged, failed, error)
            }
            Bounded::Done(Err(error)) => {
                self.attempt.answered(started.elapsed());
                (Vec::new(), records, Some(error.to_string()))
            }
            Bounded::TimedOut => {
                self.attempt.timed_out();
                let error = format!("PutRecords timed out after {:?}", started.elapsed());
                (Vec::new(), records, Some(error))
            }
            Bounded::Cut => (
                Vec::new(),
                records,
                Some("PutRecords cut at the deadline".to_owned()),
            ),
        };
        self.ingest
            .with_buffer(|buffer| buffer.complete(&acknowledged));
        debug!(records, failed, "put");
        match error {
            None => {
                if self.last_error.take().is_some() {
                    warn!("Kinesis accepts records again");
                }
                Outcome::Delivered
            }
            Some(error) => {
                // One line per outage, not per attempt.
                if self.last_error.is_none() {
                    warn!(%error, "Kinesis did not accept every record; retrying failed ones");
                }
                self.last_error = Some(error);
                if acknowledged.is_empty() {
                    Outcome::Nothing
                } else {
                    Outcome::Progress
                }
            }
        }
    }
}

/// Runs `call` until it ends, `limit` (the attempt timeout) or `deadline` passes, or a
/// stop-by deadline (set even while the call runs) passes.
async fn bounded<T>(
    call: impl Future<Output = T>,
    limit: Instant,
    deadline: Option<Instant>,
    stop_by: &mut watch::Receiver<Option<Instant>>,
) -> Bounded<T> {
    tokio::pin!(call);
    loop {
        let stop = *stop_by.borrow_and_update();
        let cut_at = match (deadline, stop) {
            (Some(deadline), Some(stop)) => Some(deadline.min(stop)),
            (deadline, stop) => deadline.or(stop),
        };
        // The attempt timeout, unless a deadline comes first.
        let timed_out = cut_at.is_none_or(|cut_at| limit <= cut_at);
        let until = cut_at.map_or(limit, |cut_at| limit.min(cut_at));
        let expired = if timed_out {
            Bounded::TimedOut
        } else {
            Bounded::Cut
        };
        tokio::select! {
            result = &mut call => return Bounded::Done(result),
            () = tokio::time::sleep_until(until) => return expired,
            changed = stop_by.changed() => {
                if changed.is_err() {
                    return match tokio::time::timeout_at(until, call).await {
                        Ok(result) => Bounded::Done(result),
                        Err(_) => expired,
                    };
                }
            }
        }
    }
}
