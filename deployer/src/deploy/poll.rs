//! Our own poll schedule. The SDK's CloudFormation waiters start at 30 s between polls, which
//! makes a small stack feel stuck; we poll every second at first and back off to five.

use std::time::Duration;

/// Poll intervals and how long each phase may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollSettings {
    /// The first interval.
    pub initial: Duration,
    /// The interval never grows beyond this.
    pub max: Duration,
    /// How long a change set may take to be computed.
    pub change_set_timeout: Duration,
    /// How long a stack create, update or delete may take.
    pub stack_timeout: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(5),
            change_set_timeout: Duration::from_secs(10 * 60),
            stack_timeout: Duration::from_secs(60 * 60),
        }
    }
}

/// The growing interval between polls: each is half as long again as the last, up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    /// A schedule starting at `settings.initial`.
    pub fn new(settings: &PollSettings) -> Self {
        Self {
            next: settings.initial.min(settings.max),
            max: settings.max,
        }
    }

    /// The interval to sleep now; the one after is longer.
    pub fn next_interval(&mut self) -> Duration {
        let current = self.next;
        self.next = (current + current / 2).min(self.max);
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_by_half_up_to_the_max() {
        let mut backoff = Backoff::new(&PollSettings::default());
        let intervals: Vec<u128> = (0..7)
            .map(|_| backoff.next_interval().as_millis())
            .collect();
        assert_eq!(intervals, [1000, 1500, 2250, 3375, 5000, 5000, 5000]);
    }

    #[test]
    fn an_initial_above_the_max_is_capped() {
        let settings = PollSettings {
            initial: Duration::from_secs(9),
            ..PollSettings::default()
        };
        assert_eq!(
            Backoff::new(&settings).next_interval(),
            Duration::from_secs(5)
        );
    }
}
