//! The self-telemetry record that reports drops (and spills), as an event of type
//! [`DROPS_EVENT_TYPE`](crate::names::DROPS_EVENT_TYPE):
//! `{"dropped": {...since the previous report}, "total": {...}}`.

use serde::{Deserialize, Serialize};

/// Counts of what the extension could not keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drops {
    /// Events evicted (or refused) because the buffer was full.
    pub buffer_full: u64,
    /// Batches the listener could not parse at all.
    pub malformed_batches: u64,
    /// Elements of a batch that were not events (or not UTF-8).
    pub invalid_events: u64,
    /// Events that could not be delivered and were written to the extension's output
    /// instead (spilled: `deployer recover` re-sends them), so not lost.
    #[serde(default)]
    pub spilled: u64,
}

impl Drops {
    /// Whether nothing was dropped.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// Counts since `earlier` (an earlier reading of the same counters).
    pub fn since(&self, earlier: &Self) -> Self {
        Self {
            buffer_full: self.buffer_full.saturating_sub(earlier.buffer_full),
            malformed_batches: self
                .malformed_batches
                .saturating_sub(earlier.malformed_batches),
            invalid_events: self.invalid_events.saturating_sub(earlier.invalid_events),
            spilled: self.spilled.saturating_sub(earlier.spilled),
        }
    }
}

/// The record of a drops event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropsRecord {
    /// Since the previous report.
    pub dropped: Drops,
    /// Since the extension started.
    pub total: Drops,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn record_shape_and_deltas() {
        let total = Drops {
            buffer_full: 5,
            malformed_batches: 1,
            invalid_events: 3,
            spilled: 4,
        };
        let earlier = Drops {
            buffer_full: 2,
            ..Drops::default()
        };
        let record = DropsRecord {
            dropped: total.since(&earlier),
            total,
        };
        assert_eq!(
            serde_json::to_value(record).unwrap(),
            serde_json::json!({
                "dropped": {"bufferFull": 3, "malformedBatches": 1, "invalidEvents": 3, "spilled": 4},
                "total": {"bufferFull": 5, "malformedBatches": 1, "invalidEvents": 3, "spilled": 4}
            })
        );
        assert!(!record.dropped.is_zero());
        assert!(Drops::default().is_zero());
    }
}
