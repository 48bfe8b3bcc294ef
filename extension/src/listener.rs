//! The Telemetry API destination: an HTTP server bound once, before subscribing.
//! Every batch is answered `200 OK` at once, even one that cannot be parsed (it is
//! counted and logged once with its size), because Lambda would otherwise redeliver it
//! forever. Bodies are bounded.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::ingest::Ingest;

/// Largest batch body read. Lambda batches reach about twice `maxBytes` (at most
/// 1 MiB), so 4 MiB leaves room; a larger body is dropped and counted.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Binds the listener.
pub async fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(address).await
}

/// Serves batches from `listener` into `ingest` until `cancel`.
pub async fn serve(listener: TcpListener, ingest: Arc<Ingest>, cancel: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(error) => {
                        debug!(%error, "accept failed");
                        continue;
                    }
                };
                let ingest = Arc::clone(&ingest);
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(Arc::clone(&ingest), request));
                    if let Err(error) = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                    {
                        debug!(%error, "telemetry connection ended");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn handle(
    ingest: Arc<Ingest>,
    request: Request<Incoming>,
) -> Result<Response<Empty<Bytes>>, Infallible> {
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    match Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => {
            let body = body.to_bytes();
            if let Err(error) = ingest.accept_batch(&body) {
                warn!(bytes = body.len(), %error, "dropped a telemetry batch that could not be parsed");
            }
        }
        Err(error) => {
            ingest.count_malformed_batch();
            warn!(bytes = declared, %error, "dropped a telemetry batch that could not be read");
        }
    }
    let mut response = Response::new(Empty::new());
    *response.status_mut() = StatusCode::OK;
    Ok(response)
}
