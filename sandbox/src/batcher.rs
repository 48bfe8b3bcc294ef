//! The batching rule of a subscription: buffer serialized events and say when a batch is
//! due (full by items or bytes, or its timeout passed). Pure code: time is passed in.

use crate::subscription::Buffering;
use tokio::time::Instant;

/// Buffers serialized events and says when a batch is due.
#[derive(Debug)]
pub(crate) struct Batcher<T> {
    buffering: Buffering,
    events: Vec<T>,
    bytes: usize,
    first_at: Option<Instant>,
}

impl<T: AsRef<[u8]>> Batcher<T> {
    /// An empty batcher with these limits.
    pub(crate) fn new(buffering: Buffering) -> Self {
        Self {
            buffering,
            events: Vec::new(),
            bytes: 0,
            first_at: None,
        }
    }

    /// Adds an event; returns whether the batch is now full (items or bytes).
    pub(crate) fn push(&mut self, event: T, now: Instant) -> bool {
        self.bytes += event.as_ref().len();
        self.events.push(event);
        self.first_at.get_or_insert(now);
        self.events.len() >= self.buffering.max_items || self.bytes >= self.buffering.max_bytes
    }

    /// When the buffered batch must go out at the latest, if anything is buffered.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.first_at.map(|first| first + self.buffering.timeout)
    }

    /// Whether nothing is buffered.
    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Takes the buffered events as one JSON array body, leaving the batcher empty.
    pub(crate) fn take_body(&mut self) -> (usize, Vec<u8>) {
        let mut body = Vec::with_capacity(self.bytes + self.events.len() + 2);
        body.push(b'[');
        for (index, event) in self.events.iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            body.extend_from_slice(event.as_ref());
        }
        body.push(b']');
        let count = self.events.len();
        self.events.clear();
        self.bytes = 0;
        self.first_at = None;
        (count, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn batch_is_full_by_items_or_bytes_and_has_a_deadline() {
        let now = tokio::time::Instant::now();
        let mut batcher = Batcher::new(Buffering {
            max_items: 2,
            max_bytes: 10,
            timeout: Duration::from_millis(100),
        });
        assert!(batcher.deadline().is_none());
        assert!(!batcher.push(b"\"a\"".to_vec(), now));
        assert_eq!(batcher.deadline(), Some(now + Duration::from_millis(100)));
        assert!(batcher.push(b"\"b\"".to_vec(), now + Duration::from_millis(5)));
        assert_eq!(batcher.take_body(), (2, b"[\"a\",\"b\"]".to_vec()));
        assert!(batcher.is_empty() && batcher.deadline().is_none());
        assert!(batcher.push(b"\"0123456789\"".to_vec(), now), "bytes limit");
    }
}
