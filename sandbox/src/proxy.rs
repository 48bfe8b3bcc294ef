//! The API endpoint the processes see (`AWS_LAMBDA_RUNTIME_API`): forwards every call to the
//! simulator and records it on the timeline, and fills the simulator's gaps:
//! - `PUT /2022-07-01/telemetry`: keeps the subscription (types, Lambda's buffering defaults
//!   and ranges, destination with `sandbox` or `sandbox.localdomain` mapped to loopback) for
//!   our delivery actor, and subscribes at the simulator with a destination of ours, so the
//!   simulator's platform events join the same stream as the `function`/`extension` events;
//! - the invocation events (the runtime's and the extensions' `next`): tell the hub which
//!   invocation the output lines captured from now on belong to;
//! - `POST /2020-01-01/extension/init/error` and `exit/error`: recorded and answered (the
//!   simulator has no such routes);
//! - the execution model: on Lambda Managed Instances a registration for any event but
//!   SHUTDOWN is refused as Lambda refuses it (403 `Extension.InvalidEventType`), and every
//!   model checks a subscription's `schemaVersion`; the relayed platform events are
//!   rewritten as the model's Lambda emits them ([`crate::model_events`]); SnapStart's
//!   `GET /2018-06-01/runtime/restore/next` (the runtime's end of INIT) is answered at once.

use crate::delivery::Hub;
use crate::http::{Collected, HttpClient, json_response, send, text_response};
use crate::model::ExecutionModel;
use crate::model_events::PlatformRewriter;
use crate::platform::PlatformEvent;
use crate::subscription::{Subscription, relay_request};
use crate::timeline::{Mark, Registered, Timeline};
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

const EXTENSION_ID: &str = "lambda-extension-identifier";
const EXTENSION_NAME: &str = "lambda-extension-name";
const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const FUNCTION_ERROR_TYPE: &str = "lambda-extension-function-error-type";
const REGISTER: &str = "/2020-01-01/extension/register";
const RESTORE_NEXT: &str = "/2018-06-01/runtime/restore/next";
/// Where the simulator sends an extension's platform events: `{PLATFORM_RELAY}{id}`.
const PLATFORM_RELAY: &str = "/_sandbox/platform/";

pub(crate) struct Proxy {
    simulator: String,
    address: SocketAddr,
    client: HttpClient,
    timeline: Arc<Timeline>,
    hub: Arc<Hub>,
    model: ExecutionModel,
    rewriter: Arc<PlatformRewriter>,
}

/// What the proxy records to and routes through.
pub(crate) struct ProxyContext {
    pub client: HttpClient,
    pub timeline: Arc<Timeline>,
    pub hub: Arc<Hub>,
    pub model: ExecutionModel,
    pub rewriter: Arc<PlatformRewriter>,
}

