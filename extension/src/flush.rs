//! When to flush: the strategies, as a pure policy the run loop consults at each INVOKE.
//!
//! - `end`: after the invocation's `platform.runtimeDone` arrives, flush before calling
//!   `next`. Telemetry ships before the environment can freeze, at the cost of
//!   post-runtime duration (the runtimeDone delivery wait plus the PutRecords calls).
//! - `background`: call `next` at once; the dispatcher sends whenever events arrive,
//!   while the environment is thawed. Whatever is left waits for the next thaw or the
//!   SHUTDOWN flush. Post-runtime duration stays near zero.
//! - `adaptive` (default): background dispatch always; additionally an `end` flush when
//!   the function is invoked rarely (the previous INVOKE more than [`BUSY_GAP`] ago, or
//!   this is the first), so its telemetry is not left frozen for long, and when a busy
//!   function's buffer has not been drained for [`MAX_STALENESS`].

use std::time::Duration;

use tokio::time::Instant;

use crate::config::FlushStrategy;

/// Invocations closer than this count as a busy function.
pub const BUSY_GAP: Duration = Duration::from_secs(10);
/// A busy function still gets an `end` flush when the buffer was not drained this long.
pub const MAX_STALENESS: Duration = Duration::from_secs(30);
/// Time an `end` flush may take before `next` is called anyway; the rest stays buffered.
pub const END_FLUSH_BUDGET: Duration = Duration::from_secs(2);

/// What to do for one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvokePlan {
    /// Wait for this invocation's runtimeDone, then flush before calling `next`.
    pub flush_at_end: bool,
}

/// The flush policy's memory.
#[derive(Debug, Clone)]
pub struct FlushPolicy {
    strategy: FlushStrategy,
    last_invoke: Option<Instant>,
    last_drained: Option<Instant>,
}

impl FlushPolicy {
    /// A policy for `strategy`, starting at `now`.
    pub fn new(strategy: FlushStrategy, now: Instant) -> Self {
        Self {
            strategy,
            last_invoke: None,
            last_drained: Some(now),
        }
    }

    /// Whether the dispatcher sends as events arrive.
    pub fn background_dispatch(&self) -> bool {
        !matches!(self.strategy, FlushStrategy::End)
    }

    /// Decides for an INVOKE received at `now`.
    pub fn on_invoke(&mut self, now: Instant) -> InvokePlan {
        let previous = self.last_invoke.replace(now);
        let flush_at_end = match self.strategy {
            FlushStrategy::End => true,
            FlushStrategy::Background => false,
            FlushStrategy::Adaptive => {
                let rare = previous.is_none_or(|previous| now - previous > BUSY_GAP);
                let stale = self
                    .last_drained
                    .is_none_or(|drained| now - drained > MAX_STALENESS);
                rare || stale
            }
        };
        InvokePlan { flush_at_end }
    }

    /// Records that the buffer was found empty at `now` (after a flush or idle check).
    pub fn drained(&mut self, now: Instant) {
        self.last_drained = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(count: u64) -> Duration {
        Duration::from_secs(count)
    }

    #[test]
    fn fixed_strategies() {
        let start = Instant::now();
        let mut end = FlushPolicy::new(FlushStrategy::End, start);
        assert!(end.on_invoke(start).flush_at_end);
        assert!(end.on_invoke(start + seconds(1)).flush_at_end);
        assert!(!end.background_dispatch());
        let mut background = FlushPolicy::new(FlushStrategy::Background, start);
        assert!(!background.on_invoke(start).flush_at_end);
        assert!(background.background_dispatch());
    }

    #[test]
    fn adaptive_flushes_rare_invocations_and_skips_busy_ones() {
        let start = Instant::now();
        let mut policy = FlushPolicy::new(FlushStrategy::Adaptive, start);
        assert!(policy.background_dispatch());
        assert!(policy.on_invoke(start).flush_at_end, "first invocation");
        policy.drained(start);
        assert!(!policy.on_invoke(start + seconds(1)).flush_at_end, "busy");
        assert!(!policy.on_invoke(start + seconds(5)).flush_at_end, "busy");
        assert!(policy.on_invoke(start + seconds(20)).flush_at_end, "rare");
        policy.drained(start + seconds(20));
        // Busy, but nothing drained for a long time.
        let mut now = start + seconds(20);
        for _ in 0..6 {
            now += seconds(5);
            assert!(!policy.on_invoke(now).flush_at_end);
        }
        now += seconds(5);
        assert!(policy.on_invoke(now).flush_at_end, "stale");
    }
}
