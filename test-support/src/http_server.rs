//! The accept loop every test server shares: HTTP/1 on a bound listener, one task per
//! connection, until a stop signal; open connections are closed when it returns.
//!
//! A handler answers with `Ok(response)`, or `Err(_)` to close the connection without an
//! answer (a peer that hangs up).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// What a handler returns: a response, or an error that closes the connection unanswered.
pub type Answer = Result<Response<Full<Bytes>>, Box<dyn std::error::Error + Send + Sync>>;

/// Serves `listener` with `handler` until `stop` resolves, then aborts open connections.
/// `connect_delay` holds each new connection before its first byte is read (a stand-in
/// for TCP and TLS set-up on a real endpoint).
pub async fn serve<H, F>(
    listener: TcpListener,
    handler: H,
    connect_delay: Duration,
    stop: impl Future<Output = ()>,
) where
    H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Answer> + Send + 'static,
{
    let handler = Arc::new(handler);
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => {
                // Accept errors (descriptor exhaustion) are transient: try again.
                let Ok((stream, _)) = accepted else {
                    tokio::task::yield_now().await;
                    continue;
                };
                let handler = Arc::clone(&handler);
                connections.spawn(async move {
                    if !connect_delay.is_zero() {
                        tokio::time::sleep(connect_delay).await;
                    }
                    let service = service_fn(move |request| handler(request));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}
