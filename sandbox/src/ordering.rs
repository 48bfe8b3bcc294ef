//! Lambda's per-subscriber order of an invocation's telemetry: its `platform.start`, then the
//! `function` and `extension` lines captured during it, then its `platform.runtimeDone` and
//! `platform.report`. The simulator relays platform events to us in batches (a delay) while
//! lines are captured at once, so a subscriber's lines of an invocation wait here until that
//! invocation's `platform.start` was routed to it, for [`HOLD_TIMEOUT`] at most. When
//! invocations run one after another, a later invocation's events also release the earlier
//! ones' lines; when they run concurrently (Lambda Managed Instances), each invocation's
//! lines wait for its own events only, and lines of no invocation flow at once. Pure code:
//! time is passed in.

use crate::platform::PLATFORM_START;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long lines wait for their invocation's `platform.start` (the simulator relays every
/// 25 ms; a start it suppresses or delays must not hold the lines for long).
pub(crate) const HOLD_TIMEOUT: Duration = Duration::from_secs(1);
/// Invocations whose `platform.start` is remembered: lines of an invocation still arrive
/// shortly after the next one started, never dozens of invocations later.
const REMEMBERED_STARTS: usize = 64;

/// The lines of one invocation waiting for its `platform.start`.
#[derive(Debug)]
struct Held<T> {
    invocation: Arc<str>,
    lines: Vec<T>,
    deadline: Instant,
}

/// Orders one subscriber's events; `T` is a serialized event.
#[derive(Debug)]
pub(crate) struct InvocationOrder<T> {
    /// Whether the subscriber receives platform events (otherwise nothing is held).
    holds: bool,
    /// Whether invocations run concurrently: no order between them.
    concurrent: bool,
    /// Invocations whose lines flow without waiting: start routed, or waited for in vain.
    released: VecDeque<Arc<str>>,
    /// Held lines, oldest invocation first (the relay may lag by more than an invocation).
    held: VecDeque<Held<T>>,
}

impl<T> InvocationOrder<T> {
    /// Orders the events of a subscriber that does (`holds`) or does not receive platform
    /// events, of invocations that run one after another or `concurrent`ly.
    pub(crate) fn new(holds: bool, concurrent: bool) -> Self {
        Self {
            holds,
            concurrent,
            released: VecDeque::new(),
            held: VecDeque::new(),
        }
    }

    /// A `function` or `extension` line captured during `invocation` (`None`: during INIT or
    /// SHUTDOWN). Appends to `ready` what can be delivered now, in order.
    pub(crate) fn line(
        &mut self,
        event: T,
        invocation: Option<&Arc<str>>,
        now: Instant,
        ready: &mut Vec<T>,
    ) {
        let Some(invocation) = invocation.filter(|_| self.holds) else {
            // INIT's lines precede every invocation, SHUTDOWN's follow them all; lines of no
            // invocation while others run concurrently belong to none of them.
            if !self.concurrent {
                self.release(ready);
            }
            ready.push(event);
            return;
        };
        if let Some(held) = self
            .held
            .iter_mut()
            .find(|held| held.invocation == *invocation)
        {
            held.lines.push(event);
        } else if self.is_released(invocation) {
            // Its start was routed; anything held belongs to later invocations.
            ready.push(event);
        } else {
            self.held.push_back(Held {
                invocation: Arc::clone(invocation),
                lines: vec![event],
                deadline: now + HOLD_TIMEOUT,
            });
        }
    }

    /// A platform event of `event_type`, about invocation `request_id` if it names one.
    /// Appends to `ready` what can be delivered now, in order.
    pub(crate) fn platform(
        &mut self,
        event: T,
        event_type: &str,
        request_id: Option<&str>,
        ready: &mut Vec<T>,
    ) {
        let held = request_id.and_then(|request_id| {
            self.held
                .iter()
                .position(|held| &*held.invocation == request_id)
        });
        let Some(position) = held else {
            if event_type == PLATFORM_START
                && let Some(request_id) = request_id
            {
                self.remember(Arc::from(request_id));
            }
            ready.push(event);
            return;
        };
        if self.concurrent {
            // Only this invocation's lines go (moved to the front, released just below): the
            // others wait for their own events.
            if let Some(held) = self.held.remove(position) {
                self.held.push_front(held);
            }
        } else {
            // Earlier invocations' lines go first, whatever came of their start.
            self.release_first(position, ready);
        }
        if event_type == PLATFORM_START {
            ready.push(event);
            self.release_first(1, ready);
        } else {
            // `runtimeDone` or `report` of an invocation whose start never arrived: its lines
            // come before it.
            self.release_first(1, ready);
            ready.push(event);
        }
    }

