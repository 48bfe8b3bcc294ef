//! The summary `deployer logs` prints on stderr at the end: how many events, of which
//! types, how many records did not decode, and the lag between an event's time and its
//! arrival on the stream (what the extension's buffering and flushing cost).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::event::StoredEvent;

/// Counts of what was shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Events shown.
    pub events: usize,
    /// Events shown, per type.
    pub per_type: BTreeMap<String, usize>,
    /// Records (or aggregated user records) skipped because they did not decode.
    pub undecodable: usize,
    /// Arrival time minus event time, per event that has both (negative with clock skew).
    lags_ms: Vec<i64>,
}

/// Minimum, median and maximum of the lags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LagStats {
    /// Smallest lag, in milliseconds.
    pub min_ms: i64,
    /// Median lag, in milliseconds.
    pub median_ms: i64,
    /// Largest lag, in milliseconds.
    pub max_ms: i64,
}

impl Summary {
    /// Counts a shown event.
    pub fn record(&mut self, event: &StoredEvent) {
        self.events += 1;
        *self.per_type.entry(event.payload.kind.clone()).or_default() += 1;
        if let (Some(arrival), Some(time)) = (event.arrival, event.event_time()) {
            let lag = arrival - time;
            let millis = i64::try_from(lag.whole_milliseconds()).unwrap_or(i64::MAX);
            self.lags_ms.push(millis);
        }
    }

    /// Counts a record that did not decode.
    pub fn record_undecodable(&mut self) {
        self.undecodable += 1;
    }

    /// The lag statistics, if any event had both times.
    pub fn lag(&self) -> Option<LagStats> {
        let mut sorted = self.lags_ms.clone();
        sorted.sort_unstable();
        Some(LagStats {
            min_ms: *sorted.first()?,
            median_ms: sorted[sorted.len() / 2],
            max_ms: *sorted.last()?,
        })
    }
}

fn show_ms(millis: i64) -> String {
    if millis.unsigned_abs() < 1000 {
        format!("{millis} ms")
    } else {
        let duration = Duration::from_millis(millis.unsigned_abs());
        let sign = if millis < 0 { "-" } else { "" };
        format!("{sign}{:.1} s", duration.as_secs_f64())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = if self.events == 1 { "event" } else { "events" };
        write!(f, "{} {noun}", self.events)?;
        if !self.per_type.is_empty() {
            let types: Vec<String> = self
                .per_type
                .iter()
                .map(|(kind, count)| format!("{kind} {count}"))
                .collect();
            write!(f, " ({})", types.join(", "))?;
        }
        if self.undecodable > 0 {
            write!(f, "; {} undecodable records skipped", self.undecodable)?;
        }
        if let Some(lag) = self.lag() {
            write!(
                f,
                "; lag from event to arrival: min {}, median {}, max {}",
                show_ms(lag.min_ms),
                show_ms(lag.median_ms),
                show_ms(lag.max_ms)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::event::{Location, Payload};
    use serde_json::Value;
    use time::macros::datetime;

    fn event(kind: &str, time: &str, arrival: Option<time::OffsetDateTime>) -> StoredEvent {
        StoredEvent {
            location: Location {
                shard_id: "s".into(),
                sequence_number: "1".into(),
                subsequence: None,
            },
            partition_key: "k".into(),
            arrival,
            data: String::new(),
            payload: Payload::new(time, kind, Value::Null),
        }
    }

    #[test]
    fn empty() {
        assert_eq!(Summary::default().to_string(), "0 events");
    }

    #[test]
    fn counts_types_and_lag() {
        let mut summary = Summary::default();
        let arrival = Some(datetime!(2024-05-01 12:00:01 UTC));
        summary.record(&event("function", "2024-05-01T12:00:00.900Z", arrival));
        summary.record(&event("function", "2024-05-01T12:00:00.000Z", arrival));
        summary.record(&event(
            "platform.report",
            "2024-05-01T11:59:58.500Z",
            arrival,
        ));
        summary.record(&event("platform.start", "not a time", arrival));
        summary.record(&event("platform.start", "2024-05-01T12:00:00Z", None));
        summary.record_undecodable();
        assert_eq!(
            summary.lag(),
            Some(LagStats {
                min_ms: 100,
                median_ms: 1000,
                max_ms: 2500
            })
        );
        assert_eq!(
            summary.to_string(),
            "5 events (function 2, platform.report 1, platform.start 2); \
             1 undecodable records skipped; \
             lag from event to arrival: min 100 ms, median 1.0 s, max 2.5 s"
        );
    }

    #[test]
    fn one_event_and_clock_skew() {
        let mut summary = Summary::default();
        summary.record(&event(
            "function",
            "2024-05-01T12:00:02.500Z",
            Some(datetime!(2024-05-01 12:00:01 UTC)),
        ));
        assert_eq!(
            summary.to_string(),
            "1 event (function 1); lag from event to arrival: min -1.5 s, median -1.5 s, max -1.5 s"
        );
    }
}
