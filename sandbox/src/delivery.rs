//! Telemetry delivery to subscribers: the hub routes events to one actor per subscription
//! ([`crate::subscriber`]), which orders and batches them and POSTs the batches.
//!
//! Platform events (relayed from the simulator) and `function`/`extension` events (built
//! here) go through the same actor, so a subscriber sees one stream, in Lambda's order: an
//! invocation's lines wait for its `platform.start` ([`crate::ordering`]). The hub also says
//! when a platform event has been routed to every platform subscriber, so SHUTDOWN can wait
//! for the last invocations' `platform.report` instead of guessing the simulator's delay.
//!
//! A line belongs to the invocation running when it was captured; when invocations run
//! concurrently (Lambda Managed Instances) that is unknown, so it belongs to the invocation
//! its writer names (the scripted function; a JSON record's `requestId`), or to none.

use crate::batcher::Batcher;
use crate::http::HttpClient;
use crate::log_events::LogType;
use crate::ordering::InvocationOrder;
use crate::platform::{LastPlatformEvent, PlatformEvent};
use crate::report::DeliveryStats;
use crate::subscriber::{Actor, Command};
use crate::subscription::Subscription;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The subscription type of platform events.
const PLATFORM: &str = "platform";
/// Invocations whose `platform.report` routing is remembered per subscriber (SHUTDOWN waits
/// for the last ones, at most a concurrent batch).
const REMEMBERED_REPORTS: usize = 1024;