    /// When the oldest held lines must go out at the latest, if any are held.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.held.front().map(|held| held.deadline)
    }

    /// Releases the held lines whose deadline has passed.
    pub(crate) fn expire(&mut self, now: Instant, ready: &mut Vec<T>) {
        let due = self
            .held
            .iter()
            .take_while(|held| held.deadline <= now)
            .count();
        self.release_first(due, ready);
    }

    /// Releases every held line (a flush, SHUTDOWN).
    pub(crate) fn release(&mut self, ready: &mut Vec<T>) {
        self.release_first(self.held.len(), ready);
    }

    /// Releases the `count` oldest invocations' lines; their later lines no longer wait.
    fn release_first(&mut self, count: usize, ready: &mut Vec<T>) {
        for _ in 0..count {
            let Some(mut held) = self.held.pop_front() else {
                return;
            };
            ready.append(&mut held.lines);
            self.remember(held.invocation);
        }
    }

    fn is_released(&self, invocation: &str) -> bool {
        self.released.iter().any(|known| &**known == invocation)
    }

    fn remember(&mut self, invocation: Arc<str>) {
        if self.is_released(&invocation) {
            return;
        }
        if self.released.len() == REMEMBERED_STARTS {
            self.released.pop_front();
        }
        self.released.push_back(invocation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> Arc<str> {
        Arc::from(text)
    }

    /// Feeds `line`s and `platform` events, returning what was ready after each.
    struct Feed {
        order: InvocationOrder<&'static str>,
        ready: Vec<&'static str>,
        now: Instant,
    }

    impl Feed {
        fn new(holds: bool) -> Self {
            Self::ordered(holds, false)
        }
        fn ordered(holds: bool, concurrent: bool) -> Self {
            Self {
                order: InvocationOrder::new(holds, concurrent),
                ready: Vec::new(),
                now: Instant::now(),
            }
        }
        fn line(&mut self, event: &'static str, invocation: Option<&str>) -> &mut Self {
            let invocation = invocation.map(id);
            self.order
                .line(event, invocation.as_ref(), self.now, &mut self.ready);
            self
        }
        fn platform(
            &mut self,
            event: &'static str,
            event_type: &str,
            request_id: Option<&str>,
        ) -> &mut Self {
            self.order
                .platform(event, event_type, request_id, &mut self.ready);
            self
        }
        fn take(&mut self) -> Vec<&'static str> {
            std::mem::take(&mut self.ready)
        }
    }

    #[test]
    fn lines_wait_for_their_invocations_start_then_follow_it() {
        let mut feed = Feed::new(true);
        feed.line("a1", Some("a")).line("a2", Some("a"));
        assert!(feed.take().is_empty());
        feed.platform("initReport", "platform.initReport", None);
        assert_eq!(feed.take(), ["initReport"], "INIT events release nothing");
        feed.platform("start a", PLATFORM_START, Some("a"))
            .line("a3", Some("a"))
            .platform("done a", "platform.runtimeDone", Some("a"));
        assert_eq!(feed.take(), ["start a", "a1", "a2", "a3", "done a"]);
        assert_eq!(feed.order.deadline(), None);
    }

    #[test]
    fn a_start_relayed_before_the_lines_lets_them_flow() {
        let mut feed = Feed::new(true);
        feed.platform("start a", PLATFORM_START, Some("a"))
            .line("a1", Some("a"));
        assert_eq!(feed.take(), ["start a", "a1"]);
    }

    #[test]
    fn runtime_done_of_the_held_invocation_releases_its_lines_before_it() {
        let mut feed = Feed::new(true);
        feed.line("a1", Some("a"))
            .platform("done a", "platform.runtimeDone", Some("a"))
            .line("a2", Some("a"));
        assert_eq!(feed.take(), ["a1", "done a", "a2"]);
    }

    #[test]
    fn held_lines_go_out_at_the_deadline_and_later_lines_no_longer_wait() {
        let mut feed = Feed::new(true);
        feed.line("a1", Some("a"));
        let deadline = feed.order.deadline().unwrap();
        assert_eq!(deadline, feed.now + HOLD_TIMEOUT);
        feed.now += Duration::from_millis(10);
        feed.line("b1", Some("b"));
        let mut ready = Vec::new();
        feed.order
            .expire(deadline - Duration::from_millis(1), &mut ready);
        assert!(ready.is_empty());
        feed.order.expire(deadline, &mut ready);
        assert_eq!(ready, ["a1"]);
        assert_eq!(
            feed.order.deadline(),
            Some(deadline + Duration::from_millis(10))
        );
        feed.line("a2", Some("a"));
        assert_eq!(feed.take(), ["a2"]);
    }

    #[test]
    fn several_invocations_wait_while_the_relay_lags() {
        let mut feed = Feed::new(true);
        feed.line("a1", Some("a"))
            .line("b1", Some("b"))
            .line("a2", Some("a"))
            .line("c1", Some("c"));
        assert!(feed.take().is_empty());
        feed.platform("initReport", "platform.initReport", None)
            .platform("start a", PLATFORM_START, Some("a"))
            .platform("done a", "platform.runtimeDone", Some("a"))
            .platform("start b", PLATFORM_START, Some("b"));
        assert_eq!(
            feed.take(),
            [
                "initReport",
                "start a",
                "a1",
                "a2",
                "done a",
                "start b",
                "b1"
            ]
        );
        feed.line("b late", Some("b"));
        assert_eq!(
            feed.take(),
            ["b late"],
            "b's start was routed; c1 still waits"
        );
        feed.platform("start c", PLATFORM_START, Some("c"));
        assert_eq!(feed.take(), ["start c", "c1"]);
    }

    #[test]
    fn a_later_invocations_start_releases_the_earlier_held_lines_first() {
        let mut feed = Feed::new(true);
        feed.line("a1", Some("a")).line("b1", Some("b")).platform(
            "start b",
            PLATFORM_START,
            Some("b"),
        );
        assert_eq!(feed.take(), ["a1", "start b", "b1"]);
    }

    #[test]
    fn a_start_without_held_lines_releases_nothing() {
        let mut feed = Feed::new(true);
        feed.line("b1", Some("b"))
            .platform("start a", PLATFORM_START, Some("a"));
        assert_eq!(feed.take(), ["start a"]);
        assert!(feed.order.deadline().is_some());
    }

    #[test]
    fn lines_outside_invocations_and_without_platform_events_flow_in_order() {
        let mut feed = Feed::new(true);
        feed.line("init", None)
            .line("a1", Some("a"))
            .line("shutdown", None);
        assert_eq!(feed.take(), ["init", "a1", "shutdown"]);

        let mut feed = Feed::new(false);
        feed.line("a1", Some("a")).line("a2", Some("a"));
        assert_eq!(feed.take(), ["a1", "a2"]);
        assert_eq!(feed.order.deadline(), None);
    }

    #[test]
    fn concurrent_invocations_lines_wait_for_their_own_start_only() {
        let mut feed = Feed::ordered(true, true);
        feed.line("b1", Some("b"))
            .line("a1", Some("a"))
            .line("extension", None)
            .line("b2", Some("b"));
        assert_eq!(
            feed.take(),
            ["extension"],
            "no invocation's lines are released"
        );
        feed.platform("start a", PLATFORM_START, Some("a"));
        assert_eq!(feed.take(), ["start a", "a1"], "b's lines keep waiting");
        feed.line("a2", Some("a"))
            .platform("report b", "platform.report", Some("b"))
            .platform("start b", PLATFORM_START, Some("b"));
        assert_eq!(feed.take(), ["a2", "b1", "b2", "report b", "start b"]);
        assert_eq!(feed.order.deadline(), None);
    }

    #[test]
    fn only_the_last_starts_are_remembered() {
        let mut feed = Feed::new(true);
        for index in 0..=REMEMBERED_STARTS {
            let request_id: &'static str = Box::leak(index.to_string().into_boxed_str());
            feed.platform("start", PLATFORM_START, Some(request_id));
        }
        assert_eq!(feed.order.released.len(), REMEMBERED_STARTS);
        assert!(!feed.order.is_released("0") && feed.order.is_released("1"));
    }
}
