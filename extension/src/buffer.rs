//! The in-memory buffer: events wait here until Kinesis acknowledges them. It is capped
//! in bytes; past the cap the oldest events not currently being sent are dropped, and
//! every drop is counted exactly, by reason.

use std::collections::VecDeque;

pub use telemetry_kinesis_contract::drops::Drops;

use crate::record::Item;

/// Bytes an event costs beyond its data and partition key (queue slot, headers,
/// allocator rounding), so the cap bounds real memory, not just payload bytes.
pub const ITEM_OVERHEAD_BYTES: usize = 128;

#[derive(Debug)]
struct Slot {
    sequence: u64,
    item: Item,
}

/// Byte-capped FIFO of events. A prefix of it can be checked out for sending; checked
/// out events are never evicted and leave only when acknowledged.
#[derive(Debug)]
pub struct Buffer {
    slots: VecDeque<Slot>,
    bytes: usize,
    cap: usize,
    next_sequence: u64,
    checked_out: usize,
    drops: Drops,
}

fn cost(item: &Item) -> usize {
    item.data.len() + item.partition_key.len() + ITEM_OVERHEAD_BYTES
}

impl Buffer {
    /// An empty buffer holding at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self {
            slots: VecDeque::new(),
            bytes: 0,
            cap,
            next_sequence: 0,
            checked_out: 0,
            drops: Drops::default(),
        }
    }

    /// Appends an event, evicting the oldest events not checked out while over the cap.
    /// If it still does not fit, the new event itself is dropped. Returns whether kept.
    pub fn push(&mut self, item: Item) -> bool {
        let cost = cost(&item);
        while self.bytes + cost > self.cap && self.slots.len() > self.checked_out {
            if let Some(evicted) = self.slots.remove(self.checked_out) {
                self.bytes -= self::cost(&evicted.item);
                self.count_full(&evicted.item);
            }
        }
        if self.bytes + cost > self.cap {
            self.count_full(&item);
            return false;
        }
        self.bytes += cost;
        self.slots.push_back(Slot {
            sequence: self.next_sequence,
            item,
        });
        self.next_sequence += 1;
        true
    }

    /// Counts a Telemetry API event lost to the cap. The extension's own drop reports
    /// are not counted: each carries the running totals, so a later one replaces it.
    fn count_full(&mut self, item: &Item) {
        if !item.own {
            self.drops.buffer_full += 1;
        }
    }

    /// Checks out a prefix of the buffer: `plan` sees the events in order and returns a
    /// value and how many of them it took. Nothing else may be checked out meanwhile.
    pub fn check_out<T>(
        &mut self,
        plan: impl FnOnce(&mut dyn Iterator<Item = (u64, &Item)>) -> (T, usize),
    ) -> T {
        let mut events = self.slots.iter().map(|slot| (slot.sequence, &slot.item));
        let (value, taken) = plan(&mut events);
        self.checked_out = taken.min(self.slots.len());
        value
    }

    /// Ends a check-out: the acknowledged events leave, the others stay at the front.
    pub fn complete(&mut self, acknowledged: &[u64]) {
        let mut acknowledged: Vec<u64> = acknowledged.to_vec();
        acknowledged.sort_unstable();
        let mut kept = VecDeque::with_capacity(self.checked_out);
        for _ in 0..self.checked_out {
            let Some(slot) = self.slots.pop_front() else {
                break;
            };
            if acknowledged.binary_search(&slot.sequence).is_ok() {
                self.bytes -= cost(&slot.item);
            } else {
                kept.push_back(slot);
            }
        }
        while let Some(slot) = kept.pop_back() {
            self.slots.push_front(slot);
        }
        self.checked_out = 0;
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
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The byte cap.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Drop counters.
    pub fn drops(&self) -> Drops {
        self.drops
    }

    /// Counts a batch that could not be parsed.
    pub fn count_malformed_batch(&mut self) {
        self.drops.malformed_batches += 1;
    }

    /// Counts batch elements that were not events.
    pub fn count_invalid_events(&mut self, count: usize) {
        self.drops.invalid_events += count as u64;
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

    const UNIT: usize = 1000 - 1 - ITEM_OVERHEAD_BYTES; // costs exactly 1000 bytes

    fn take(buffer: &mut Buffer, count: usize) -> Vec<u64> {
        buffer.check_out(|events| {
            let taken: Vec<u64> = events.take(count).map(|(sequence, _)| sequence).collect();
            let len = taken.len();
            (taken, len)
        })
    }

    #[test]
    fn drops_oldest_past_the_cap_and_counts_exactly() {
        let mut buffer = Buffer::new(10_000);
        for _ in 0..25 {
            assert!(buffer.push(item(UNIT)));
        }
        assert_eq!(buffer.len(), 10);
        assert_eq!(buffer.bytes(), 10_000);
        assert_eq!(buffer.drops().buffer_full, 15);
        let sequences = take(&mut buffer, 100);
        assert_eq!(sequences, (15..25).collect::<Vec<_>>());
    }

    #[test]
    fn checked_out_events_are_not_evicted() {
        let mut buffer = Buffer::new(5_000);
        for _ in 0..5 {
            buffer.push(item(UNIT));
        }
        assert_eq!(take(&mut buffer, 2), vec![0, 1]);
        for _ in 0..4 {
            buffer.push(item(UNIT));
        }
        assert_eq!(buffer.drops().buffer_full, 4);
        buffer.complete(&[1]);
        assert_eq!(take(&mut buffer, 10), vec![0, 6, 7, 8]);
        buffer.complete(&[0, 6, 7, 8]);
        assert!(buffer.is_empty());
        assert_eq!(buffer.bytes(), 0);
    }

    #[test]
    fn an_event_that_cannot_fit_is_dropped_itself() {
        let mut buffer = Buffer::new(2_000);
        buffer.push(item(UNIT));
        buffer.push(item(UNIT));
        take(&mut buffer, 2);
        assert!(!buffer.push(item(UNIT)));
        assert!(!buffer.push(item(5_000)));
        assert_eq!(buffer.drops().buffer_full, 2);
        assert_eq!(buffer.len(), 2);
    }

    #[test]
    fn failed_events_stay_in_order_at_the_front() {
        let mut buffer = Buffer::new(100_000);
        for _ in 0..6 {
            buffer.push(item(10));
        }
        take(&mut buffer, 4);
        buffer.complete(&[0, 2]);
        assert_eq!(take(&mut buffer, 10), vec![1, 3, 4, 5]);
        buffer.complete(&[]);
        assert_eq!(buffer.len(), 4);
    }

    #[test]
    fn own_reports_evicted_are_not_counted_as_telemetry_drops() {
        let mut buffer = Buffer::new(2_000);
        buffer.push(Item {
            own: true,
            ..item(UNIT)
        });
        buffer.push(item(UNIT));
        buffer.push(item(UNIT));
        assert_eq!(buffer.drops().buffer_full, 0);
        buffer.push(item(UNIT));
        assert_eq!(buffer.drops().buffer_full, 1);
    }

    #[test]
    fn drop_deltas() {
        let mut buffer = Buffer::new(10);
        let before = buffer.drops();
        buffer.count_malformed_batch();
        buffer.count_invalid_events(3);
        buffer.push(item(100));
        let delta = buffer.drops().since(&before);
        assert_eq!(
            delta,
            Drops {
                buffer_full: 1,
                malformed_batches: 1,
                invalid_events: 3
            }
        );
        assert!(!delta.is_zero());
    }
}
