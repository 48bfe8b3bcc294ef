//! Lambda Extensions API (`2020-01-01`): register, next, init/error, exit/error.
//! Requests are built by pure functions; [`ExtensionsClient`] only sends them.

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// Header carrying the extension's name at registration.
pub const EXTENSION_NAME_HEADER: &str = "Lambda-Extension-Name";
/// Header carrying the identifier Lambda gave at registration.
pub const EXTENSION_ID_HEADER: &str = "Lambda-Extension-Identifier";
/// Header carrying the error type of init/error and exit/error.
pub const ERROR_TYPE_HEADER: &str = "Lambda-Extension-Function-Error-Type";
/// API version prefix.
pub const VERSION: &str = "2020-01-01";
/// Bound on calls that must answer promptly (all but `next`).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// Plain-HTTP client for the Lambda APIs.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A new plain-HTTP client.
pub fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A failed Extensions or Telemetry API call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request could not be built (invalid address or header).
    #[error("invalid request: {0}")]
    Request(#[from] http::Error),
    /// The API could not be reached.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// Why, with its causes.
        reason: String,
    },
    /// The API did not answer in time.
    #[error("no answer from {url} within {timeout:?}")]
    Timeout {
        /// The URL called.
        url: String,
        /// The bound.
        timeout: Duration,
    },
    /// The answer's body could not be read.
    #[error("reading the answer from {url}: {source}")]
    Body {
        /// The URL called.
        url: String,
        /// Why.
        source: hyper::Error,
    },
    /// The API answered with an error status.
    #[error("{url} answered {status}: {body}")]
    Status {
        /// The URL called.
        url: String,
        /// The status.
        status: StatusCode,
        /// The body, as text.
        body: String,
    },
    /// The answer was not the expected JSON.
    #[error("unexpected answer from {url}: {source}")]
    Decode {
        /// The URL called.
        url: String,
        /// Why.
        source: serde_json::Error,
    },
    /// Registration answered without an identifier.
    #[error("register answered without a {EXTENSION_ID_HEADER} header")]
    MissingIdentifier,
}

/// An event from `next`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "eventType")]
pub enum NextEvent {
    /// The function is invoked.
    #[serde(rename = "INVOKE")]
    Invoke {
        /// Invocation id.
        #[serde(rename = "requestId")]
        request_id: String,
        /// When the invocation times out, in Unix milliseconds.
        #[serde(rename = "deadlineMs")]
        deadline_ms: i64,
    },
    /// The environment shuts down.
    #[serde(rename = "SHUTDOWN")]
    Shutdown {
        /// `spindown`, `timeout` or `failure`.
        #[serde(rename = "shutdownReason", default)]
        shutdown_reason: String,
        /// When the process is killed, in Unix milliseconds.
        #[serde(rename = "deadlineMs")]
        deadline_ms: i64,
    },
}

/// Which error endpoint to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorPhase {
    /// `init/error`: the extension could not start.
    Init,
    /// `exit/error`: the extension stops on an error.
    Exit,
}

/// The lifecycle events an extension registers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Events {
    /// INVOKE and SHUTDOWN: flush around invocations.
    InvokeAndShutdown,
    /// SHUTDOWN only: where Lambda offers no INVOKE events (Managed Instances).
    ShutdownOnly,
}

impl Events {
    fn body(self) -> &'static [u8] {
        match self {
            Self::InvokeAndShutdown => br#"{"events":["INVOKE","SHUTDOWN"]}"#,
            Self::ShutdownOnly => br#"{"events":["SHUTDOWN"]}"#,
        }
    }
}

/// `POST register` for `events` under `name`.
pub fn register_request(
    api: &str,
    name: &str,
    events: Events,
) -> Result<Request<Full<Bytes>>, http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri(format!("http://{api}/{VERSION}/extension/register"))
        .header(EXTENSION_NAME_HEADER, name)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from_static(events.body())))
}

/// `GET event/next`.
pub fn next_request(api: &str, id: &str) -> Result<Request<Full<Bytes>>, http::Error> {
    Request::builder()
        .method(Method::GET)
        .uri(format!("http://{api}/{VERSION}/extension/event/next"))
        .header(EXTENSION_ID_HEADER, id)
        .body(Full::new(Bytes::new()))
}

/// `POST init/error` or `POST exit/error` with a message a person can act on.
pub fn error_request(
    api: &str,
    id: &str,
    phase: ErrorPhase,
    error_type: &str,
    message: &str,
) -> Result<Request<Full<Bytes>>, http::Error> {
    let path = match phase {
        ErrorPhase::Init => "init/error",
        ErrorPhase::Exit => "exit/error",
    };
    let body = serde_json::json!({
        "errorMessage": message,
        "errorType": error_type,
        "stackTrace": [],
    });
    Request::builder()
        .method(Method::POST)
        .uri(format!("http://{api}/{VERSION}/extension/{path}"))
        .header(EXTENSION_ID_HEADER, id)
        .header(ERROR_TYPE_HEADER, error_type)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
}

