//! One Telemetry API request: check the method and size, reserve memory, read the body
//! with a progress timeout, and hand the batch to the buffer.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use tracing::{debug, warn};

use super::BODY_IDLE_TIMEOUT;
use super::connections::Busy;
use crate::ingest::Ingest;

/// Largest batch body read. Lambda batches reach about twice `maxBytes` (at most
/// 1 MiB), so 4 MiB leaves room; a larger body is refused and counted.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How long a body waits for room in the memory budget before it is refused with 503.
pub const RESERVE_WAIT: Duration = Duration::from_secs(2);

/// A body that could not be read: the connection is closed without an answer, so the
/// sender (Lambda) retries it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No progress for [`BODY_IDLE_TIMEOUT`].
    #[error("no body data for {0:?}")]
    Stalled(Duration),
    /// The connection failed mid-body.
    #[error("reading the body: {0}")]
    Body(#[from] hyper::Error),
}

/// Handles one request on a connection marked `busy` meanwhile.
pub async fn handle(
    ingest: Arc<Ingest>,
    busy: Busy,
    request: Request<Incoming>,
) -> Result<Response<Empty<Bytes>>, ReadError> {
    let _busy = busy.enter();
    if request.method() != Method::POST {
        let mut response = status(StatusCode::METHOD_NOT_ALLOWED);
        response
            .headers_mut()
            .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
        return Ok(response);
    }
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        ingest.count_malformed_batch();
        warn!(
            bytes = declared,
            "refused a telemetry batch larger than {MAX_BODY_BYTES} bytes"
        );
        return Ok(status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let size = declared.unwrap_or(MAX_BODY_BYTES);
    let Some(_reservation) = ingest.reserve(size, RESERVE_WAIT).await else {
        debug!(
            bytes = size,
            "no room for a telemetry batch yet; asking Lambda to retry"
        );
        let mut response = status(StatusCode::SERVICE_UNAVAILABLE);
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from_static("1"),
        );
        return Ok(response);
    };
    let Some(body) = read_body(request.into_body(), size).await? else {
        ingest.count_malformed_batch();
        warn!("refused a telemetry batch larger than {MAX_BODY_BYTES} bytes");
        return Ok(status(StatusCode::PAYLOAD_TOO_LARGE));
    };
    if let Err(error) = ingest.accept_batch(&body) {
        warn!(bytes = body.len(), %error, "dropped a telemetry batch that could not be parsed");
    }
    Ok(status(StatusCode::OK))
}

/// Reads the body into one buffer of the declared size; `None` if it grows past
/// [`MAX_BODY_BYTES`].
async fn read_body(mut body: Incoming, size: usize) -> Result<Option<Vec<u8>>, ReadError> {
    let mut data = Vec::with_capacity(size);
    loop {
        let frame = tokio::time::timeout(BODY_IDLE_TIMEOUT, body.frame())
            .await
            .map_err(|_| ReadError::Stalled(BODY_IDLE_TIMEOUT))?;
        let Some(frame) = frame.transpose()? else {
            return Ok(Some(data));
        };
        if let Ok(chunk) = frame.into_data() {
            if data.len() + chunk.len() > MAX_BODY_BYTES {
                return Ok(None);
            }
            data.extend_from_slice(&chunk);
        }
    }
}

fn status(code: StatusCode) -> Response<Empty<Bytes>> {
    let mut response = Response::new(Empty::new());
    *response.status_mut() = code;
    response
}
