//! The small HTTP client and server plumbing shared by the proxy, the delivery actors and the
//! scripted runtime (hyper, HTTP/1.1, loopback only).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// The client type: plain HTTP/1.1 with a connection pool.
pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A response collected in full.
pub(crate) struct Collected {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// A new pooled HTTP/1.1 client.
pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends a request and collects the whole response.
pub(crate) async fn send(
    client: &HttpClient,
    request: http::Request<Full<Bytes>>,
) -> Result<Collected, String> {
    let response = client
        .request(request)
        .await
        .map_err(|error| format!("request failed: {error}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|error| format!("reading the response failed: {error}"))?
        .to_bytes();
    Ok(Collected {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// A response with a status and a text body.
pub(crate) fn text_response(
    status: http::StatusCode,
    body: impl Into<Bytes>,
) -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

/// A response with a status and a JSON body, labelled as such.
pub(crate) fn json_response(
    status: http::StatusCode,
    body: &serde_json::Value,
) -> http::Response<Full<Bytes>> {
    let mut response = text_response(status, body.to_string());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
