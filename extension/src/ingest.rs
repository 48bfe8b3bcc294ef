//! State shared by the listener (which adds events) and the dispatcher (which sends them):
//! the buffer and the encoder, the memory budget that bounds buffered events and request
//! bodies together, the spiller for what the budget cannot keep, and the invocations whose
//! `platform.runtimeDone` has arrived.
//!
//! The budget: buffered events plus the bodies being read never exceed `limit` bytes. A
//! body reserves its length before it is read; when the room is held by buffered events,
//! the oldest are evicted (spilled, or dropped and counted when spilling is off); when it
//! is held by other bodies, the reservation waits, and is refused after a while (Lambda
//! retries a POST that fails, so a refused body is not lost). One body may always be read
//! when no other is, so a batch larger than the budget still gets through.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde_json::value::RawValue;
use telemetry_kinesis_contract::drops::Drops;
use telemetry_kinesis_contract::spill::MARKER as SPILL_MARKER;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::buffer::Buffer;
use crate::event::{BatchError, parse_batch};
use crate::record::{Encoder, Item};
use crate::spill::{Spilled, Spiller};

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
    /// Bytes reserved by bodies being read.
    reserved: usize,
    drops: Drops,
    /// When the buffer last went from empty to holding events.
    filled_since: Option<Instant>,
}

/// The buffer and what goes with it; cheap critical sections under one mutex.
pub struct Ingest {
    inner: Mutex<Inner>,
    limit: usize,
    spiller: Spiller,
    pushed: Notify,
    released: Notify,
    restored: Notify,
    runtime_done: watch::Sender<VecDeque<String>>,
}

/// Room held for a body being read; given back when dropped.
pub struct Reservation<'a> {
    ingest: &'a Ingest,
    bytes: usize,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.ingest.lock().reserved -= self.bytes;
        self.ingest.released.notify_waiters();
    }
}

impl Ingest {
    /// An empty buffer fed through `encoder`, with `limit` bytes for buffered events and
    /// bodies being read.
    pub fn new(limit: usize, encoder: Encoder, spiller: Spiller) -> Self {
        Self {
            inner: Mutex::new(Inner {
                buffer: Buffer::default(),
                encoder,
                reserved: 0,
                drops: Drops::default(),
                filled_since: None,
            }),
            limit,
            spiller,
            pushed: Notify::new(),
            released: Notify::new(),
            restored: Notify::new(),
            runtime_done: watch::Sender::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves room for a body of `bytes`, evicting the oldest buffered events if needed,
    /// waiting at most `wait` for other bodies to finish. `None`: refused.
    pub async fn reserve(&self, bytes: usize, wait: Duration) -> Option<Reservation<'_>> {
        let give_up = Instant::now() + wait;
        loop {
            let released = self.released.notified();
            let (granted, evicted) = {
                let mut inner = self.lock();
                let room_for_events = self.limit.saturating_sub(inner.reserved + bytes);
                let evicted = inner.buffer.evict_to(room_for_events);
                let fits = inner.buffer.bytes() + inner.reserved + bytes <= self.limit;
                let granted = fits || inner.reserved == 0;
                if granted {
                    inner.reserved += bytes;
                }
                (granted, evicted)
            };
            self.dispose(&evicted);
            if granted {
                return Some(Reservation {
                    ingest: self,
                    bytes,
                });
            }
            if tokio::time::timeout_at(give_up, released).await.is_err() {
                return None;
            }
        }
    }

    /// Adds the events of a Telemetry API batch body, evicting the oldest events to stay
    /// within the budget. A body that is not a JSON array is counted as a malformed batch
    /// and returned as an error.
    pub fn accept_batch(&self, body: &[u8]) -> Result<BatchOutcome, BatchError> {
        let batch = match parse_batch(body) {
            Ok(batch) => batch,
            Err(error) => {
                self.lock().drops.malformed_batches += 1;
                return Err(error);
            }
        };
        let mut finished = Vec::new();
        let mut accepted = 0;
        let mut restored = false;
        let evicted = {
            let mut inner = self.lock();
            let Inner {
                buffer,
                encoder,
                reserved,
                drops,
                filled_since,
            } = &mut *inner;
            // Fresh ids for every batch: a SnapStart restore can happen between any two.
            encoder.refresh_ids();
            if buffer.is_empty() && !batch.events.is_empty() {
                *filled_since = Some(Instant::now());
            }
            for event in &batch.events {
                restored |= event.kind.starts_with("platform.restore");
                // The extension's own spill lines come back as `extension` events.
                if event.kind == "extension" && event.record.get().contains(SPILL_MARKER) {
                    continue;
                }
                buffer.push(encoder.encode(event));
                accepted += 1;
                if event.is_runtime_done() {
                    finished.extend(event.request_id().map(|id| id.into_owned()));
                }
            }
            drops.invalid_events += batch.invalid_events as u64;
            buffer.evict_to(self.limit.saturating_sub(*reserved))
        };
        self.dispose(&evicted);
        if accepted > 0 {
            self.pushed.notify_one();
        }
        if restored {
            self.restored.notify_one();
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
            accepted,
            invalid: batch.invalid_events,
        })
    }

