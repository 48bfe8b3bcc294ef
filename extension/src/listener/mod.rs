//! The Telemetry API destination: an HTTP server bound once, before subscribing.
//!
//! - Every batch is answered `200 OK` once read, even one that cannot be parsed (it is
//!   counted and logged once with its size), because Lambda would otherwise redeliver it
//!   forever. Methods other than POST get 405 and are not batches.
//! - Memory: a body reserves its length from the memory budget before it is read (see
//!   `ingest.rs`); a body that cannot get room in time is refused with 503, which Lambda
//!   retries. Bodies over [`MAX_BODY_BYTES`] are refused and counted.
//! - Hygiene: headers must arrive within [`HEADER_READ_TIMEOUT`] (also the idle time of a
//!   kept-alive connection), a body must make progress every [`BODY_IDLE_TIMEOUT`], at most
//!   [`MAX_CONNECTIONS`] are open (the oldest idle one is closed to make room), and accept
//!   errors such as running out of file descriptors back off instead of spinning.

mod connections;
mod request;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::ingest::Ingest;
use connections::{Busy, Connections};

/// Time for a request's headers to arrive, and for an idle kept-alive connection.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest pause while a body is read. Lambda writes a batch over loopback at once (a
/// freeze stops the reader, not the writer: the data waits in the socket), so a body that
/// stalls this long is held back on purpose, and its memory reservation goes to others.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(2);
/// Open connections at most (Lambda uses a few; the rest of the descriptors stay free).
pub const MAX_CONNECTIONS: usize = 128;
/// First wait after a failed accept; doubles up to [`ACCEPT_BACKOFF_MAX`].
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
/// Longest wait after failed accepts.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
/// Failed accepts are logged at most this often.
const ACCEPT_WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// Binds the listener.
pub async fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(address).await
}

/// Serves batches from `listener` into `ingest` until `cancel`.
pub async fn serve(listener: TcpListener, ingest: Arc<Ingest>, cancel: CancellationToken) {
    let mut tasks = JoinSet::new();
    let mut open: Connections<tokio::task::Id, tokio::task::AbortHandle> = Connections::default();
    let mut accept_wait = Duration::ZERO;
    let mut last_warning: Option<tokio::time::Instant> = None;
    let mut failed_accepts = 0u64;
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    accept_wait = Duration::ZERO;
                    if open.len() >= MAX_CONNECTIONS
                        && let Some(oldest) = open.take_oldest_idle()
                    {
                        debug!("too many telemetry connections: closing the oldest idle one");
                        oldest.abort();
                    }
                    let busy = Busy::default();
                    let ingest = Arc::clone(&ingest);
                    let connection_busy = busy.clone();
                    let handle = tasks.spawn(serve_connection(stream, ingest, connection_busy));
                    open.add(handle.id(), handle, busy);
                }
                Err(error) => {
                    // Out of descriptors (or another transient failure): free one and wait
                    // rather than spin.
                    failed_accepts += 1;
                    if last_warning.is_none_or(|last| last.elapsed() >= ACCEPT_WARNING_INTERVAL) {
                        warn!(%error, open = open.len(), failed_accepts, "accepting telemetry connections fails; backing off");
                        last_warning = Some(tokio::time::Instant::now());
                        failed_accepts = 0;
                    }
                    if let Some(oldest) = open.take_oldest_idle() {
                        oldest.abort();
                    }
                    accept_wait = (accept_wait * 2).clamp(ACCEPT_BACKOFF_MIN, ACCEPT_BACKOFF_MAX);
                    tokio::select! {
                        () = cancel.cancelled() => break,
                        () = tokio::time::sleep(accept_wait) => {}
                    }
                }
            },
            Some(ended) = tasks.join_next_with_id(), if !tasks.is_empty() => match ended {
                Ok((id, ())) => open.remove(id),
                Err(error) => {
                    open.remove(error.id());
                    if error.is_panic() {
                        warn!(%error, "a telemetry connection task panicked");
                    }
                }
            },
        }
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, ingest: Arc<Ingest>, busy: Busy) {
    let service =
        service_fn(move |request| request::handle(Arc::clone(&ingest), busy.clone(), request));
    if let Err(error) = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        debug!(%error, "telemetry connection ended");
    }
}
