//! The load generator: POSTs Telemetry API batch bodies to the extension's listener over
//! kept-alive loopback connections, as fast as the listener answers. A batch the listener
//! refuses (503: no room in its memory budget yet) or whose connection breaks is sent
//! again, as Lambda retries, over a new connection.

use crate::error::BenchError;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The Telemetry API path Lambda posts to (any path is accepted by the listener).
const PATH: &str = "/";
/// Pause before a refused batch is sent again.
pub const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// How long one batch is retried before the run fails.
pub const RETRY_LIMIT: Duration = Duration::from_secs(60);

/// One kept-alive HTTP/1 connection to the listener.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    address: SocketAddr,
    _driver: tokio::task::JoinHandle<()>,
}

impl Connection {
    /// Connects to `address`.
    pub async fn open(address: SocketAddr) -> Result<Self, BenchError> {
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .map_err(BenchError::io(format!("connecting to {address}")))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| BenchError::Post(error.to_string()))?;
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self {
            sender,
            address,
            _driver: driver,
        })
    }

    /// POSTs one batch body and waits for the answer, which must be 200.
    pub async fn post(&mut self, body: Bytes) -> Result<(), BenchError> {
        let status = self.send(body).await?;
        if status == http::StatusCode::OK {
            Ok(())
        } else {
            Err(BenchError::Post(format!("status {status}")))
        }
    }

    /// POSTs one batch body and returns the answer's status.
    pub async fn send(&mut self, body: Bytes) -> Result<http::StatusCode, BenchError> {
        let request = http::Request::post(PATH)
            .header(http::header::HOST, self.address.to_string())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))
            .map_err(|error| BenchError::Post(error.to_string()))?;
        self.sender
            .ready()
            .await
            .map_err(|error| BenchError::Post(error.to_string()))?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|error| BenchError::Post(error.to_string()))?;
        let status = response.status();
        let _ = response.into_body().collect().await;
        Ok(status)
    }
}

/// Delivers one batch the way Lambda does: POSTed until the listener answers 200, again
/// after a refusal or a broken connection (over a new one), for [`RETRY_LIMIT`] at most.
/// Returns how many attempts failed.
pub async fn deliver(
    connection: &mut Option<Connection>,
    address: SocketAddr,
    body: &Bytes,
) -> Result<u64, BenchError> {
    let give_up = Instant::now() + RETRY_LIMIT;
    let mut failed = 0;
    loop {
        let outcome = match connection {
            Some(open) => open.send(body.clone()).await,
            None => match Connection::open(address).await {
                Ok(open) => connection.insert(open).send(body.clone()).await,
                Err(error) => Err(error),
            },
        };
        let error = match outcome {
            Ok(http::StatusCode::OK) => return Ok(failed),
            Ok(status) => format!("status {status}"),
            Err(error) => error.to_string(),
        };
        failed += 1;
        // A refused body may be left unread: the listener closes such connections.
        *connection = None;
        if Instant::now() >= give_up {
            return Err(BenchError::Post(format!(
                "a batch was not accepted within {RETRY_LIMIT:?}: {error}"
            )));
        }
        tokio::time::sleep(RETRY_PAUSE).await;
    }
}

/// What a load run posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    /// Batches answered 200.
    pub batches: usize,
    /// Attempts refused (or broken) and retried.
    pub retried: u64,
}

/// POSTs every body once, over `connections` connections in parallel (each takes the next
/// body not yet sent).
pub async fn post_all(
    address: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
) -> Result<Posted, BenchError> {
    let next = Arc::new(AtomicUsize::new(0));
    let retried = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..connections.max(1) {
        let bodies = Arc::clone(&bodies);
        let next = Arc::clone(&next);
        let retried = Arc::clone(&retried);
        tasks.spawn(async move {
            let mut connection = Some(Connection::open(address).await?);
            let mut sent = 0;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(index) else { break };
                let failed = deliver(&mut connection, address, body).await?;
                retried.fetch_add(failed, Ordering::Relaxed);
                sent += 1;
            }
            Ok::<usize, BenchError>(sent)
        });
    }
    join_counts(tasks, &retried).await
}

/// POSTs `bodies` round and round over `connections` connections until `until`.
pub async fn post_until(
    address: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    until: Instant,
) -> Result<Posted, BenchError> {
    post_fed(address, bodies, connections, until, Feed::default()).await
}

/// What the posting tasks report and obey while they post.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    /// Events the listener accepted so far (answered 200), updated as batches are.
    pub accepted: Arc<AtomicU64>,
    /// Events in each body.
    pub events_per_body: u64,
    /// Pacing: the events delivered so far, and how many accepted events may be
    /// undelivered before the next batch waits. Keeps the extension's buffer under its
    /// memory cap, so nothing is evicted and spilled, and the measurement is of delivery.
    pub pace: Option<(watch::Receiver<u64>, u64)>,
}

/// [`post_until`], reporting accepted events to and pacing by `feed`.
pub async fn post_fed(
    address: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    until: Instant,
    feed: Feed,
) -> Result<Posted, BenchError> {
    let retried = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for offset in 0..connections.max(1) {
        let bodies = Arc::clone(&bodies);
        let retried = Arc::clone(&retried);
        let mut feed = feed.clone();
        tasks.spawn(async move {
            let mut connection = Some(Connection::open(address).await?);
            let mut sent = 0;
            let mut index = offset;
            while Instant::now() < until && !bodies.is_empty() {
                if let Some((delivered, ahead)) = &mut feed.pace {
                    let accepted = &feed.accepted;
                    let ahead = *ahead;
                    let caught_up = delivered.wait_for(|delivered| {
                        accepted.load(Ordering::Relaxed).saturating_sub(*delivered) <= ahead
                    });
                    // The reference the wait gives back is dropped at once: it would block
                    // the sender.
                    if !matches!(tokio::time::timeout_at(until, caught_up).await, Ok(Ok(_))) {
                        break;
                    }
                }
                let body = &bodies[index % bodies.len()];
                let failed = deliver(&mut connection, address, body).await?;
                retried.fetch_add(failed, Ordering::Relaxed);
                feed.accepted
                    .fetch_add(feed.events_per_body, Ordering::Relaxed);
                index += 1;
                sent += 1;
            }
            Ok::<usize, BenchError>(sent)
        });
    }
    join_counts(tasks, &retried).await
}

async fn join_counts(
    mut tasks: JoinSet<Result<usize, BenchError>>,
    retried: &AtomicU64,
) -> Result<Posted, BenchError> {
    let mut batches = 0;
    while let Some(joined) = tasks.join_next().await {
        batches += joined.map_err(|error| BenchError::Post(error.to_string()))??;
    }
    Ok(Posted {
        batches,
        retried: retried.load(Ordering::Relaxed),
    })
}
