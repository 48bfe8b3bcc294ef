//! Exponential backoff with jitter for Kinesis retries.

use std::time::Duration;

/// First retry delay.
pub const BASE: Duration = Duration::from_millis(50);
/// Largest delay.
pub const MAX: Duration = Duration::from_secs(2);

/// Retry delays: `BASE * 2^failures` capped at [`MAX`], with "equal jitter" (a random
/// point in the upper half), so retries neither synchronise nor shrink to zero.
#[derive(Debug, Default, Clone)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// The delay before the next attempt after one more failure.
    pub fn fail(&mut self) -> Duration {
        let ceiling = BASE.saturating_mul(1u32 << self.failures.min(16)).min(MAX);
        self.failures = self.failures.saturating_add(1);
        let half = ceiling / 2;
        half + half.mul_f64(rand::random::<f64>())
    }

    /// Forgets past failures after a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_with_jitter_and_resets() {
        let mut backoff = Backoff::default();
        let delays: Vec<Duration> = (0..10).map(|_| backoff.fail()).collect();
        assert!(delays[0] >= BASE / 2 && delays[0] <= BASE);
        assert!(delays[3] >= BASE * 4 && delays[3] <= BASE * 8);
        assert!(
            delays
                .iter()
                .all(|delay| *delay <= MAX && *delay >= BASE / 2)
        );
        assert!(delays[9] >= MAX / 2);
        backoff.reset();
        assert!(backoff.fail() <= BASE);
    }
}
