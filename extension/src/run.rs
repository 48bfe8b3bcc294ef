//! The extension's life: register, bind the listener, subscribe, then answer INVOKE
//! and SHUTDOWN events until the end.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use crate::clock::deadline_instant;
use telemetry_kinesis_contract::TelemetryType;
use telemetry_kinesis_contract::names::EXTENSION_NAME;
use telemetry_kinesis_contract::settings::{LISTENER_HOST, LISTENER_PORT};

use crate::config::{self, Config};
use crate::dispatcher::{self, DispatcherHandle};
use crate::extensions_api::{ErrorPhase, ExtensionsClient, NextEvent, http_client};
use crate::flush::{END_FLUSH_BUDGET, FlushPolicy};
use crate::ingest::Ingest;
use crate::kinesis::KinesisSink;
use crate::record::Encoder;
use crate::{listener, telemetry_api};

/// Kept free before the SHUTDOWN deadline to log and exit before the SIGKILL.
pub const SHUTDOWN_MARGIN: Duration = Duration::from_millis(250);
/// Bound on resolving the destination host to choose the bind address.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(1);
/// Extra wait for an invocation's runtimeDone beyond the Telemetry API buffering.
const RUNTIME_DONE_GRACE: Duration = Duration::from_secs(1);

/// Init error types reported to `init/error`.
pub mod error_type {
    /// A configuration variable is invalid.
    pub const CONFIG: &str = "Extension.ConfigInvalid";
    /// The listener could not bind.
    pub const LISTENER: &str = "Extension.ListenerFailed";
    /// The Telemetry API subscription failed.
    pub const SUBSCRIBE: &str = "Extension.TelemetrySubscribeFailed";
    /// The Extensions API failed after init.
    pub const EXTENSIONS_API: &str = "Extension.ExtensionsApiFailed";
}

/// The extension's name: its executable's file name (what Lambda expects).
pub fn extension_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .map(std::path::Path::new)
        .and_then(std::path::Path::file_name)
        .and_then(|name| name.to_str())
        .map_or_else(|| EXTENSION_NAME.to_owned(), str::to_owned)
}

/// Runs the extension with the process environment.
pub async fn run_from_env() -> ExitCode {
    run(|name| std::env::var(name).ok(), &extension_name()).await
}

/// Runs the extension; `lookup` reads environment variables.
pub async fn run(lookup: impl Fn(&str) -> Option<String>, name: &str) -> ExitCode {
    let api = match config::runtime_api(&lookup) {
        Ok(api) => api,
        Err(error) => {
            error!(%error, "cannot reach the Extensions API");
            return ExitCode::FAILURE;
        }
    };
    let extension = match ExtensionsClient::register(http_client(), &api, name).await {
        Ok(extension) => extension,
        Err(error) => {
            error!(%error, "register failed");
            return ExitCode::FAILURE;
        }
    };
    let config = match Config::from_lookup(&lookup) {
        Ok(config) => config,
        Err(error) => return init_failed(&extension, error_type::CONFIG, &error.to_string()).await,
    };
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let started = start(&extension, &config, &cancel, &mut tasks).await;
    let code = match started {
        Ok(started) => event_loop(&extension, &config, &started).await,
        Err((kind, message)) => init_failed(&extension, kind, &message).await,
    };
    cancel.cancel();
    while tasks.join_next().await.is_some() {}
    code
}

async fn init_failed(extension: &ExtensionsClient, kind: &str, message: &str) -> ExitCode {
    error!(error_type = kind, "{message}");
    if let Err(error) = extension
        .report_error(ErrorPhase::Init, kind, message)
        .await
    {
        warn!(%error, "init/error failed");
    }
    ExitCode::FAILURE
}

/// What INIT set up for the event loop.
struct Started {
    ingest: Arc<Ingest>,
    dispatcher: DispatcherHandle,
    /// Opened at the first lifecycle event: the dispatcher then builds its Kinesis client.
    kinesis_gate: Arc<Notify>,
}

