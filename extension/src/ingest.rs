//! State shared by the listener (which adds events) and the dispatcher (which sends
//! them): the buffer, the encoder, a wake-up for the dispatcher, and the invocations
//! whose `platform.runtimeDone` has arrived.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde_json::value::RawValue;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::buffer::{Buffer, Drops};
use crate::event::{BatchError, parse_batch};
use crate::record::Encoder;

/// How many finished invocations are remembered for [`Ingest::wait_runtime_done`].
const RECENT_RUNTIME_DONE: usize = 64;

/// What became of one Telemetry API batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Events kept in the buffer.
    pub accepted: usize,
    /// Elements that were not events.
    pub invalid: usize,
}

struct Inner {
    buffer: Buffer,
    encoder: Encoder,
}

/// The buffer and what goes with it; cheap critical sections under one mutex.
pub struct Ingest {
    inner: Mutex<Inner>,
    pushed: Notify,
    runtime_done: watch::Sender<VecDeque<String>>,
}

impl Ingest {
    /// An empty buffer of `cap` bytes fed through `encoder`.
    pub fn new(cap: usize, encoder: Encoder) -> Self {
        Self {
            inner: Mutex::new(Inner {
                buffer: Buffer::new(cap),
                encoder,
            }),
            pushed: Notify::new(),
            runtime_done: watch::Sender::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds the events of a Telemetry API batch body. A body that is not a JSON array
    /// is counted as a malformed batch and returned as an error.
    pub fn accept_batch(&self, body: &[u8]) -> Result<BatchOutcome, BatchError> {
        let batch = match parse_batch(body) {
            Ok(batch) => batch,
            Err(error) => {
                self.lock().buffer.count_malformed_batch();
                return Err(error);
            }
        };
        let mut finished = Vec::new();
        {
            let mut inner = self.lock();
            let Inner { buffer, encoder } = &mut *inner;
            for event in &batch.events {
                let item = encoder.encode(event);
                buffer.push(item);
                if event.is_runtime_done() {
                    finished.extend(event.request_id());
                }
            }
            buffer.count_invalid_events(batch.invalid_events);
        }
        if !batch.events.is_empty() {
            self.pushed.notify_one();
        }
        if !finished.is_empty() {
            self.runtime_done.send_modify(|recent| {
                for id in finished {
                    if recent.len() == RECENT_RUNTIME_DONE {
                        recent.pop_front();
                    }
                    recent.push_back(id);
                }
            });
        }
        Ok(BatchOutcome {
            accepted: batch.events.len(),
            invalid: batch.invalid_events,
        })
    }

    /// Counts a batch that could not even be read (too large, broken connection).
    pub fn count_malformed_batch(&self) {
        self.lock().buffer.count_malformed_batch();
    }

    /// Adds an event this extension emits about itself.
    pub fn push_own(&self, time: &str, kind: &str, record: &RawValue) {
        {
            let mut inner = self.lock();
            let Inner { buffer, encoder } = &mut *inner;
            buffer.push(encoder.encode_own(time, kind, record));
        }
        self.pushed.notify_one();
    }

    /// Runs `action` on the buffer.
    pub fn with_buffer<T>(&self, action: impl FnOnce(&mut Buffer) -> T) -> T {
        action(&mut self.lock().buffer)
    }

    /// Events buffered.
    pub fn len(&self) -> usize {
        self.lock().buffer.len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.lock().buffer.is_empty()
    }

    /// Drop counters.
    pub fn drops(&self) -> Drops {
        self.lock().buffer.drops()
    }

    /// Resolves when events were added since the last call (one waiter: the dispatcher).
    pub async fn pushed(&self) {
        self.pushed.notified().await;
    }

    /// Waits until `request_id`'s `platform.runtimeDone` has arrived, or `deadline`.
    /// Returns whether it arrived.
    pub async fn wait_runtime_done(&self, request_id: &str, deadline: Instant) -> bool {
        let mut receiver = self.runtime_done.subscribe();
        let arrived = receiver.wait_for(|recent| recent.iter().any(|id| id == request_id));
        matches!(tokio::time::timeout_at(deadline, arrived).await, Ok(Ok(_)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::FunctionIdentity;
    use std::time::Duration;

    fn ingest() -> Ingest {
        Ingest::new(
            1 << 20,
            Encoder::new(FunctionIdentity::default(), "i".into()),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn batches_fill_the_buffer_and_signal_runtime_done() {
        let ingest = ingest();
        let body = br#"[{"time":"t","type":"platform.start","record":{"requestId":"r1"}},
            {"time":"t","type":"function","record":"x"}, 7,
            {"time":"t","type":"platform.runtimeDone","record":{"requestId":"r1","status":"success"}}]"#;
        let outcome = ingest.accept_batch(body).unwrap();
        assert_eq!(
            outcome,
            BatchOutcome {
                accepted: 3,
                invalid: 1
            }
        );
        assert_eq!(ingest.len(), 3);
        let deadline = Instant::now() + Duration::from_secs(1);
        assert!(ingest.wait_runtime_done("r1", deadline).await);
        assert!(!ingest.wait_runtime_done("r2", deadline).await);
        assert!(ingest.accept_batch(b"{oops").is_err());
        assert_eq!(ingest.drops().malformed_batches, 1);
        assert_eq!(ingest.drops().invalid_events, 1);
    }
}
