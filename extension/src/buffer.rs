//! The in-memory buffer: events wait here until Kinesis acknowledges them. A prefix can be
//! checked out for sending; checked-out events are never evicted and leave only when
//! acknowledged, or go back to the front, in order, when not. It counts its bytes the way
//! they are allocated; the memory budget (see `ingest.rs`) decides when to evict.

use std::collections::VecDeque;
use std::ops::Range;

use crate::record::Item;

/// Bytes an event costs beyond its data: its queue slot (which the queue may hold twice
/// over after growing), the shared reference to its partition key, the data's allocation
/// header and the reference count a send adds. The cap bounds real memory, not just
/// payload bytes.
pub const ITEM_OVERHEAD_BYTES: usize = 160;

/// The buffered events, oldest first.
#[derive(Debug, Default)]
pub struct Buffer {
    slots: VecDeque<Item>,
    bytes: usize,
    checked_out: usize,
}

/// What an event costs in the buffer.
pub fn cost(item: &Item) -> usize {
    item.data.len() + ITEM_OVERHEAD_BYTES
}

impl Buffer {
    /// Appends an event.
    pub fn push(&mut self, item: Item) {
        self.bytes += cost(&item);
        self.slots.push_back(item);
    }

    /// Removes the oldest events not checked out until the buffer holds at most `limit`
    /// bytes (or nothing evictable is left); returns them, oldest first.
    pub fn evict_to(&mut self, limit: usize) -> Vec<Item> {
        let mut evicted = Vec::new();
        while self.bytes > limit && self.slots.len() > self.checked_out {
            let Some(item) = self.slots.remove(self.checked_out) else {
                break;
            };
            self.bytes -= cost(&item);
            evicted.push(item);
        }
        evicted
    }

    /// Removes every event, checked out ones included (the end: a call still in flight
    /// is abandoned), oldest first.
    pub fn drain_all(&mut self) -> Vec<Item> {
        self.checked_out = 0;
        self.bytes = 0;
        self.slots.drain(..).collect()
    }

    /// Checks out a prefix of the buffer: `plan` sees the events in order and returns a
    /// value and how many of them it took. Nothing else may be checked out meanwhile; the
    /// prefix keeps its positions until [`Self::complete`].
    pub fn check_out<T>(
        &mut self,
        plan: impl FnOnce(&mut dyn Iterator<Item = &Item>) -> (T, usize),
    ) -> T {
        let mut events = self.slots.iter();
        let (value, taken) = plan(&mut events);
        self.checked_out = taken.min(self.slots.len());
        value
    }

    /// Ends a check-out: the events at the `acknowledged` positions (ascending ranges)
    /// leave, the others stay at the front, in order.
    pub fn complete(&mut self, acknowledged: &[Range<usize>]) {
        let mut ranges = acknowledged.iter().peekable();
        let mut kept = VecDeque::new();
        for position in 0..self.checked_out {
            let Some(item) = self.slots.pop_front() else {
                break;
            };
            while ranges.next_if(|range| range.end <= position).is_some() {}
            if ranges.peek().is_some_and(|range| range.contains(&position)) {
                self.bytes -= cost(&item);
            } else {
                kept.push_back(item);
            }
        }
        while let Some(item) = kept.pop_back() {
            self.slots.push_front(item);
        }
        self.checked_out = 0;
        if self.slots.is_empty() {
            // A burst can leave a large, empty queue behind: give the memory back.
            self.slots.shrink_to_fit();
        }
    }

    /// Events buffered (checked out ones included).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no event is buffered.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bytes accounted (see [`ITEM_OVERHEAD_BYTES`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use bytes::Bytes;

    fn item(size: usize) -> Item {
        Item {
            partition_key: "k".into(),
            data: Bytes::from(vec![0; size]),
            own: false,
        }
    }

    const UNIT: usize = 1000 - ITEM_OVERHEAD_BYTES; // costs exactly 1000 bytes

    /// Checks out up to `count` events; returns their labels (the first data byte).
    fn take(buffer: &mut Buffer, count: usize) -> Vec<u64> {
        buffer.check_out(|events| {
            let taken: Vec<u64> = events
                .take(count)
                .map(|item| u64::from(item.data[0]))
                .collect();
            let len = taken.len();
            (taken, len)
        })
    }

    fn labelled(label: u8) -> Item {
        let mut data = vec![0; UNIT];
        data[0] = label;
        Item {
            data: Bytes::from(data),
            ..item(0)
        }
    }

    fn filled(count: u8) -> Buffer {
        let mut buffer = Buffer::default();
        for label in 0..count {
            buffer.push(labelled(label));
        }
        buffer
    }

    #[test]
    fn evicts_the_oldest_down_to_the_limit() {
        let mut buffer = filled(25);
        assert_eq!(buffer.bytes(), 25_000);
        let evicted = buffer.evict_to(10_000);
        assert_eq!(evicted.len(), 15);
        assert_eq!(buffer.len(), 10);
        assert_eq!(buffer.bytes(), 10_000);
        assert_eq!(take(&mut buffer, 100), (15..25).collect::<Vec<_>>());
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn checked_out_events_are_not_evicted() {
        let mut buffer = filled(5);
        assert_eq!(take(&mut buffer, 2), vec![0, 1]);
        assert_eq!(buffer.evict_to(0).len(), 3);
        assert_eq!(buffer.bytes(), 2_000);
        buffer.complete(&[1..2]);
        buffer.push(labelled(5));
        assert_eq!(take(&mut buffer, 10), vec![0, 5]);
        buffer.complete(&[0..2]);
        assert!(buffer.is_empty());
        assert_eq!(buffer.bytes(), 0);
    }

    #[test]
    fn failed_events_stay_in_order_at_the_front() {
        let mut buffer = filled(6);
        take(&mut buffer, 4);
        buffer.complete(&[0..1, 2..3]);
        assert_eq!(take(&mut buffer, 10), vec![1, 3, 4, 5]);
        buffer.complete(&[]);
        assert_eq!(buffer.len(), 4);
        take(&mut buffer, 1);
        assert_eq!(buffer.drain_all().len(), 4);
        assert_eq!(buffer.bytes(), 0);
        buffer.complete(&[]);
        assert!(buffer.is_empty());
    }
}
