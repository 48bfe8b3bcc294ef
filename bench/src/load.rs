//! The load generator: POSTs Telemetry API batch bodies to the extension's listener over
//! kept-alive loopback connections, as fast as the listener answers.

use crate::error::BenchError;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The Telemetry API path Lambda posts to (any path is accepted by the listener).
const PATH: &str = "/";

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
        if status == http::StatusCode::OK {
            Ok(())
        } else {
            Err(BenchError::Post(format!("status {status}")))
        }
    }
}

/// What a load run posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posted {
    /// Batches answered 200.
    pub batches: usize,
}

/// POSTs every body once, over `connections` connections in parallel (each takes the next
/// body not yet sent).
pub async fn post_all(
    address: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
) -> Result<Posted, BenchError> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = JoinSet::new();
    for _ in 0..connections.max(1) {
        let bodies = Arc::clone(&bodies);
        let next = Arc::clone(&next);
        tasks.spawn(async move {
            let mut connection = Connection::open(address).await?;
            let mut sent = 0;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(index) else { break };
                connection.post(body.clone()).await?;
                sent += 1;
            }
            Ok::<usize, BenchError>(sent)
        });
    }
    join_counts(tasks).await
}

/// POSTs `bodies` round and round over `connections` connections until `until`.
pub async fn post_until(
    address: SocketAddr,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    until: Instant,
) -> Result<Posted, BenchError> {
    let mut tasks = JoinSet::new();
    for offset in 0..connections.max(1) {
        let bodies = Arc::clone(&bodies);
        tasks.spawn(async move {
            let mut connection = Connection::open(address).await?;
            let mut sent = 0;
            let mut index = offset;
            while Instant::now() < until && !bodies.is_empty() {
                connection
                    .post(bodies[index % bodies.len()].clone())
                    .await?;
                index += 1;
                sent += 1;
            }
            Ok::<usize, BenchError>(sent)
        });
    }
    join_counts(tasks).await
}

async fn join_counts(mut tasks: JoinSet<Result<usize, BenchError>>) -> Result<Posted, BenchError> {
    let mut batches = 0;
    while let Some(joined) = tasks.join_next().await {
        batches += joined.map_err(|error| BenchError::Post(error.to_string()))??;
    }
    Ok(Posted { batches })
}
