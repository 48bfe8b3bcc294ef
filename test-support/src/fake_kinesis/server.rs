//! The stand-in's thread, runtime, listener (closed while refusing) and request handler.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::behaviour::Behaviour;
use super::{AcceptedRecord, PUT_RECORDS_TARGET, State, counting, lock, put_records};
use telemetry_kinesis_contract::limits::put_payload_units;

/// Binds a free port and serves on a new thread; returns the address, the runtime handle
/// (for scheduled changes) and the thread.
pub(super) fn spawn(
    state: Arc<State>,
) -> (
    SocketAddr,
    tokio::runtime::Handle,
    std::thread::JoinHandle<()>,
) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|error| panic!("fake Kinesis: bind: {error}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("fake Kinesis: local address: {error}"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|error| panic!("fake Kinesis: nonblocking: {error}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("fake Kinesis: runtime: {error}"));
    let handle = runtime.handle().clone();
    let thread = std::thread::Builder::new()
        .name("fake-kinesis".into())
        .spawn(move || runtime.block_on(serve(listener, address, state)))
        .unwrap_or_else(|error| panic!("fake Kinesis: thread: {error}"));
    (address, handle, thread)
}

async fn serve(first: std::net::TcpListener, address: SocketAddr, state: Arc<State>) {
    let mut shutdown = state.shutdown.subscribe();
    let mut behaviour = state.behaviour.subscribe();
    let mut listener = TcpListener::from_std(first).ok();
    while !*shutdown.borrow() {
        if *behaviour.borrow_and_update() == Behaviour::Refuse {
            listener = None;
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => break,
                _ = behaviour.wait_for(|now| *now != Behaviour::Refuse) => continue,
            }
        }
        let bound = match listener.take() {
            Some(bound) => Some(bound),
            None => TcpListener::bind(address).await.ok(),
        };
        let Some(bound) = bound else {
            // The port is briefly unavailable after refusing: try again on the next change.
            let _ = behaviour.changed().await;
            continue;
        };
        let handler_state = Arc::clone(&state);
        let stop_shutdown = shutdown.clone();
        let stop_behaviour = behaviour.clone();
        crate::http_server::serve(
            bound,
            move |request| handle(Arc::clone(&handler_state), request),
            state.latency.connect,
            stop(stop_shutdown, stop_behaviour),
        )
        .await;
    }
}

/// Resolves on shutdown or when the stand-in starts refusing connections.
async fn stop(
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut behaviour: tokio::sync::watch::Receiver<Behaviour>,
) {
    tokio::select! {
        _ = shutdown.wait_for(|stop| *stop) => {}
        _ = behaviour.wait_for(|now| *now == Behaviour::Refuse) => {}
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    text_response(status, body.to_string())
}

fn text_response(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
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

async fn handle(state: Arc<State>, request: Request<Incoming>) -> crate::http_server::Answer {
    let response = answer(&state, request).await;
    if !state.latency.call.is_zero() {
        tokio::time::sleep(state.latency.call).await;
    }
    Ok(response)
}

async fn answer(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Ok(body) = request.into_body().collect().await else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "unreadable body",
        );
    };
    if target != PUT_RECORDS_TARGET {
        return error_response(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &format!("the fake only serves PutRecords, not {target:?}"),
        );
    }
    state.counters.send_modify(|counters| counters.calls += 1);
    let queued = lock(&state.queued).pop_front();
    let behaviour = queued.unwrap_or_else(|| *state.behaviour.borrow());
    match behaviour {
        Behaviour::Healthy | Behaviour::PartialFailure { .. } | Behaviour::FailPercent { .. } => {
            store(state, &body.to_bytes(), behaviour)
        }
        Behaviour::Slow(delay) => {
            let response = store(state, &body.to_bytes(), behaviour);
            tokio::time::sleep(delay).await;
            response
        }
        Behaviour::Status(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let kind = if status == StatusCode::SERVICE_UNAVAILABLE {
                "ServiceUnavailable"
            } else {
                "InternalFailure"
            };
            error_response(status, kind, "injected by the fake")
        }
        Behaviour::Stall => {
            let mut changes = state.behaviour.subscribe();
            let _ = changes.changed().await;
            error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "stalled",
            )
        }
        Behaviour::Refuse => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "injected by the fake",
        ),
    }
}

/// Stores (or counts) the entries `behaviour` lets through and answers with the verdicts.
fn store(state: &State, body: &[u8], behaviour: Behaviour) -> Response<Full<Bytes>> {
    let parsed = if state.keep_records {
        put_records::parse(body).map(|request| {
            let sizes: Vec<Counted> = request
                .entries
                .iter()
                .map(|(key, data)| Counted {
                    bytes: key.len() + data.len(),
                    user_records: counting::user_records(data),
                })
                .collect();
            (sizes, Some(request))
        })
    } else {
        put_records::count(body).map(|records| {
            let sizes = records
                .iter()
                .map(|record| Counted {
                    bytes: record.key_len + record.data_len,
                    user_records: record.user_records,
                })
                .collect();
            (sizes, None)
        })
    };
    let (sizes, request) = match parsed {
        Ok(parsed) => parsed,
        Err(rejection) => {
            return error_response(StatusCode::BAD_REQUEST, rejection.kind, rejection.message);
        }
    };
    let mut entries = request.map(|request| (request.stream, request.entries.into_iter()));
    let mut records = lock(&state.records);
    let mut results = Vec::with_capacity(sizes.len());
    state.counters.send_modify(|counters| {
        for size in sizes {
            let entry = entries
                .as_mut()
                .and_then(|(stream, entries)| Some((stream.clone(), entries.next()?)));
            let index = counters.entries_seen;
            counters.entries_seen += 1;
            match behaviour.entry_error(index) {
                Some(error) => {
                    counters.entries_failed += 1;
                    results.push(Err(error));
                }
                None => {
                    counters.entries_accepted += 1;
                    counters.user_records_accepted += size.user_records;
                    counters.bytes_accepted += size.bytes as u64;
                    counters.payload_units_accepted += put_payload_units(size.bytes) as u64;
                    results.push(Ok(counters.entries_accepted));
                    if let Some((stream, (partition_key, data))) = entry {
                        records.push(AcceptedRecord {
                            stream,
                            partition_key,
                            data,
                        });
                    }
                }
            }
        }
    });
    drop(records);
    text_response(StatusCode::OK, put_records::answer(&results))
}

/// What an accepted entry adds to the counters.
struct Counted {
    bytes: usize,
    user_records: u64,
}
