//! Telemetry delivery to subscribers: one actor per subscription owns its batcher and POSTs
//! batches to the subscriber's destination; the hub routes events to the actors.
//!
//! Platform events (relayed from the simulator) and `function`/`extension` events (built
//! here) go through the same actor, so a subscriber sees one stream in arrival order, as
//! from Lambda.

use crate::http::{HttpClient, send};
use crate::telemetry::{Batcher, Buffering, LogType};
use bytes::Bytes;
use http_body_util::Full;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How often a failed POST is tried in all (Lambda retries failed deliveries).
const DELIVERY_ATTEMPTS: u32 = 5;
/// Pause after a failed attempt, multiplied by the attempt number.
const RETRY_BACKOFF: Duration = Duration::from_millis(100);

/// Delivery counts for one subscriber.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeliveryStats {
    /// Batches the subscriber accepted (2xx).
    pub batches: u64,
    /// Events in those batches.
    pub events: u64,
    /// Batches given up after every attempt failed.
    pub failed_batches: u64,
}

enum Command {
    Event(Arc<[u8]>),
    Flush(oneshot::Sender<()>),
}

struct Subscriber {
    name: String,
    types: HashSet<String>,
    sender: mpsc::UnboundedSender<Command>,
}

#[derive(Default)]
struct HubState {
    subscribers: BTreeMap<String, Subscriber>,
    tasks: JoinSet<()>,
}

/// Routes events to subscription actors. Dropping the hub stops every actor.
pub(crate) struct Hub {
    client: HttpClient,
    state: Mutex<HubState>,
    stats: Arc<Mutex<BTreeMap<String, DeliveryStats>>>,
}

/// Maps a subscription's destination to one reachable here: Lambda resolves both
/// `sandbox.localdomain` and `sandbox` to the execution environment; the simulator maps only
/// the first.
pub(crate) fn local_destination(uri: &str) -> Result<http::Uri, String> {
    let parsed: http::Uri = uri
        .parse()
        .map_err(|error| format!("destination URI {uri:?} is invalid: {error}"))?;
    if parsed.scheme_str() != Some("http") {
        return Err(format!("destination URI {uri:?} must use http"));
    }
    let host = parsed.host().unwrap_or_default();
    if host != "sandbox.localdomain" && host != "sandbox" {
        return Ok(parsed);
    }
    let authority = match parsed.port_u16() {
        Some(port) => format!("127.0.0.1:{port}"),
        None => "127.0.0.1".to_owned(),
    };
    let path = parsed.path_and_query().map_or("/", |path| path.as_str());
    format!("http://{authority}{path}")
        .parse()
        .map_err(|error| format!("destination URI {uri:?} is invalid: {error}"))
}

impl Hub {
    pub(crate) fn new(client: HttpClient) -> Self {
        Self {
            client,
            state: Mutex::new(HubState::default()),
            stats: Arc::default(),
        }
    }

