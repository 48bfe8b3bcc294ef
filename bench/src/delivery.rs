//! What reached the Kinesis stand-in: events (KPL records de-aggregated), records, calls,
//! PUT payload units, and when.

use serde::Serialize;
use std::time::Duration;
use telemetry_kinesis_contract::kpl;
use telemetry_kinesis_contract::limits::put_payload_units;
use test_support::fake_kinesis::{AcceptedRecord, Counters, FakeKinesis};
use tokio::time::Instant;

/// Totals over accepted records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Telemetry events (user records inside KPL aggregates counted one by one).
    pub events: u64,
    /// Kinesis records.
    pub records: u64,
    /// Bytes of data and partition keys.
    pub bytes: u64,
    /// PUT payload units.
    pub payload_units: u64,
}

impl Tally {
    /// What a stand-in counted (see [`Counters`]).
    pub fn from_counters(counters: &Counters) -> Self {
        Self {
            events: counters.user_records_accepted,
            records: counters.entries_accepted,
            bytes: counters.bytes_accepted,
            payload_units: counters.payload_units_accepted,
        }
    }

    /// PUT payload units per 1,000 events.
    pub fn units_per_thousand(&self) -> Option<f64> {
        (self.events > 0).then(|| self.payload_units as f64 * 1000.0 / self.events as f64)
    }

    /// Adds `records`.
    pub fn add(&mut self, records: &[AcceptedRecord]) {
        for record in records {
            self.events += events_in(record).len() as u64;
            self.records += 1;
            let size = record.data.len() + record.partition_key.len();
            self.bytes += size as u64;
            self.payload_units += put_payload_units(size) as u64;
        }
    }
}

/// The event payloads one record holds: itself, or its de-aggregated user records.
pub fn events_in(record: &AcceptedRecord) -> Vec<Vec<u8>> {
    match kpl::decode(&record.partition_key, &record.data) {
        Ok(users) => users.into_iter().map(|(_, data)| data).collect(),
        Err(_) => vec![record.data.clone()],
    }
}

/// Drains the stand-in whenever it accepts records, until `deadline` or until `step`
/// (which sees every drained lot, possibly empty, with the moment it was taken) returns
/// true. Returns whether `step` did.
pub async fn drain(
    kinesis: &FakeKinesis,
    deadline: Instant,
    mut step: impl FnMut(Instant, Vec<AcceptedRecord>) -> bool,
) -> bool {
    loop {
        if step(Instant::now(), kinesis.take_records()) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        let next = usize::try_from(kinesis.accepted()).unwrap_or(usize::MAX) + 1;
        let wait = (deadline - now).min(Duration::from_secs(1));
        let _ = kinesis.wait_for_records(next, wait).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn record(data: Vec<u8>) -> AcceptedRecord {
        AcceptedRecord {
            stream: "s".into(),
            partition_key: "key".into(),
            data,
        }
    }

    #[test]
    fn counts_plain_and_aggregated_records_and_units() {
        let mut aggregator = kpl::Aggregator::default();
        for index in 0..3 {
            aggregator.push("key", format!("event {index}").as_bytes());
        }
        let aggregated = aggregator.finish().to_vec();
        let mut tally = Tally::default();
        tally.add(&[
            record(b"{}".to_vec()),
            record(aggregated),
            record(vec![b'x'; 30_000]),
        ]);
        assert_eq!(tally.events, 5);
        assert_eq!(tally.records, 3);
        assert_eq!(tally.payload_units, 1 + 1 + 2);
    }
}
