//! One shard's read position and pace, without I/O: when to call GetRecords next (at
//! most five calls per second per shard, slower while idle or throttled), and where a
//! new iterator must point when the old one expired, so no record is lost or repeated.

use std::time::Duration;

use time::OffsetDateTime;

use super::since::StartPosition;

/// Kinesis allows five GetRecords calls per second per shard.
pub const MIN_CALL_INTERVAL: Duration = Duration::from_millis(200);
/// The longest wait between two polls of a shard with nothing new (`--follow`).
pub const MAX_IDLE_INTERVAL: Duration = Duration::from_secs(2);
/// The first wait after a throttling error.
pub const FIRST_THROTTLE_WAIT: Duration = Duration::from_millis(500);
/// The longest wait after repeated throttling errors.
pub const MAX_THROTTLE_WAIT: Duration = Duration::from_secs(10);

/// Where a new shard iterator points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IteratorStart {
    /// At the read's start position.
    Position(StartPosition),
    /// Right after the last record read.
    AfterSequence(String),
}

/// One shard's progress.
#[derive(Debug, Clone)]
pub struct Cursor {
    start: StartPosition,
    last_sequence: Option<String>,
    /// When the latest successful GetRecords was sent, while no record was read yet.
    last_empty_call: Option<OffsetDateTime>,
    idle_polls: u32,
    throttled: u32,
}

impl Cursor {
    /// A cursor at `start`.
    pub fn new(start: StartPosition) -> Self {
        Self {
            start,
            last_sequence: None,
            last_empty_call: None,
            idle_polls: 0,
            throttled: 0,
        }
    }

    /// Where the next new iterator must point: after the last record read; before any
    /// record, at the start position, except that a `LATEST` start becomes the time of
    /// the last call that found nothing (a fresh `LATEST` would skip what arrived since).
    pub fn resume(&self) -> IteratorStart {
        if let Some(sequence) = &self.last_sequence {
            return IteratorStart::AfterSequence(sequence.clone());
        }
        match (self.start, self.last_empty_call) {
            (StartPosition::Latest, Some(time)) => {
                IteratorStart::Position(StartPosition::AtTimestamp(time))
            }
            (start, _) => IteratorStart::Position(start),
        }
    }

    /// Takes in a successful GetRecords sent at `called_at` that returned `count` records,
    /// the last with `last_sequence`; returns how long after that call the next may go.
    /// `caught_up` (nothing returned and nothing behind) slows polling down.
    pub fn on_records(
        &mut self,
        count: usize,
        last_sequence: Option<&str>,
        caught_up: bool,
        called_at: OffsetDateTime,
    ) -> Duration {
        self.throttled = 0;
        if let Some(sequence) = last_sequence {
            self.last_sequence = Some(sequence.to_owned());
        } else if self.last_sequence.is_none() {
            self.last_empty_call = Some(called_at);
        }
        if count > 0 || !caught_up {
            self.idle_polls = 0;
            return MIN_CALL_INTERVAL;
        }
        let wait = MIN_CALL_INTERVAL.saturating_mul(2u32.saturating_pow(self.idle_polls));
        self.idle_polls = self.idle_polls.saturating_add(1);
        wait.min(MAX_IDLE_INTERVAL)
    }

    /// Takes in a throttling error; returns how long to wait before retrying.
    pub fn on_throttled(&mut self) -> Duration {
        let wait = FIRST_THROTTLE_WAIT.saturating_mul(2u32.saturating_pow(self.throttled));
        self.throttled = self.throttled.saturating_add(1);
        wait.min(MAX_THROTTLE_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2024-05-01 12:00:00 UTC);

    #[test]
    fn resume_before_any_record_uses_the_start() {
        for start in [
            StartPosition::TrimHorizon,
            StartPosition::AtTimestamp(T0),
            StartPosition::Latest,
        ] {
            assert_eq!(Cursor::new(start).resume(), IteratorStart::Position(start));
        }
    }

    #[test]
    fn resume_after_the_last_record_read() {
        let mut cursor = Cursor::new(StartPosition::Latest);
        cursor.on_records(3, Some("100"), false, T0);
        cursor.on_records(0, None, true, T0);
        assert_eq!(cursor.resume(), IteratorStart::AfterSequence("100".into()));
        cursor.on_records(1, Some("200"), true, T0);
        assert_eq!(cursor.resume(), IteratorStart::AfterSequence("200".into()));
    }

    #[test]
    fn latest_resumes_at_the_last_empty_call() {
        let mut cursor = Cursor::new(StartPosition::Latest);
        cursor.on_records(0, None, true, T0);
        let later = datetime!(2024-05-01 12:00:05 UTC);
        cursor.on_records(0, None, true, later);
        assert_eq!(
            cursor.resume(),
            IteratorStart::Position(StartPosition::AtTimestamp(later))
        );
        // Other starts stay: re-reading from them repeats nothing, since nothing was read.
        let mut cursor = Cursor::new(StartPosition::TrimHorizon);
        cursor.on_records(0, None, true, later);
        assert_eq!(
            cursor.resume(),
            IteratorStart::Position(StartPosition::TrimHorizon)
        );
    }

    #[test]
    fn idle_polls_back_off_and_data_resets() {
        let mut cursor = Cursor::new(StartPosition::Latest);
        let waits: Vec<u128> = (0..6)
            .map(|_| cursor.on_records(0, None, true, T0).as_millis())
            .collect();
        assert_eq!(waits, [200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(
            cursor.on_records(2, Some("1"), false, T0),
            MIN_CALL_INTERVAL
        );
        assert_eq!(cursor.on_records(0, None, true, T0), MIN_CALL_INTERVAL);
        // Behind (records exist further on) keeps the fastest allowed pace.
        for _ in 0..5 {
            assert_eq!(cursor.on_records(0, None, false, T0), MIN_CALL_INTERVAL);
        }
    }

    #[test]
    fn throttling_backs_off_until_a_success() {
        let mut cursor = Cursor::new(StartPosition::Latest);
        let waits: Vec<u128> = (0..7).map(|_| cursor.on_throttled().as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        cursor.on_records(0, None, false, T0);
        assert_eq!(cursor.on_throttled(), FIRST_THROTTLE_WAIT);
        for _ in 0..100 {
            assert!(cursor.on_throttled() <= MAX_THROTTLE_WAIT);
        }
    }
}
