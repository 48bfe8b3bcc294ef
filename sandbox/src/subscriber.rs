//! One subscription's delivery actor: owns the subscription's ordering
//! ([`crate::ordering`]) and batcher, POSTs the batches to the subscriber's destination and
//! retries failures, as Lambda does.

use crate::batcher::Batcher;
use crate::http::{HttpClient, send};
use crate::ordering::InvocationOrder;
use crate::platform::PlatformEvent;
use crate::report::DeliveryStats;
use bytes::Bytes;
use http_body_util::Full;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// How often a failed POST is tried in all (Lambda retries failed deliveries).
const DELIVERY_ATTEMPTS: u32 = 5;
/// Pause after a failed attempt, multiplied by the attempt number.
const RETRY_BACKOFF: Duration = Duration::from_millis(100);

/// What the hub sends a subscription's actor.
pub(crate) enum Command {
    /// A `function` or `extension` event, with the invocation during which it was captured.
    Line {
        event: Arc<[u8]>,
        invocation: Option<Arc<str>>,
    },
    /// A platform event relayed from the simulator.
    Platform(PlatformEvent),
    /// Deliver everything now, then answer.
    Flush(oneshot::Sender<()>),
}

/// One subscription's delivery: orders its events, batches them, POSTs the batches.
pub(crate) struct Actor {
    batcher: Batcher<Arc<[u8]>>,
    order: InvocationOrder<Arc<[u8]>>,
    destination: http::Uri,
    client: HttpClient,
    stats: Arc<Mutex<BTreeMap<String, DeliveryStats>>>,
    name: String,
}

impl Actor {
    pub(crate) fn new(
        batcher: Batcher<Arc<[u8]>>,
        order: InvocationOrder<Arc<[u8]>>,
        destination: http::Uri,
        client: HttpClient,
        stats: Arc<Mutex<BTreeMap<String, DeliveryStats>>>,
        name: &str,
    ) -> Self {
        Self {
            batcher,
            order,
            destination,
            client,
            stats,
            name: name.to_owned(),
        }
    }

    /// Runs until the hub drops the command sender, delivering what is left then.
    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut ready = Vec::new();
        loop {
            let deadline = earliest(self.batcher.deadline(), self.order.deadline());
            let command = tokio::select! {
                command = commands.recv() => command,
                () = sleep_until(deadline) => {
                    let now = Instant::now();
                    self.order.expire(now, &mut ready);
                    self.push(&mut ready).await;
                    if self.batcher.deadline().is_some_and(|due| due <= now) {
                        self.deliver().await;
                    }
                    continue;
                }
            };
            match command {
                Some(Command::Line { event, invocation }) => {
                    self.order
                        .line(event, invocation.as_ref(), Instant::now(), &mut ready);
                }
                Some(Command::Platform(platform)) => self.order.platform(
                    platform.event,
                    &platform.event_type,
                    platform.request_id.as_deref(),
                    &mut ready,
                ),
                Some(Command::Flush(ack)) => {
                    self.order.release(&mut ready);
                    self.push(&mut ready).await;
                    self.deliver().await;
                    let _ = ack.send(());
                }
                None => {
                    self.order.release(&mut ready);
                    self.push(&mut ready).await;
                    self.deliver().await;
                    return;
                }
            }
            self.push(&mut ready).await;
        }
    }

    /// Buffers the events ready for delivery, delivering each batch that fills up.
    async fn push(&mut self, ready: &mut Vec<Arc<[u8]>>) {
        for event in ready.drain(..) {
            if self.batcher.push(event, Instant::now()) {
                self.deliver().await;
            }
        }
    }

    async fn deliver(&mut self) {
        deliver(
            &mut self.batcher,
            &self.destination,
            &self.client,
            &self.stats,
            &self.name,
        )
        .await;
    }
}

fn earliest(first: Option<Instant>, second: Option<Instant>) -> Option<Instant> {
    match (first, second) {
        (Some(first), Some(second)) => Some(first.min(second)),
        (first, second) => first.or(second),
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