/// Which invocation a captured line belongs to, as far as its writer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineSource<'a> {
    /// Written by the invocation with this request ID.
    Invocation(&'a str),
    /// Read from a process's output; its record names this invocation, if any.
    Output { named: Option<&'a str> },
}

struct Subscriber {
    name: String,
    types: HashSet<String>,
    sender: mpsc::UnboundedSender<Command>,
    /// Whether `platform.initReport` has been routed to it.
    init_report_routed: bool,
    /// The invocations whose `platform.report` was routed to it, the latest last.
    reports: VecDeque<String>,
}

impl Subscriber {
    fn has_routed(&self, last: &LastPlatformEvent) -> bool {
        match last {
            LastPlatformEvent::InitReport => self.init_report_routed,
            LastPlatformEvent::Report(request_id) => self.reports.contains(request_id),
        }
    }
}

#[derive(Default)]
struct HubState {
    subscribers: BTreeMap<String, Subscriber>,
    /// The invocation running now (from its start to the next one's); `None` in INIT and
    /// SHUTDOWN, and unused when invocations run concurrently.
    invocation: Option<Arc<str>>,
    tasks: JoinSet<()>,
}

/// Routes events to subscription actors. Dropping the hub stops every actor.
pub(crate) struct Hub {
    client: HttpClient,
    state: Mutex<HubState>,
    stats: Arc<Mutex<BTreeMap<String, DeliveryStats>>>,
    /// Bumped whenever a platform event is routed.
    routed: watch::Sender<u64>,
    /// Whether invocations run concurrently.
    concurrent: bool,
}

impl Hub {
    /// A hub for invocations that run one after another, or `concurrent`ly.
    pub(crate) fn new(client: HttpClient, concurrent: bool) -> Self {
        Self {
            concurrent,
            client,
            state: Mutex::new(HubState::default()),
            stats: Arc::default(),
            routed: watch::Sender::new(0),
        }
    }

    /// Adds (or replaces) the subscription of an extension.
    pub(crate) fn subscribe(&self, extension_id: &str, name: &str, subscription: Subscription) {
        let Subscription {
            types,
            buffering,
            destination,
        } = subscription;
        let (sender, receiver) = mpsc::unbounded_channel();
        let client = self.client.clone();
        let stats = Arc::clone(&self.stats);
        let actor = Actor::new(
            Batcher::new(buffering),
            InvocationOrder::new(types.contains(PLATFORM), self.concurrent),
            destination,
            client,
            stats,
            name,
        );
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tasks.spawn(actor.run(receiver));
        state.subscribers.insert(
            extension_id.to_owned(),
            Subscriber {
                name: name.to_owned(),
                types,
                sender,
                init_report_routed: false,
                reports: VecDeque::new(),
            },
        );
    }

    /// From now on, lines belong to this invocation (the runtime or an extension received
    /// it). Repeating it is harmless.
    pub(crate) fn begin_invocation(&self, request_id: &str) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.invocation.as_deref() != Some(request_id) {
            state.invocation = Some(Arc::from(request_id));
        }
    }

    /// From now on, lines belong to no invocation (SHUTDOWN) and are delivered as they come.
    pub(crate) fn end_invocations(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .invocation = None;
    }

    /// Sends a `function` or `extension` event to every subscriber of that type.
    pub(crate) fn publish_log(&self, log_type: LogType, event: Arc<[u8]>, source: LineSource<'_>) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let invocation = match source {
            LineSource::Invocation(request_id) => Some(Arc::from(request_id)),
            LineSource::Output { named } if self.concurrent => named.map(Arc::from),
            LineSource::Output { .. } => state.invocation.clone(),
        };
        for subscriber in state.subscribers.values() {
            if subscriber.types.contains(log_type.as_str()) {
                let _ = subscriber.sender.send(Command::Line {
                    event: Arc::clone(&event),
                    invocation: invocation.clone(),
                });
            }
        }
    }

    /// Sends a platform event relayed from the simulator to its subscriber.
    pub(crate) fn publish_platform(&self, extension_id: &str, event: PlatformEvent) {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(subscriber) = state.subscribers.get_mut(extension_id) else {
                return;
            };
            route_platform(subscriber, event);
        }
        self.routed.send_modify(|count| *count += 1);
    }

    /// Sends a platform event the sandbox emits itself (the simulator has no Restore phase)
    /// to every subscriber of platform events.
    pub(crate) fn publish_own_platform(&self, event: &PlatformEvent) {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            for subscriber in state.subscribers.values_mut() {
                if subscriber.types.contains(PLATFORM) {
                    route_platform(subscriber, event.clone());
                }
            }
        }
        self.routed.send_modify(|count| *count += 1);
    }

    /// Waits until every event of `last` has been routed to every subscriber of platform
    /// events (a flush then delivers them), or `timeout` passed; returns whether they were.
    pub(crate) async fn wait_until_routed(
        &self,
        last: &[LastPlatformEvent],
        timeout: Duration,
    ) -> bool {
        let all_routed = || {
            let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state
                .subscribers
                .values()
                .filter(|subscriber| subscriber.types.contains(PLATFORM))
                .all(|subscriber| last.iter().all(|event| subscriber.has_routed(event)))
        };
        let deadline = Instant::now() + timeout;
        let mut changes = self.routed.subscribe();
        loop {
            changes.borrow_and_update();
            if all_routed() {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return all_routed(),
            }
        }
    }

    /// Whether any subscriber asked for this log type (saves building unwanted events).
    pub(crate) fn wants(&self, log_type: LogType) -> bool {
        self.wants_type(log_type.as_str())
    }

    /// Whether any subscriber asked for this type (`platform`, `function`, `extension`).
    pub(crate) fn wants_type(&self, event_type: &str) -> bool {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .subscribers
            .values()
            .any(|subscriber| subscriber.types.contains(event_type))
    }

    /// Delivers everything buffered now; returns once every subscriber answered or `timeout`
    /// passed.
    pub(crate) async fn flush(&self, timeout: Duration) {
        let acks: Vec<_> = {
            let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state
                .subscribers
                .values()
                .filter_map(|subscriber| {
                    let (ack, done) = oneshot::channel();
                    subscriber
                        .sender
                        .send(Command::Flush(ack))
                        .ok()
                        .map(|()| done)
                })
                .collect()
        };
        let _ = tokio::time::timeout(timeout, async {
            for done in acks {
                let _ = done.await;
            }
        })
        .await;
    }

    /// Delivery counts per subscriber name.
    pub(crate) fn stats(&self) -> BTreeMap<String, DeliveryStats> {
        self.stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The names of the subscribed extensions with their types.
    pub(crate) fn subscriptions(&self) -> Vec<(String, Vec<String>)> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .subscribers
            .values()
            .map(|subscriber| {
                let mut types: Vec<_> = subscriber.types.iter().cloned().collect();
                types.sort();
                (subscriber.name.clone(), types)
            })
            .collect()
    }
}

/// Hands a platform event to a subscriber's actor, noting the phase-closing ones.
fn route_platform(subscriber: &mut Subscriber, event: PlatformEvent) {
    match event.closes() {
        Some(LastPlatformEvent::InitReport) => subscriber.init_report_routed = true,
        Some(LastPlatformEvent::Report(request_id)) => {
            if subscriber.reports.len() == REMEMBERED_REPORTS {
                subscriber.reports.pop_front();
            }
            subscriber.reports.push_back(request_id);
        }
        None => {}
    }
    let _ = subscriber.sender.send(Command::Platform(event));
}
