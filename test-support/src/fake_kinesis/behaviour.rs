//! How the stand-in answers a call, and which entries of an answered call fail.

use std::time::Duration;

/// Per-entry error codes Kinesis reports in a partial failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryError {
    /// `ProvisionedThroughputExceededException` (throttling).
    Throttled,
    /// `InternalFailure`.
    InternalFailure,
}

impl EntryError {
    /// The code on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Self::Throttled => "ProvisionedThroughputExceededException",
            Self::InternalFailure => "InternalFailure",
        }
    }
}

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Accept every record at once.
    Healthy,
    /// HTTP 200 with `FailedRecordCount > 0`: every `every`-th entry (counted across
    /// calls, so retried entries eventually pass) fails with `error`.
    PartialFailure {
        /// Period of failing entries (1 fails all of them).
        every: u64,
        /// The error code.
        error: EntryError,
    },
    /// HTTP 200 with `percent` of the entries of every call failing with `error`, spread
    /// over the call (a hot shard): a retried entry may fail again.
    FailPercent {
        /// Share of entries that fail, 0-100.
        percent: u8,
        /// The error code.
        error: EntryError,
    },
    /// Answer every call with this HTTP status (500, 503, ...) and no record accepted.
    Status(u16),
    /// Never answer (until the behaviour changes; the held calls then get HTTP 503).
    Stall,
    /// Store every record at once, as Kinesis commits them, but answer only after this
    /// delay: a client that gives up sooner does not know they were stored.
    Slow(Duration),
    /// Stop listening and close open connections: connections are refused.
    Refuse,
}

impl Behaviour {
    /// Whether the entry numbered `index` (counted over the stand-in's life) fails, and how.
    pub fn entry_error(self, index: u64) -> Option<EntryError> {
        match self {
            Self::PartialFailure { every, error } if index.is_multiple_of(every.max(1)) => {
                Some(error)
            }
            // A fixed permutation of 0..100 spreads failures over the call.
            Self::FailPercent { percent, error } if (index * 37) % 100 < u64::from(percent) => {
                Some(error)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_percent_fails_that_share_of_every_hundred_entries() {
        let behaviour = Behaviour::FailPercent {
            percent: 30,
            error: EntryError::Throttled,
        };
        for start in [0u64, 7, 1234] {
            let failed = (start..start + 100)
                .filter(|index| behaviour.entry_error(*index).is_some())
                .count();
            assert_eq!(failed, 30);
        }
        let every_third = Behaviour::PartialFailure {
            every: 3,
            error: EntryError::InternalFailure,
        };
        assert_eq!(
            every_third.entry_error(3),
            Some(EntryError::InternalFailure)
        );
        assert_eq!(every_third.entry_error(4), None);
        assert_eq!(Behaviour::Healthy.entry_error(0), None);
    }
}
