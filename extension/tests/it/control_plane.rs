//! A scripted stand-in for Lambda's Extensions and Telemetry APIs, for tests that need
//! what lambda-simulator cannot do: a failing Telemetry API, init/error bodies, and
//! INVOKE/SHUTDOWN events with chosen deadlines while the test feeds the listener.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// How the Telemetry API answers the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelemetryAnswer {
    Ok,
    Status(u16),
    /// Close the connection without answering.
    Hangup,
}

/// Which Lambda the control plane behaves like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Default functions: INVOKE and SHUTDOWN, every schema version.
    Default,
    /// Managed Instances: INVOKE registration refused with 403, schema `2025-01-29` only.
    ManagedInstances,
    /// An environment that predates schema `2025-01-29` and refuses it with 400.
    OldSchemas,
}

/// An `init/error` or `exit/error` call.
#[derive(Debug, Clone)]
pub struct ReportedError {
    pub path: String,
    pub error_type: String,
    pub body: Value,
}

struct State {
    telemetry: TelemetryAnswer,
    model: Model,
    registrations: watch::Sender<Vec<Value>>,
    events: Mutex<VecDeque<Value>>,
    event_added: Notify,
    registered: watch::Sender<Option<String>>,
    subscription: watch::Sender<Option<Value>>,
    next_polls: watch::Sender<u64>,
    taken: watch::Sender<u64>,
    errors: watch::Sender<Vec<ReportedError>>,
}

pub struct ControlPlane {
    address: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn unix_ms_in(delay: Duration) -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    (now + delay).as_millis() as i64
}

impl ControlPlane {
    pub async fn start(telemetry: TelemetryAnswer) -> Self {
        Self::start_as(telemetry, Model::Default).await
    }

    pub async fn start_as(telemetry: TelemetryAnswer, model: Model) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let state = Arc::new(State {
            telemetry,
            model,
            registrations: watch::Sender::new(Vec::new()),
            events: Mutex::new(VecDeque::new()),
            event_added: Notify::new(),
            registered: watch::Sender::new(None),
            subscription: watch::Sender::new(None),
            next_polls: watch::Sender::new(0),
            taken: watch::Sender::new(0),
            errors: watch::Sender::new(Vec::new()),
        });
        let server_state = Arc::clone(&state);
        let task = tokio::spawn(test_support::http_server::serve(
            listener,
            move |request| handle(Arc::clone(&server_state), request),
            Duration::ZERO,
            std::future::pending(),
        ));
        Self {
            address,
            state,
            task,
        }
    }

    /// `AWS_LAMBDA_RUNTIME_API`.
    pub fn runtime_api(&self) -> String {
        self.address.to_string()
    }

    pub fn invoke(&self, request_id: &str) {
        self.push(json!({
            "eventType": "INVOKE",
            "requestId": request_id,
            // Relative until served: Lambda sets the deadline when it sends the event.
            "deadlineInMs": 30_000,
            "invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "tracing": {"type": "X-Amzn-Trace-Id", "value": "Root=1"}
        }));
    }

    /// Sends SHUTDOWN with `budget` until the deadline.
    pub fn shutdown(&self, budget: Duration) {
        self.push(json!({
            "eventType": "SHUTDOWN",
            "shutdownReason": "spindown",
            "deadlineInMs": budget.as_millis() as u64,
        }));
    }

    fn push(&self, event: Value) {
        self.state.events.lock().unwrap().push_back(event);
        self.state.event_added.notify_one();
    }

    pub async fn wait_subscribed(&self, timeout: Duration) -> Value {
        let mut receiver = self.state.subscription.subscribe();
        let value = tokio::time::timeout(timeout, receiver.wait_for(Option::is_some))
            .await
            .expect("no subscription in time")
            .unwrap();
        value.clone().unwrap()
    }

    /// Waits until `next` was called at least `count` times.
    pub async fn wait_next_polls(&self, count: u64, timeout: Duration) {
        let mut receiver = self.state.next_polls.subscribe();
        tokio::time::timeout(timeout, receiver.wait_for(|polls| *polls >= count))
            .await
            .unwrap_or_else(|_| panic!("fewer than {count} next calls in time"))
            .unwrap();
    }

    /// Waits until the extension received `count` events from `next`.
    pub async fn wait_events_taken(&self, count: u64, timeout: Duration) {
        let mut receiver = self.state.taken.subscribe();
        tokio::time::timeout(timeout, receiver.wait_for(|taken| *taken >= count))
            .await
            .unwrap_or_else(|_| panic!("fewer than {count} events taken in time"))
            .unwrap();
    }

    pub async fn wait_error(&self, timeout: Duration) -> ReportedError {
        let mut receiver = self.state.errors.subscribe();
        let errors = tokio::time::timeout(timeout, receiver.wait_for(|errors| !errors.is_empty()))
            .await
            .expect("no init/error or exit/error in time")
            .unwrap();
        errors[0].clone()
    }

    /// Every registration body received, in order.
    pub fn registrations(&self) -> Vec<Value> {
        self.state.registrations.borrow().clone()
    }

    pub fn registered_name(&self) -> Option<String> {
        self.state.registered.borrow().clone()
    }
}

