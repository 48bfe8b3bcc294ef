//! Plans one PutRecords call from the front of the buffer, within the Kinesis limits:
//! at most [`MAX_RECORDS_PER_CALL`] records and [`MAX_BYTES_PER_CALL`] bytes (data plus
//! partition keys) per call, at most [`MAX_RECORD_BYTES`] per record. Events larger
//! than a record were already truncated when received (see `record.rs`), so no single
//! event can fail a whole call.

use std::borrow::Cow;
use std::ops::Range;

use bytes::Bytes;
use telemetry_kinesis_contract::RecordFormat;
use telemetry_kinesis_contract::kpl::Aggregator;
use telemetry_kinesis_contract::limits::{
    MAX_BYTES_PER_CALL, MAX_RECORD_BYTES, MAX_RECORDS_PER_CALL,
};

use telemetry_kinesis_contract::stream::StreamTarget;

use crate::record::Item;
use crate::request_body;

/// One record of a PutRecords call and the buffered events it carries, borrowed from the
/// buffer where it is one event (`json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Partition key.
    pub partition_key: &'a str,
    /// Record data.
    pub data: Cow<'a, [u8]>,
    /// Positions, in the checked-out prefix of the buffer, of the events in this record.
    pub events: Range<usize>,
}

/// One PutRecords call, ready to send: its request body, and the events of each record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The request body (see `request_body.rs`).
    pub body: Bytes,
    /// Per record, in order, the positions of its events in the checked-out prefix.
    pub records: Vec<Range<usize>>,
}

/// Plans a call from `items` (see [`plan`]) and writes its request body to `stream`, while
/// the events are borrowed: nothing is copied but into the body. Returns the call and how
/// many events it holds.
pub fn call<'a>(
    format: RecordFormat,
    stream: &StreamTarget,
    items: impl IntoIterator<Item = &'a Item>,
    max_bytes: usize,
) -> (Call, usize) {
    let (entries, count) = plan(format, items, max_bytes);
    let call = Call {
        body: Bytes::from(request_body::put_records(stream, &entries)),
        records: entries.iter().map(|entry| entry.events.clone()).collect(),
    };
    (call, count)
}

impl Entry<'_> {
    /// Bytes this record counts for against the call limit.
    pub fn size(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }
}

/// Plans a call from `items` in buffer order, using at most `max_bytes` (capped at
/// [`MAX_BYTES_PER_CALL`]). Returns the records and how many events they hold: always a
/// prefix of `items`, and at least one event if any.
pub fn plan<'a>(
    format: RecordFormat,
    items: impl IntoIterator<Item = &'a Item>,
    max_bytes: usize,
) -> (Vec<Entry<'a>>, usize) {
    let max_bytes = max_bytes.min(MAX_BYTES_PER_CALL);
    match format {
        RecordFormat::Json => plan_json(items, max_bytes),
        RecordFormat::Kpl => plan_kpl(items, max_bytes),
    }
}

fn plan_json<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    max_bytes: usize,
) -> (Vec<Entry<'a>>, usize) {
    let mut entries: Vec<Entry<'a>> = Vec::new();
    let mut total = 0;
    for (position, item) in items.into_iter().enumerate() {
        let size = item.data.len() + item.partition_key.len();
        if entries.len() == MAX_RECORDS_PER_CALL
            || (!entries.is_empty() && total + size > max_bytes)
        {
            break;
        }
        total += size;
        entries.push(Entry {
            partition_key: &item.partition_key,
            data: Cow::Borrowed(&item.data),
            events: position..position + 1,
        });
    }
    let count = entries.len();
    (entries, count)
}

struct Open<'a> {
    partition_key: &'a str,
    aggregator: Aggregator,
    events: Range<usize>,
}

impl<'a> Open<'a> {
    fn new(partition_key: &'a str, first: usize) -> Self {
        Self {
            partition_key,
            aggregator: Aggregator::default(),
            events: first..first,
        }
    }

    fn size_with(&self, item: &Item) -> usize {
        self.aggregator.len_with(&item.partition_key, &item.data) + self.partition_key.len()
    }

    fn close(self) -> Entry<'a> {
        Entry {
            partition_key: self.partition_key,
            data: Cow::Owned(self.aggregator.finish()),
            events: self.events,
        }
    }
}