/// Sends `request`, optionally bounded by `timeout`; a non-2xx answer is an error.
pub async fn send(
    http: &HttpClient,
    request: Request<Full<Bytes>>,
    timeout: Option<Duration>,
) -> Result<(http::HeaderMap, Bytes), ApiError> {
    let url = request.uri().to_string();
    let exchange = async {
        let response = http
            .request(request)
            .await
            .map_err(|source| ApiError::Unreachable {
                url: url.clone(),
                reason: crate::error_chain::error_chain(&source),
            })?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|source| ApiError::Body {
                url: url.clone(),
                source,
            })?
            .to_bytes();
        Ok::<_, ApiError>((parts, body))
    };
    let (parts, body) = match timeout {
        Some(timeout) => tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ApiError::Timeout {
                url: url.clone(),
                timeout,
            })??,
        None => exchange.await?,
    };
    if !parts.status.is_success() {
        return Err(ApiError::Status {
            url,
            status: parts.status,
            body: String::from_utf8_lossy(&body).chars().take(512).collect(),
        });
    }
    Ok((parts.headers, body))
}

/// A registered extension.
#[derive(Debug, Clone)]
pub struct ExtensionsClient {
    http: HttpClient,
    api: String,
    id: String,
    events: Events,
}

impl ExtensionsClient {
    /// Registers `name` for `events` with the Extensions API at `api` (`host:port`).
    pub async fn register(
        http: HttpClient,
        api: &str,
        name: &str,
        events: Events,
    ) -> Result<Self, ApiError> {
        let request = register_request(api, name, events)?;
        let (headers, _) = send(&http, request, Some(CALL_TIMEOUT)).await?;
        let id = headers
            .get(EXTENSION_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty())
            .ok_or(ApiError::MissingIdentifier)?
            .to_owned();
        Ok(Self {
            http,
            api: api.to_owned(),
            id,
            events,
        })
    }

    /// What it registered for.
    pub fn events(&self) -> Events {
        self.events
    }

    /// The identifier Lambda gave.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The API address.
    pub fn api(&self) -> &str {
        &self.api
    }

    /// The HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Waits for the next event (a long poll: no timeout).
    pub async fn next(&self) -> Result<NextEvent, ApiError> {
        let request = next_request(&self.api, &self.id)?;
        let url = request.uri().to_string();
        let (_, body) = send(&self.http, request, None).await?;
        serde_json::from_slice(&body).map_err(|source| ApiError::Decode { url, source })
    }

    /// Reports an error to `init/error` or `exit/error`.
    pub async fn report_error(
        &self,
        phase: ErrorPhase,
        error_type: &str,
        message: &str,
    ) -> Result<(), ApiError> {
        let request = error_request(&self.api, &self.id, phase, error_type, message)?;
        send(&self.http, request, Some(CALL_TIMEOUT))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn requests() {
        let request = register_request("127.0.0.1:9001", "ext", Events::ShutdownOnly).unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.uri(),
            "http://127.0.0.1:9001/2020-01-01/extension/register"
        );
        assert_eq!(request.headers()[EXTENSION_NAME_HEADER], "ext");
        let request = next_request("h:1", "id-1").unwrap();
        assert_eq!(request.uri(), "http://h:1/2020-01-01/extension/event/next");
        assert_eq!(request.headers()[EXTENSION_ID_HEADER], "id-1");
        let request =
            error_request("h:1", "id-1", ErrorPhase::Init, "Extension.Config", "bad").unwrap();
        assert_eq!(request.uri(), "http://h:1/2020-01-01/extension/init/error");
        assert_eq!(request.headers()[ERROR_TYPE_HEADER], "Extension.Config");
        let request = error_request("h:1", "id-1", ErrorPhase::Exit, "E", "m").unwrap();
        assert_eq!(request.uri(), "http://h:1/2020-01-01/extension/exit/error");
    }

    #[test]
    fn next_events() {
        let invoke: NextEvent = serde_json::from_str(
            r#"{"eventType":"INVOKE","deadlineMs":1700000000000,"requestId":"r","invokedFunctionArn":"arn","tracing":{"type":"X-Amzn-Trace-Id","value":"v"}}"#,
        )
        .unwrap();
        assert_eq!(
            invoke,
            NextEvent::Invoke {
                request_id: "r".into(),
                deadline_ms: 1_700_000_000_000
            }
        );
        let shutdown: NextEvent = serde_json::from_str(
            r#"{"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":5}"#,
        )
        .unwrap();
        assert!(matches!(
            shutdown,
            NextEvent::Shutdown { deadline_ms: 5, .. }
        ));
    }
}