    /// Adds (or replaces) the subscription of an extension.
    pub(crate) fn subscribe(
        &self,
        extension_id: &str,
        name: &str,
        types: HashSet<String>,
        buffering: Buffering,
        destination: http::Uri,
    ) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let client = self.client.clone();
        let stats = Arc::clone(&self.stats);
        let stats_name = name.to_owned();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.tasks.spawn(run_subscriber(
            receiver,
            buffering,
            destination,
            client,
            stats,
            stats_name,
        ));
        state.subscribers.insert(
            extension_id.to_owned(),
            Subscriber {
                name: name.to_owned(),
                types,
                sender,
            },
        );
    }

    /// Sends a `function` or `extension` event to every subscriber of that type.
    pub(crate) fn publish_log(&self, log_type: LogType, event: Arc<[u8]>) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for subscriber in state.subscribers.values() {
            if subscriber.types.contains(log_type.as_str()) {
                let _ = subscriber.sender.send(Command::Event(Arc::clone(&event)));
            }
        }
    }

    /// Sends an event to one subscriber (platform events relayed from the simulator).
    pub(crate) fn publish_to(&self, extension_id: &str, event: Arc<[u8]>) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(subscriber) = state.subscribers.get(extension_id) {
            let _ = subscriber.sender.send(Command::Event(event));
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

async fn run_subscriber(
    mut commands: mpsc::UnboundedReceiver<Command>,
    buffering: Buffering,
    destination: http::Uri,
    client: HttpClient,
    stats: Arc<Mutex<BTreeMap<String, DeliveryStats>>>,
    name: String,
) {
    let mut batcher: Batcher<Arc<[u8]>> = Batcher::new(buffering);
    loop {
        let deadline = batcher.deadline();
        let command = tokio::select! {
            command = commands.recv() => command,
            () = sleep_until(deadline) => {
                deliver(&mut batcher, &destination, &client, &stats, &name).await;
                continue;
            }
        };
        match command {
            Some(Command::Event(event)) => {
                if batcher.push(event, Instant::now()) {
                    deliver(&mut batcher, &destination, &client, &stats, &name).await;
                }
            }
            Some(Command::Flush(ack)) => {
                deliver(&mut batcher, &destination, &client, &stats, &name).await;
                let _ = ack.send(());
            }
            None => {
                deliver(&mut batcher, &destination, &client, &stats, &name).await;
                return;
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// POSTs the buffered batch. No per-attempt timeout: a frozen subscriber answers after the
/// thaw, and a resent batch would arrive twice.
async fn deliver(
    batcher: &mut Batcher<Arc<[u8]>>,
    destination: &http::Uri,
    client: &HttpClient,
    stats: &Mutex<BTreeMap<String, DeliveryStats>>,
    name: &str,
) {
    if batcher.is_empty() {
        return;
    }
    let (count, body) = batcher.take_body();
    let body = Bytes::from(body);
    for attempt in 1..=DELIVERY_ATTEMPTS {
        let request = http::Request::post(destination.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(body.clone()));
        let outcome = match request {
            Ok(request) => send(client, request).await.and_then(|response| {
                if response.status.is_success() {
                    Ok(())
                } else {
                    Err(format!("status {}", response.status))
                }
            }),
            Err(error) => Err(error.to_string()),
        };
        let retry = match outcome {
            Ok(()) => {
                record(stats, name, |entry| {
                    entry.batches += 1;
                    entry.events += count as u64;
                });
                return;
            }
            Err(error) if attempt == DELIVERY_ATTEMPTS => {
                record(stats, name, |entry| entry.failed_batches += 1);
                tracing::warn!(subscriber = name, events = count, %error, "telemetry delivery failed");
                return;
            }
            Err(error) => error,
        };
        tracing::debug!(subscriber = name, attempt, error = %retry, "telemetry delivery retry");
        tokio::time::sleep(RETRY_BACKOFF * attempt).await;
    }
}

fn record(
    stats: &Mutex<BTreeMap<String, DeliveryStats>>,
    name: &str,
    update: impl FnOnce(&mut DeliveryStats),
) {
    let mut stats = stats.lock().unwrap_or_else(PoisonError::into_inner);
    update(stats.entry(name.to_owned()).or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_hosts_map_to_loopback_and_others_are_kept() {
        assert_eq!(
            local_destination("http://sandbox.localdomain:4243/telemetry").unwrap(),
            "http://127.0.0.1:4243/telemetry"
        );
        assert_eq!(
            local_destination("http://sandbox:4243").unwrap(),
            "http://127.0.0.1:4243/"
        );
        assert_eq!(
            local_destination("http://127.0.0.1:9/x").unwrap(),
            "http://127.0.0.1:9/x"
        );
        assert!(local_destination("https://sandbox:1/").is_err());
        assert!(local_destination("not a uri").is_err());
    }
}
