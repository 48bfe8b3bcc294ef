//! A fault-injecting Kinesis stand-in for tests and benchmarks: an HTTP/1 server on
//! 127.0.0.1 that speaks the Kinesis JSON 1.1 protocol for `PutRecords` only
//! (`X-Amz-Target: Kinesis_20131202.PutRecords`, base64 `Data`), records every record it
//! accepts, and can be told to misbehave: partial failures, HTTP errors, stalls (no
//! answer) and refused connections. Otherwise it answers at once.
//!
//! It runs on its own thread and runtime, so it works from any test, async or not, and
//! lives until dropped.
//!
//! ```no_run
//! use test_support::fake_kinesis::{Behaviour, FakeKinesis};
//! let kinesis = FakeKinesis::start();
//! kinesis.set_behaviour(Behaviour::Status(503));
//! // ... run the code under test with `kinesis.env()` ...
//! kinesis.set_behaviour(Behaviour::Healthy);
//! ```

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use telemetry_kinesis_contract::limits::{
    MAX_BYTES_PER_CALL, MAX_PARTITION_KEY_CHARS, MAX_RECORD_BYTES, MAX_RECORDS_PER_CALL,
};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The `X-Amz-Target` of PutRecords.
pub const PUT_RECORDS_TARGET: &str = "Kinesis_20131202.PutRecords";

/// Per-entry error codes Kinesis reports in a partial failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryError {
    /// `ProvisionedThroughputExceededException` (throttling).
    Throttled,
    /// `InternalFailure`.
    InternalFailure,
}

impl EntryError {
    fn code(self) -> &'static str {
        match self {
            Self::Throttled => "ProvisionedThroughputExceededException",
            Self::InternalFailure => "InternalFailure",
        }
    }
}

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Accept every record at once.
    Healthy,
    /// HTTP 200 with `FailedRecordCount > 0`: every `every`-th entry (counted across
    /// calls, so retried entries eventually pass) fails with `error`.
    PartialFailure {
        /// Period of failing entries (1 fails all of them).
        every: u64,
        /// The error code.
        error: EntryError,
    },
    /// Answer every call with this HTTP status (500, 503, ...) and no record accepted.
    Status(u16),
    /// Never answer (until the behaviour changes; the held calls then get HTTP 503).
    Stall,
    /// Stop listening and close open connections: connections are refused.
    Refuse,
}

/// A record the stand-in accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedRecord {
    /// `StreamName` (or `StreamARN`) of the call.
    pub stream: String,
    /// Partition key.
    pub partition_key: String,
    /// Decoded data.
    pub data: Vec<u8>,
}

#[derive(Debug, Default)]
struct Counters {
    calls: u64,
    entries_seen: u64,
    entries_failed: u64,
    entries_accepted: u64,
}