/// The event as Lambda sends it: its deadline counted from now.
fn served(mut event: Value) -> Value {
    if let Some(relative) = event["deadlineInMs"].as_u64() {
        event["deadlineMs"] = json!(unix_ms_in(Duration::from_millis(relative)));
        event.as_object_mut().unwrap().remove("deadlineInMs");
    }
    event
}

fn respond(status: StatusCode, body: Value, headers: &[(&str, &str)]) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    for (name, value) in headers {
        response.headers_mut().insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    response
}

async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> test_support::http_server::Answer {
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let body = request.into_body().collect().await?.to_bytes();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    match path.as_str() {
        "/2020-01-01/extension/register" => {
            let registration: Value = serde_json::from_slice(&body)?;
            let invoke = registration["events"]
                .as_array()
                .is_some_and(|events| events.iter().any(|event| event == "INVOKE"));
            state
                .registrations
                .send_modify(|registrations| registrations.push(registration));
            if invoke && state.model == Model::ManagedInstances {
                return Ok(respond(
                    StatusCode::FORBIDDEN,
                    json!({"errorType": "Extension.InvalidEventType", "errorMessage": "INVOKE: ErrorInvalidEventType"}),
                    &[],
                ));
            }
            state
                .registered
                .send_replace(Some(header("Lambda-Extension-Name")));
            Ok(respond(
                StatusCode::OK,
                json!({"functionName": "f", "functionVersion": "$LATEST", "handler": "h"}),
                &[("Lambda-Extension-Identifier", "ext-id-1")],
            ))
        }
        "/2022-07-01/telemetry" => match state.telemetry {
            TelemetryAnswer::Ok => {
                let subscription: Value = serde_json::from_slice(&body)?;
                let schema = subscription["schemaVersion"].as_str().unwrap_or_default();
                let refused = match state.model {
                    Model::Default => false,
                    Model::ManagedInstances => schema != "2025-01-29",
                    Model::OldSchemas => schema == "2025-01-29",
                };
                if refused {
                    return Ok(respond(
                        StatusCode::BAD_REQUEST,
                        json!({"errorType": "ValidationError", "errorMessage": "schema validation error: schemaVersion"}),
                        &[],
                    ));
                }
                state.subscription.send_replace(Some(subscription));
                Ok(respond(StatusCode::OK, json!("OK"), &[]))
            }
            TelemetryAnswer::Status(status) => Ok(respond(
                StatusCode::from_u16(status)?,
                json!({"errorType": "Telemetry.Failed", "errorMessage": "injected"}),
                &[],
            )),
            TelemetryAnswer::Hangup => Err("hang up".into()),
        },
        "/2020-01-01/extension/event/next" => {
            state.next_polls.send_modify(|polls| *polls += 1);
            loop {
                let notified = state.event_added.notified();
                let event = state.events.lock().unwrap().pop_front().map(served);
                if let Some(event) = event {
                    state.taken.send_modify(|taken| *taken += 1);
                    return Ok(respond(StatusCode::OK, event, &[]));
                }
                notified.await;
            }
        }
        "/2020-01-01/extension/init/error" | "/2020-01-01/extension/exit/error" => {
            let reported = ReportedError {
                path,
                error_type: header("Lambda-Extension-Function-Error-Type"),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            };
            state.errors.send_modify(|errors| errors.push(reported));
            Ok(respond(StatusCode::ACCEPTED, json!({"status": "OK"}), &[]))
        }
        _ => Ok(respond(StatusCode::NOT_FOUND, json!("not found"), &[])),
    }
}
