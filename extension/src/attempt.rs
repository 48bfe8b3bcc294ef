//! How long one PutRecords attempt may take: long enough for a slow but working Kinesis
//! (a call cut short is re-sent whole and stores its records twice), short enough that a
//! dead connection is given up soon. It starts at [`MIN`], doubles after every timeout up
//! to [`MAX`], and follows the observed latency (four times its moving average, within the
//! bounds) after every answer.

use std::time::Duration;

/// Shortest attempt timeout.
pub const MIN: Duration = Duration::from_secs(3);
/// Longest attempt timeout.
pub const MAX: Duration = Duration::from_secs(30);
/// The timeout is this many times the average latency.
const LATENCY_FACTOR: u32 = 4;

/// The adaptive attempt timeout.
#[derive(Debug, Clone)]
pub struct AttemptTimeout {
    current: Duration,
    average: Option<Duration>,
}

impl Default for AttemptTimeout {
    fn default() -> Self {
        Self {
            current: MIN,
            average: None,
        }
    }
}

impl AttemptTimeout {
    /// The bound for the next attempt.
    pub fn get(&self) -> Duration {
        self.current
    }

    /// An attempt was answered (successfully or not) after `latency`.
    pub fn answered(&mut self, latency: Duration) {
        let average = match self.average {
            Some(average) => average.mul_f64(0.75) + latency.mul_f64(0.25),
            None => latency,
        };
        self.average = Some(average);
        self.current = average.saturating_mul(LATENCY_FACTOR).clamp(MIN, MAX);
    }

    /// An attempt was cut at the bound.
    pub fn timed_out(&mut self) {
        self.current = self.current.saturating_mul(2).min(MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_after_timeouts_and_follows_latency() {
        let mut timeout = AttemptTimeout::default();
        assert_eq!(timeout.get(), MIN);
        timeout.answered(Duration::from_millis(20));
        assert_eq!(timeout.get(), MIN);
        timeout.timed_out();
        assert_eq!(timeout.get(), MIN * 2);
        // Every answer takes 4 s: the next attempts wait long enough.
        timeout.answered(Duration::from_secs(4));
        assert!(timeout.get() > Duration::from_secs(4));
        for _ in 0..10 {
            timeout.timed_out();
        }
        assert_eq!(timeout.get(), MAX);
        for _ in 0..20 {
            timeout.answered(Duration::from_millis(50));
        }
        assert_eq!(timeout.get(), MIN);
    }
}