struct State {
    behaviour: watch::Sender<Behaviour>,
    queued: Mutex<VecDeque<Behaviour>>,
    records: Mutex<Vec<AcceptedRecord>>,
    accepted: watch::Sender<usize>,
    calls: watch::Sender<u64>,
    counters: Mutex<Counters>,
    shutdown: watch::Sender<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running stand-in; stops when dropped.
pub struct FakeKinesis {
    address: SocketAddr,
    state: Arc<State>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeKinesis {
    /// Starts a healthy stand-in on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound or no thread started.
    pub fn start() -> Self {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|error| panic!("fake Kinesis: bind: {error}"));
        let address = std_listener
            .local_addr()
            .unwrap_or_else(|error| panic!("fake Kinesis: local address: {error}"));
        std_listener
            .set_nonblocking(true)
            .unwrap_or_else(|error| panic!("fake Kinesis: nonblocking: {error}"));
        let state = Arc::new(State {
            behaviour: watch::Sender::new(Behaviour::Healthy),
            queued: Mutex::new(VecDeque::new()),
            records: Mutex::new(Vec::new()),
            accepted: watch::Sender::new(0),
            calls: watch::Sender::new(0),
            counters: Mutex::new(Counters::default()),
            shutdown: watch::Sender::new(false),
        });
        let server_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("fake-kinesis".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap_or_else(|error| panic!("fake Kinesis: runtime: {error}"));
                runtime.block_on(serve(std_listener, address, server_state));
            })
            .unwrap_or_else(|error| panic!("fake Kinesis: thread: {error}"));
        Self {
            address,
            state,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Environment for a child process that reaches Kinesis through the standard
    /// variables: `AWS_ENDPOINT_URL_KINESIS`, dummy credentials, region.
    pub fn env(&self) -> Vec<(String, String)> {
        let endpoint = self.endpoint();
        [
            ("AWS_ENDPOINT_URL_KINESIS", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
    }

    /// Sets how calls are answered from now on (after any queued ones).
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.state.behaviour.send_replace(behaviour);
    }

    /// Answers the next calls with `behaviours`, one each, before the standing behaviour.
    /// [`Behaviour::Refuse`] is not a per-call behaviour and is treated as HTTP 503.
    pub fn queue(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        lock(&self.state.queued).extend(behaviours);
    }

    /// Every record accepted so far (and not taken), in order.
    pub fn records(&self) -> Vec<AcceptedRecord> {
        lock(&self.state.records).clone()
    }

    /// Removes and returns the records held: long benchmark runs drain them so memory
    /// stays flat. Counts ([`Self::accepted`], [`Self::wait_for_records`]) include taken
    /// records.
    pub fn take_records(&self) -> Vec<AcceptedRecord> {
        std::mem::take(&mut *lock(&self.state.records))
    }

    /// Records accepted so far, taken ones included.
    pub fn accepted(&self) -> u64 {
        lock(&self.state.counters).entries_accepted
    }

    /// PutRecords calls received (whatever the answer; refused connections excluded).
    pub fn calls(&self) -> u64 {
        lock(&self.state.counters).calls
    }

    /// Entries that were answered with a per-entry error.
    pub fn failed_entries(&self) -> u64 {
        lock(&self.state.counters).entries_failed
    }

    /// Waits until at least `count` records were accepted (taken ones included); returns
    /// whether they were within `timeout`.
    pub async fn wait_for_records(&self, count: usize, timeout: Duration) -> bool {
        let mut receiver = self.state.accepted.subscribe();
        tokio::time::timeout(timeout, receiver.wait_for(|accepted| *accepted >= count))
            .await
            .is_ok_and(|result| result.is_ok())
    }
}

impl FakeKinesis {
    /// Waits until at least `count` PutRecords calls arrived; returns whether they did
    /// within `timeout`.
    pub async fn wait_for_calls(&self, count: u64, timeout: Duration) -> bool {
        let mut receiver = self.state.calls.subscribe();
        tokio::time::timeout(timeout, receiver.wait_for(|calls| *calls >= count))
            .await
            .is_ok_and(|result| result.is_ok())
    }
}

impl Drop for FakeKinesis {
    fn drop(&mut self) {
        self.state.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(std_listener: std::net::TcpListener, address: SocketAddr, state: Arc<State>) {
    let mut shutdown = state.shutdown.subscribe();
    let mut behaviour = state.behaviour.subscribe();
    let mut listener = TcpListener::from_std(std_listener).ok();
    let mut connections = JoinSet::new();
    loop {
        let refusing = *behaviour.borrow_and_update() == Behaviour::Refuse;
        if refusing && listener.is_some() {
            listener = None;
            connections.abort_all();
        }
        if !refusing && listener.is_none() {
            listener = TcpListener::bind(address).await.ok();
        }
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = behaviour.changed() => {}
            accepted = accept(listener.as_ref()) => {
                let Ok((stream, _)) = accepted else { continue };
                let state = Arc::clone(&state);
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(Arc::clone(&state), request));
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

async fn accept(
    listener: Option<&TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    response
}

fn error_response(status: StatusCode, kind: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(status, &json!({"__type": kind, "message": message}))
}

async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Ok(body) = request.into_body().collect().await else {
        return Ok(error_response(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "unreadable body",
        ));
    };
    let body = body.to_bytes();
    if target != PUT_RECORDS_TARGET {
        return Ok(error_response(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &format!("the fake only serves PutRecords, not {target:?}"),
        ));
    }
    lock(&state.counters).calls += 1;
    state.calls.send_modify(|calls| *calls += 1);
    let queued = lock(&state.queued).pop_front();
    let behaviour = queued.unwrap_or_else(|| *state.behaviour.borrow());
    match behaviour {
        Behaviour::Healthy => Ok(put_records(&state, &body, None)),
        Behaviour::PartialFailure { every, error } => {
            Ok(put_records(&state, &body, Some((every.max(1), error))))
        }
        Behaviour::Status(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let kind = if status == StatusCode::SERVICE_UNAVAILABLE {
                "ServiceUnavailable"
            } else {
                "InternalFailure"
            };
            Ok(error_response(status, kind, "injected by the fake"))
        }
        Behaviour::Stall => {
            let mut changes = state.behaviour.subscribe();
            let _ = changes.changed().await;
            Ok(error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "stalled",
            ))
        }
        Behaviour::Refuse => Ok(error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "injected by the fake",
        )),
    }
}

fn put_records(
    state: &State,
    body: &[u8],
    failing: Option<(u64, EntryError)>,
) -> Response<Full<Bytes>> {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "invalid JSON",
        );
    };
    let stream = request["StreamName"]
        .as_str()
        .or_else(|| request["StreamARN"].as_str())
        .unwrap_or_default()
        .to_owned();
    let Some(entries) = request["Records"].as_array() else {
        return error_response(StatusCode::BAD_REQUEST, "ValidationException", "no Records");
    };
    if entries.is_empty() || entries.len() > MAX_RECORDS_PER_CALL {
        return error_response(
            StatusCode::BAD_REQUEST,
            "ValidationException",
            "Records must hold 1 to 500 entries",
        );
    }
    let mut decoded = Vec::with_capacity(entries.len());
    let mut total = 0;
    for entry in entries {
        let key = entry["PartitionKey"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let Ok(data) = STANDARD.decode(entry["Data"].as_str().unwrap_or_default()) else {
            return error_response(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                "Data is not base64",
            );
        };
        if key.is_empty()
            || key.chars().count() > MAX_PARTITION_KEY_CHARS
            || data.len() + key.len() > MAX_RECORD_BYTES
        {
            return error_response(
                StatusCode::BAD_REQUEST,
                "ValidationException",
                "record too large or bad key",
            );
        }
        total += data.len() + key.len();
        decoded.push((key, data));
    }
    if total > MAX_BYTES_PER_CALL {
        return error_response(
            StatusCode::BAD_REQUEST,
            "InvalidArgumentException",
            "request over 5 MiB",
        );
    }
    let mut results = Vec::with_capacity(decoded.len());
    let mut failed = 0;
    let mut records = lock(&state.records);
    let mut counters = lock(&state.counters);
    for (partition_key, data) in decoded {
        let index = counters.entries_seen;
        counters.entries_seen += 1;
        match failing {
            Some((every, error)) if index.is_multiple_of(every) => {
                failed += 1;
                counters.entries_failed += 1;
                results.push(
                    json!({"ErrorCode": error.code(), "ErrorMessage": "injected by the fake"}),
                );
            }
            _ => {
                counters.entries_accepted += 1;
                results.push(json!({
                    "SequenceNumber": format!("{:056}", counters.entries_accepted),
                    "ShardId": "shardId-000000000000",
                }));
                records.push(AcceptedRecord {
                    stream: stream.clone(),
                    partition_key,
                    data,
                });
            }
        }
    }
    let accepted = usize::try_from(counters.entries_accepted).unwrap_or(usize::MAX);
    drop(counters);
    drop(records);
    state.accepted.send_replace(accepted);
    json_response(
        StatusCode::OK,
        &json!({"FailedRecordCount": failed, "Records": results}),
    )
}
