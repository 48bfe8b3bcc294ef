//! How long to wait before the next PutRecords attempt: a call that acknowledged records
//! made progress and does not make the wait grow; only a call that acknowledged nothing
//! does. Near a deadline, waits are cut so that many short attempts fit in the time left
//! rather than one long wait.

use std::time::Duration;

/// First retry delay.
pub const BASE: Duration = Duration::from_millis(50);
/// Largest delay.
pub const MAX: Duration = Duration::from_secs(2);
/// Near a deadline, a wait is at most this fraction of the time left.
pub const DEADLINE_FRACTION: u32 = 8;

/// What a call achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every record acknowledged.
    Delivered,
    /// Some records acknowledged, some failed (a throttled shard).
    Progress,
    /// Nothing acknowledged (an error, a timeout, or every entry failed).
    Nothing,
}

/// Retry delays: `BASE * 2^level` capped at [`MAX`], with "equal jitter" (a random point
/// in the upper half), so retries neither synchronise nor shrink to zero.
#[derive(Debug, Default, Clone)]
pub struct Backoff {
    level: u32,
}

impl Backoff {
    /// The wait before the next attempt after a call with `outcome`.
    pub fn after(&mut self, outcome: Outcome) -> Duration {
        match outcome {
            Outcome::Delivered => {
                self.level = 0;
                Duration::ZERO
            }
            Outcome::Progress => self.delay(),
            Outcome::Nothing => {
                let delay = self.delay();
                self.level = self.level.saturating_add(1);
                delay
            }
        }
    }

    fn delay(&self) -> Duration {
        let ceiling = BASE.saturating_mul(1u32 << self.level.min(16)).min(MAX);
        let half = ceiling / 2;
        half + half.mul_f64(rand::random::<f64>())
    }
}

/// `wait`, cut to leave room for several attempts when only `remaining` is left.
pub fn within(wait: Duration, remaining: Duration) -> Duration {
    wait.min(remaining / DEADLINE_FRACTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_only_without_progress() {
        let mut backoff = Backoff::default();
        let first = backoff.after(Outcome::Nothing);
        assert!(first >= BASE / 2 && first <= BASE);
        for _ in 0..3 {
            backoff.after(Outcome::Nothing);
        }
        let grown = backoff.after(Outcome::Progress);
        assert!(grown >= BASE * 8 && grown <= BASE * 16, "{grown:?}");
        // Progress holds the level: the wait does not keep growing.
        for _ in 0..10 {
            assert!(backoff.after(Outcome::Progress) <= BASE * 16);
        }
        for _ in 0..20 {
            assert!(backoff.after(Outcome::Nothing) <= MAX);
        }
        assert!(backoff.after(Outcome::Nothing) >= MAX / 2);
        assert_eq!(backoff.after(Outcome::Delivered), Duration::ZERO);
        assert!(backoff.after(Outcome::Progress) <= BASE);
    }

    #[test]
    fn near_a_deadline_waits_are_a_fraction_of_the_time_left() {
        assert_eq!(
            within(MAX, Duration::from_millis(800)),
            Duration::from_millis(100)
        );
        assert_eq!(within(BASE, Duration::from_secs(60)), BASE);
    }
}