/// Binds the listener, subscribes and starts the dispatcher.
async fn start(
    extension: &ExtensionsClient,
    config: &Config,
    cancel: &CancellationToken,
    tasks: &mut JoinSet<()>,
) -> Result<Started, (&'static str, String)> {
    let host = match config.listener_host {
        Some(host) => host,
        None => resolve(&config.destination_host).await,
    };
    let address = SocketAddr::new(host, config.listener_port);
    let listener = listener::bind(address).await.map_err(|error| {
        (
            error_type::LISTENER,
            format!(
                "cannot listen on {address} for telemetry: {error}; set {} or {}",
                LISTENER_HOST, LISTENER_PORT
            ),
        )
    })?;
    let encoder = Encoder::new(config.function.clone(), instance_id());
    let ingest = Arc::new(Ingest::new(config.buffer_cap_bytes.get(), encoder));
    tasks.spawn(listener::serve(
        listener,
        Arc::clone(&ingest),
        cancel.clone(),
    ));
    let stream = config.stream.clone();
    // The Kinesis client is built once the first lifecycle event arrives, not during INIT:
    // INIT time is the function's cold start, which callers wait for; events that arrive
    // meanwhile wait in the buffer.
    let kinesis_gate = Arc::new(Notify::new());
    let gate = Arc::clone(&kinesis_gate);
    let cancelled = cancel.clone();
    let (dispatcher, task) = dispatcher::spawn(
        async move {
            // A cancellation (failed INIT) opens the gate too, so the task can end.
            tokio::select! {
                () = gate.notified() => {}
                () = cancelled.cancelled() => {}
            }
            KinesisSink::from_env(stream).await
        },
        Arc::clone(&ingest),
        config.record_format,
        cancel.clone(),
    );
    tasks.spawn(async move {
        let _ = task.await;
    });
    let destination = format!(
        "http://{}:{}",
        config.destination_host, config.listener_port
    );
    telemetry_api::subscribe(extension, &destination, &config.types, config.buffering)
        .await
        .map_err(|error| {
            (
                error_type::SUBSCRIBE,
                format!("Telemetry API subscription to {destination} failed: {error}"),
            )
        })?;
    debug!(%address, %destination, "subscribed");
    Ok(Started {
        ingest,
        dispatcher,
        kinesis_gate,
    })
}

async fn event_loop(extension: &ExtensionsClient, config: &Config, started: &Started) -> ExitCode {
    let ingest = started.ingest.as_ref();
    let dispatcher = &started.dispatcher;
    let mut policy = FlushPolicy::new(config.flush, Instant::now());
    dispatcher
        .set_background(policy.background_dispatch())
        .await;
    let runtime_done_wait =
        Duration::from_millis(u64::from(config.buffering.timeout_ms)) + RUNTIME_DONE_GRACE;
    let platform = config.types.contains(&TelemetryType::Platform);
    let mut last_request: Option<String> = None;
    loop {
        let event = match extension.next().await {
            Ok(event) => event,
            Err(error) => {
                let message = format!("Extensions API next failed: {error}");
                error!("{message}");
                let _ = extension
                    .report_error(ErrorPhase::Exit, error_type::EXTENSIONS_API, &message)
                    .await;
                return ExitCode::FAILURE;
            }
        };
        // Idempotent: a permit is kept for the dispatcher if it is not waiting yet.
        started.kinesis_gate.notify_one();
        match event {
            NextEvent::Invoke {
                request_id,
                deadline_ms,
            } => {
                last_request = Some(request_id.clone());
                let now = Instant::now();
                if ingest.is_empty() {
                    policy.drained(now);
                }
                if !policy.on_invoke(now).flush_at_end {
                    continue;
                }
                if platform {
                    let invocation_end = deadline_instant(deadline_ms, Duration::ZERO);
                    let wait = invocation_end.max(now) + runtime_done_wait;
                    if !ingest.wait_runtime_done(&request_id, wait).await {
                        debug!(%request_id, "no runtimeDone; flushing anyway");
                    }
                }
                let report = dispatcher.flush(Instant::now() + END_FLUSH_BUDGET).await;
                if report.is_some_and(|report| report.undelivered == 0) {
                    policy.drained(Instant::now());
                }
            }
            NextEvent::Shutdown {
                shutdown_reason,
                deadline_ms,
            } => {
                let deadline = deadline_instant(deadline_ms, SHUTDOWN_MARGIN);
                dispatcher.stop_by(deadline);
                // The last invocation's telemetry may still be on its way (busy functions
                // return to `next` at once): give it one buffering period, at most half
                // the budget.
                if let (Some(request_id), true) = (&last_request, platform) {
                    let now = Instant::now();
                    let half = now + deadline.saturating_duration_since(now) / 2;
                    let wait = (now + runtime_done_wait).min(half);
                    ingest.wait_runtime_done(request_id, wait).await;
                }
                let report = tokio::time::timeout_at(deadline, dispatcher.flush(deadline))
                    .await
                    .ok()
                    .flatten();
                let undelivered = report.map_or_else(|| ingest.len(), |report| report.undelivered);
                let drops = ingest.drops();
                info!(
                    reason = %shutdown_reason,
                    undelivered,
                    dropped_buffer_full = drops.buffer_full,
                    dropped_malformed_batches = drops.malformed_batches,
                    dropped_invalid_events = drops.invalid_events,
                    "shutdown: {undelivered} events undelivered"
                );
                return ExitCode::SUCCESS;
            }
        }
    }
}

/// Resolves the destination host to bind where Lambda will deliver; loopback if it
/// does not resolve (never all interfaces).
async fn resolve(host: &str) -> IpAddr {
    let lookup = tokio::net::lookup_host((host, 0));
    let addresses: Vec<SocketAddr> = match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Ok(Ok(addresses)) => addresses.collect(),
        _ => Vec::new(),
    };
    addresses
        .iter()
        .find(|address| address.is_ipv4())
        .or(addresses.first())
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), SocketAddr::ip)
}

/// A random id for this execution environment, prefix of every event id.
fn instance_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}
