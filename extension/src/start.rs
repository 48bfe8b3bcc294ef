//! INIT after registration: bind the listener, start the dispatcher, subscribe.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use telemetry_kinesis_contract::settings::{LISTENER_HOST, LISTENER_PORT};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::config::Config;
use crate::dispatcher::{self, CALL_COPIES, DispatcherHandle, Linger, Settings};
use crate::extensions_api::{Events, ExtensionsClient};
use crate::ingest::Ingest;
use crate::kinesis::KinesisSink;
use crate::record::{Encoder, Invocations};
use crate::spill::Spiller;
use crate::{listener, telemetry_api};

/// Bound on resolving the destination host to choose the bind address.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(1);
/// Background batching without INVOKE events (no freeze can strand what waits).
pub const LINGER: Linger = Linger {
    bytes: 256 * 1024,
    age: Duration::from_millis(200),
};

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

/// What INIT set up for the event loop.
pub struct Started {
    /// The buffer and its budget.
    pub ingest: Arc<Ingest>,
    /// The dispatcher.
    pub dispatcher: DispatcherHandle,
    /// Opened with the first `next`: the dispatcher then builds its Kinesis client.
    pub kinesis_gate: Arc<Notify>,
}

/// An INIT failure: the `init/error` type and the message.
pub type InitFailure = (&'static str, String);

/// Binds the listener, subscribes and starts the dispatcher.
pub async fn start(
    extension: &ExtensionsClient,
    config: &Config,
    instance: &str,
    cancel: &CancellationToken,
    tasks: &mut JoinSet<()>,
) -> Result<Started, InitFailure> {
    let host = match config.listener_host {
        Some(host) => host,
        None => resolve(&config.destination_host).await,
    };
    let address = SocketAddr::new(host, config.listener_port);
    let listener = listener::bind(address).await.map_err(|error| {
        (
            error_type::LISTENER,
            format!(
                "cannot listen on {address} for telemetry: {error}; set {LISTENER_HOST} or \
                 {LISTENER_PORT}"
            ),
        )
    })?;
    // One budget: the cap holds the buffered events, the bodies being read and one call's
    // copies.
    let cap = config.buffer_cap_bytes.get();
    let max_call_bytes = dispatcher::max_call_bytes(cap);
    let call_reserve = (max_call_bytes as f64 * CALL_COPIES) as usize;
    let limit = cap.saturating_sub(call_reserve).max(max_call_bytes);
    // Without INVOKE events (Managed Instances) invocations run concurrently.
    let invoke_events = extension.events() == Events::InvokeAndShutdown;
    let invocations = if invoke_events {
        Invocations::Sequential
    } else {
        Invocations::Concurrent
    };
    let encoder = Encoder::new(config.function.clone(), instance, invocations);
    let spiller = Spiller::stdout(config.spill, config.stream.as_str());
    let ingest = Arc::new(Ingest::new(limit, encoder, spiller));
    tasks.spawn(listener::serve(
        listener,
        Arc::clone(&ingest),
        cancel.clone(),
    ));
    let stream = config.stream.clone();
    // The Kinesis client is built once the gate opens, not while the extension's INIT holds
    // the function's cold start; events that arrive meanwhile wait in the buffer.
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
        },
        move || KinesisSink::from_env(stream.clone()),
        Arc::clone(&ingest),
        Settings {
            format: config.record_format,
            max_call_bytes,
            linger: (!invoke_events).then_some(LINGER),
        },
        cancel.clone(),
    );
    tasks.spawn(async move {
        let _ = task.await;
    });
    let destination = format!(
        "http://{}:{}",
        config.destination_host, config.listener_port
    );
    let schema = telemetry_api::subscribe(extension, &destination, &config.types, config.buffering)
        .await
        .map_err(|error| {
            (
                error_type::SUBSCRIBE,
                format!("Telemetry API subscription to {destination} failed: {error}"),
            )
        })?;
    debug!(%address, %destination, schema, "subscribed");
    Ok(Started {
        ingest,
        dispatcher,
        kinesis_gate,
    })
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