    /// Spills evicted events, or counts them dropped.
    fn dispose(&self, evicted: &[Item]) {
        if evicted.is_empty() {
            return;
        }
        let outcome = self.spiller.write(evicted, None);
        self.count(outcome);
    }

    fn count(&self, outcome: Spilled) {
        let mut inner = self.lock();
        inner.drops.spilled += outcome.written;
        inner.drops.buffer_full += outcome.lost;
    }

    /// Counts a batch that could not even be read (too large).
    pub fn count_malformed_batch(&self) {
        self.lock().drops.malformed_batches += 1;
    }

    /// Adds an event this extension emits about itself.
    pub fn push_own(&self, time: &str, kind: &str, record: &RawValue) {
        let evicted = {
            let mut inner = self.lock();
            let item = inner.encoder.encode_own(time, kind, record);
            if inner.buffer.is_empty() {
                inner.filled_since = Some(Instant::now());
            }
            inner.buffer.push(item);
            let room = self.limit.saturating_sub(inner.reserved);
            inner.buffer.evict_to(room)
        };
        self.dispose(&evicted);
        self.pushed.notify_one();
    }

    /// Spills every event left, those of a call still in flight included (at the end,
    /// after the last flush), writing until `deadline`; returns what became of them.
    pub fn spill_rest(&self, deadline: Instant) -> Spilled {
        let rest = self.lock().buffer.drain_all();
        let outcome = self.spiller.write(&rest, Some(deadline));
        self.count(outcome);
        outcome
    }

    /// Whether events are spilled rather than dropped.
    pub fn spills(&self) -> bool {
        self.spiller.enabled()
    }

    /// Runs `action` on the buffer.
    pub fn with_buffer<T>(&self, action: impl FnOnce(&mut Buffer) -> T) -> T {
        action(&mut self.lock().buffer)
    }

    /// Events buffered.
    pub fn len(&self) -> usize {
        self.lock().buffer.len()
    }

    /// Bytes buffered.
    pub fn bytes(&self) -> usize {
        self.lock().buffer.bytes()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.lock().buffer.is_empty()
    }

    /// Drop counters.
    pub fn drops(&self) -> Drops {
        self.lock().drops
    }

    /// Resolves when events were added since the last call (one waiter: the dispatcher).
    pub async fn pushed(&self) {
        self.pushed.notified().await;
    }

    /// Resolves when a SnapStart restore was seen (`platform.restore*` events) since the
    /// last call (one waiter: the dispatcher).
    pub async fn restored(&self) {
        self.restored.notified().await;
    }

    /// Since when events have been waiting (`None` when the buffer is empty).
    pub fn waiting_since(&self) -> Option<Instant> {
        let mut inner = self.lock();
        if inner.buffer.is_empty() {
            inner.filled_since = None;
        }
        inner.filled_since
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
mod tests;