fn plan_kpl<'a>(
    items: impl IntoIterator<Item = &'a Item>,
    max_bytes: usize,
) -> (Vec<Entry<'a>>, usize) {
    let mut entries: Vec<Entry<'a>> = Vec::new();
    let mut closed_bytes = 0;
    let mut open: Option<Open<'a>> = None;
    let mut count = 0;
    for (position, item) in items.into_iter().enumerate() {
        let mut current = match open.take() {
            Some(current) if current.size_with(item) <= MAX_RECORD_BYTES => current,
            Some(full) => {
                let entry = full.close();
                closed_bytes += entry.size();
                entries.push(entry);
                Open::new(&item.partition_key, position)
            }
            None => Open::new(&item.partition_key, position),
        };
        let fits_call = entries.len() < MAX_RECORDS_PER_CALL
            && closed_bytes + current.size_with(item) <= max_bytes;
        if !fits_call && count > 0 {
            open = (!current.aggregator.is_empty()).then_some(current);
            break;
        }
        current.aggregator.push(&item.partition_key, &item.data);
        current.events.end = position + 1;
        count += 1;
        open = Some(current);
    }
    if let Some(current) = open.filter(|current| !current.aggregator.is_empty()) {
        entries.push(current.close());
    }
    (entries, count)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::Arc;
    use telemetry_kinesis_contract::kpl::decode;
    use telemetry_kinesis_contract::limits::MAX_PAYLOAD_BYTES;

    fn items(sizes: &[usize]) -> Vec<Item> {
        sizes
            .iter()
            .enumerate()
            .map(|(index, size)| Item {
                partition_key: Arc::from(format!("key-{}", index % 3)),
                data: Bytes::from(vec![b'x'; *size]),
                own: false,
            })
            .collect()
    }

    fn numbered(items: &[Item]) -> impl Iterator<Item = &Item> {
        items.iter()
    }

    #[test]
    fn json_stops_at_500_records() {
        let items = items(&[100; 1200]);
        let (entries, count) = plan(RecordFormat::Json, numbered(&items), MAX_BYTES_PER_CALL);
        assert_eq!((entries.len(), count), (500, 500));
        assert_eq!(entries[499].events, 499..500);
    }

    #[test]
    fn json_stops_at_5_mib() {
        let items = items(&[1_000_000; 8]);
        let (entries, count) = plan(RecordFormat::Json, numbered(&items), usize::MAX);
        assert_eq!(count, 5);
        assert!(entries.iter().map(Entry::size).sum::<usize>() <= MAX_BYTES_PER_CALL);
        let (_, count) = plan(RecordFormat::Json, numbered(&items), 2_500_000);
        assert_eq!(count, 2);
        // A byte budget smaller than one event still makes progress.
        let (_, count) = plan(RecordFormat::Json, numbered(&items), 10);
        assert_eq!(count, 1);
    }

    #[test]
    fn kpl_packs_records_up_to_1_mib_and_calls_up_to_5_mib() {
        let items = items(&[10_000; 2000]);
        let (entries, count) = plan(RecordFormat::Kpl, numbered(&items), MAX_BYTES_PER_CALL);
        assert!(count > 400 && count < 525, "{count}");
        assert!(entries.iter().all(|entry| entry.size() <= MAX_RECORD_BYTES));
        assert!(entries.iter().map(Entry::size).sum::<usize>() <= MAX_BYTES_PER_CALL);
        let mut next = 0u64;
        for entry in &entries {
            let decoded = decode(entry.partition_key, &entry.data).unwrap();
            assert_eq!(decoded.len(), entry.events.len());
            for ((key, data), position) in decoded.iter().zip(entry.events.clone()) {
                assert_eq!(position as u64, next);
                assert_eq!(key.as_str(), &*items[next as usize].partition_key);
                assert_eq!(data.len(), 10_000);
                next += 1;
            }
        }
        assert_eq!(next as usize, count);
    }

    #[test]
    fn kpl_small_events_share_one_record() {
        let items = items(&[300; 1000]);
        let (entries, count) = plan(RecordFormat::Kpl, numbered(&items), MAX_BYTES_PER_CALL);
        assert_eq!((entries.len(), count), (1, 1000));
    }

    #[test]
    fn kpl_near_limit_event_fits_alone() {
        let items = items(&[MAX_PAYLOAD_BYTES, 10, MAX_PAYLOAD_BYTES]);
        let (entries, count) = plan(RecordFormat::Kpl, numbered(&items), MAX_BYTES_PER_CALL);
        assert_eq!(count, 3);
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|entry| entry.size() <= MAX_RECORD_BYTES));
    }

    #[test]
    fn empty_input_plans_nothing() {
        let (entries, count) = plan(RecordFormat::Kpl, numbered(&[]), MAX_BYTES_PER_CALL);
        assert!(entries.is_empty());
        assert_eq!(count, 0);
    }
}