/// Binds the proxy on loopback and serves it from a task in `tasks`.
pub(crate) async fn start(
    simulator: SocketAddr,
    context: ProxyContext,
    tasks: &mut JoinSet<()>,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let ProxyContext {
        client,
        timeline,
        hub,
        model,
        rewriter,
    } = context;
    let proxy = Arc::new(Proxy {
        simulator: format!("http://{simulator}"),
        address,
        client,
        timeline,
        hub,
        model,
        rewriter,
    });
    tasks.spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let proxy = Arc::clone(&proxy);
            connections.spawn(async move {
                let service = service_fn(move |request| {
                    let proxy = Arc::clone(&proxy);
                    async move { Ok::<_, Infallible>(proxy.handle(request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
            while connections.try_join_next().is_some() {}
        }
    });
    Ok(address)
}

fn header(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

impl Proxy {
    async fn handle(&self, request: http::Request<Incoming>) -> http::Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let body = match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(error) => return text_response(StatusCode::BAD_REQUEST, error.to_string()),
        };
        let path = parts.uri.path();
        let extension_id = header(&parts.headers, EXTENSION_ID).unwrap_or_default();
        match (&parts.method, path) {
            (&Method::POST, relay) if relay.starts_with(PLATFORM_RELAY) => {
                self.relay_platform(&relay[PLATFORM_RELAY.len()..], &body)
            }
            (&Method::PUT, "/2022-07-01/telemetry") => {
                self.subscribe(&parts.headers, &extension_id, &body).await
            }
            (
                &Method::POST,
                "/2020-01-01/extension/init/error" | "/2020-01-01/extension/exit/error",
            ) => {
                let kind = if path.ends_with("init/error") {
                    "init/error"
                } else {
                    "exit/error"
                };
                self.timeline.record(Mark::ExtensionError {
                    id: extension_id,
                    kind,
                    error_type: header(&parts.headers, FUNCTION_ERROR_TYPE).unwrap_or_default(),
                });
                text_response(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
            }
            (&Method::POST, REGISTER) => {
                let events = requested_events(&body);
                let events: Vec<&str> = events.iter().map(String::as_str).collect();
                if let Some(event) = self.model.refused_event(&events) {
                    // The extension stays unregistered and may register again.
                    let body = json!({
                        "errorType": "Extension.InvalidEventType",
                        "errorMessage": format!("{event}: ErrorInvalidEventType"),
                    });
                    return json_response(StatusCode::FORBIDDEN, &body);
                }
                let response = self.forward(&parts, body.clone()).await;
                if response.status() == StatusCode::OK
                    && let Some(id) = header(response.headers(), EXTENSION_ID)
                {
                    let invoke = events.contains(&"INVOKE");
                    self.timeline.record(Mark::Registered(Registered {
                        id,
                        name: header(&parts.headers, EXTENSION_NAME).unwrap_or_default(),
                        invoke,
                    }));
                }
                response
            }
            (&Method::GET, "/2020-01-01/extension/event/next") => {
                self.timeline
                    .record(Mark::ExtensionNext { id: extension_id });
                let collected = match self.exchange(&parts, body).await {
                    Ok(collected) => collected,
                    Err(response) => return response,
                };
                if collected.status == StatusCode::OK
                    && let Some(request_id) = invoke_request_id(&collected.body)
                {
                    self.hub.begin_invocation(&request_id);
                }
                relayed(collected)
            }
            (&Method::GET, "/2018-06-01/runtime/invocation/next") => {
                self.timeline.record(Mark::RuntimeNext);
                let mut response = self.forward(&parts, body).await;
                if response.status() == StatusCode::OK {
                    if let Some(request_id) = header(response.headers(), REQUEST_ID) {
                        self.hub.begin_invocation(&request_id);
                    }
                    // The simulator labels the event `text/plain`; Lambda sends
                    // `application/json`, and awslambdaric only decodes JSON-labelled events.
                    response.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                }
                response
            }
            (&Method::GET, RESTORE_NEXT) if self.model == ExecutionModel::SnapStart => {
                // The snapshot is taken and restored at once: the runtime's after-restore
                // hooks run before the freeze that ends INIT, not in the Restore phase.
                text_response(StatusCode::OK, "")
            }
            (&Method::POST, "/2018-06-01/runtime/init/error") => {
                self.timeline.record(Mark::RuntimeInitError {
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                self.forward(&parts, body).await
            }
            (&Method::POST, done)
                if done.starts_with("/2018-06-01/runtime/invocation/")
                    && (done.ends_with("/response") || done.ends_with("/error")) =>
            {
                let request_id = done
                    .trim_start_matches("/2018-06-01/runtime/invocation/")
                    .rsplit_once('/')
                    .map(|(id, _)| id.to_owned())
                    .unwrap_or_default();
                self.timeline.record(Mark::RuntimeDone { request_id });
                self.forward(&parts, body).await
            }
            _ => self.forward(&parts, body).await,
        }
    }

    async fn forward(
        &self,
        parts: &http::request::Parts,
        body: Bytes,
    ) -> http::Response<Full<Bytes>> {
        match self.exchange(parts, body).await {
            Ok(collected) => relayed(collected),
            Err(response) => response,
        }
    }

    /// Sends the request on to the simulator; `Err` is the response to give when that failed.
    async fn exchange(
        &self,
        parts: &http::request::Parts,
        body: Bytes,
    ) -> Result<Collected, http::Response<Full<Bytes>>> {
        let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
        let register = parts.uri.path() == REGISTER;
        let mut builder = http::Request::builder()
            .method(parts.method.clone())
            .uri(format!("{}{path}", self.simulator));
        for (name, value) in &parts.headers {
            let relabelled = register && name == http::header::CONTENT_TYPE;
            if !is_hop_header(name) && !relabelled {
                builder = builder.header(name, value);
            }
        }
        // The simulator's register route rejects bodies not labelled JSON (HTTP 415); Lambda
        // reads the body whatever its content type.
        if register {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(Full::new(body))
            .map_err(|error| text_response(StatusCode::BAD_GATEWAY, error.to_string()))?;
        send(&self.client, request)
            .await
            .map_err(|error| text_response(StatusCode::BAD_GATEWAY, error))
    }

    async fn subscribe(
        &self,
        headers: &http::HeaderMap,
        extension_id: &str,
        body: &Bytes,
    ) -> http::Response<Full<Bytes>> {
        let invalid = |message: String| {
            let body = json!({"errorMessage": message, "errorType": "ValidationError"});
            json_response(StatusCode::BAD_REQUEST, &body)
        };
        let Ok(request) = serde_json::from_slice::<Value>(body) else {
            return invalid("the subscription is not JSON".to_owned());
        };
        let version = request.get("schemaVersion").and_then(Value::as_str);
        if let Err(message) = self.model.check_schema_version(version) {
            return invalid(message);
        }
        let subscription = match Subscription::from_request(&request) {
            Ok(subscription) => subscription,
            Err(message) => return invalid(message),
        };
        let name = self
            .timeline
            .extension_name(extension_id)
            .unwrap_or_else(|| header(headers, EXTENSION_NAME).unwrap_or_default());
        self.hub.subscribe(extension_id, &name, subscription);

        let relay = format!("http://{}{PLATFORM_RELAY}{extension_id}", self.address);
        let request = relay_request(request, relay);
        let forwarded = http::Request::put(format!("{}/2022-07-01/telemetry", self.simulator))
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(EXTENSION_ID, extension_id)
            .header(EXTENSION_NAME, name)
            .body(Full::new(Bytes::from(request.to_string())));
        match forwarded {
            Ok(forwarded) => match send(&self.client, forwarded).await {
                Ok(collected) => {
                    let body = if collected.body.is_empty() {
                        Bytes::from_static(b"OK")
                    } else {
                        collected.body
                    };
                    text_response(collected.status, body)
                }
                Err(error) => text_response(StatusCode::BAD_GATEWAY, error),
            },
            Err(error) => text_response(StatusCode::BAD_GATEWAY, error.to_string()),
        }
    }

    fn relay_platform(&self, extension_id: &str, body: &Bytes) -> http::Response<Full<Bytes>> {
        let Some(events) = PlatformEvent::batch(body, |event| self.rewriter.rewrite(event)) else {
            return text_response(StatusCode::BAD_REQUEST, "expected a JSON array");
        };
        for event in events {
            self.hub.publish_platform(extension_id, event);
        }
        text_response(StatusCode::OK, "OK")
    }
}

/// The simulator's response as ours.
fn relayed(collected: Collected) -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(collected.body));
    *response.status_mut() = collected.status;
    for (name, value) in &collected.headers {
        if !is_hop_header(name) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}

/// The events a registration request asks for.
fn requested_events(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|request| request.get("events").cloned())
        .and_then(|events| events.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|event| event.as_str().map(str::to_owned))
        .collect()
}

/// The request ID of an extension's INVOKE event (`None` for SHUTDOWN or anything else).
fn invoke_request_id(event: &[u8]) -> Option<String> {
    let event: Value = serde_json::from_slice(event).ok()?;
    if event.get("eventType")?.as_str()? != "INVOKE" {
        return None;
    }
    event.get("requestId")?.as_str().map(str::to_owned)
}

fn is_hop_header(name: &http::HeaderName) -> bool {
    name == http::header::HOST
        || name == http::header::CONTENT_LENGTH
        || name == http::header::TRANSFER_ENCODING
        || name == http::header::CONNECTION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_names_its_events() {
        assert_eq!(
            requested_events(br#"{"events":["INVOKE","SHUTDOWN"]}"#),
            ["INVOKE", "SHUTDOWN"]
        );
        assert!(requested_events(br#"{"events":[]}"#).is_empty());
        assert!(requested_events(b"not json").is_empty());
    }

    #[test]
    fn only_invoke_events_name_an_invocation() {
        assert_eq!(
            invoke_request_id(br#"{"eventType":"INVOKE","requestId":"r1","deadlineMs":1}"#),
            Some("r1".to_owned())
        );
        assert_eq!(
            invoke_request_id(br#"{"eventType":"SHUTDOWN","shutdownReason":"spindown"}"#),
            None
        );
        assert_eq!(invoke_request_id(b"not json"), None);
    }
}
