//! Answering lifecycle events: INVOKE (flush before `next` when the policy says so) and
//! SHUTDOWN or a termination signal (see `shutdown.rs`).

use std::process::ExitCode;
use std::time::Duration;

use tokio::time::Instant;
use tracing::{debug, error};

use crate::clock::deadline_instant;
use crate::config::{Config, FlushStrategy, TelemetryType};
use crate::extensions_api::{ErrorPhase, Events, ExtensionsClient, NextEvent};
use crate::flush::{END_FLUSH_BUDGET, FlushPolicy};
use crate::shutdown::{self, Ending};
use crate::signals::Signals;
use crate::start::{Started, error_type};

/// Extra wait for the last invocation's runtimeDone at SHUTDOWN beyond the buffering.
const RUNTIME_DONE_GRACE: Duration = Duration::from_secs(1);

/// Runs until SHUTDOWN or a signal.
pub async fn run(
    extension: &ExtensionsClient,
    config: &Config,
    started: &Started,
    signals: &mut Signals,
) -> ExitCode {
    // Without INVOKE events there is nothing to flush around: send in the background.
    let flush = if extension.events() == Events::InvokeAndShutdown {
        config.flush
    } else {
        FlushStrategy::Background
    };
    let mut policy = FlushPolicy::new(flush, Instant::now());
    started
        .dispatcher
        .set_background(policy.background_dispatch())
        .await;
    let runtime_done_wait =
        Duration::from_millis(u64::from(config.buffering.timeout_ms)) + RUNTIME_DONE_GRACE;
    let platform = config.types.contains(&TelemetryType::Platform);
    let mut last_request: Option<String> = None;
    // From the first `next` on, Lambda runs the runtime's INIT: the dispatcher builds the
    // Kinesis client and opens its connection meanwhile, so the first invocation finds
    // them ready and the cold start does not wait for them.
    started.kinesis_gate.notify_one();
    loop {
        let event = tokio::select! {
            event = extension.next() => event,
            signal = signals.recv() => {
                let ending = Ending::Signal(signal);
                return shutdown::run(started, ending, shutdown::signal_deadline(), None).await;
            }
        };
        let event = match event {
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
        match event {
            NextEvent::Invoke {
                request_id,
                deadline_ms,
            } => {
                // A signal ends the extension even in the middle of an end flush.
                tokio::select! {
                    () = on_invoke(started, &mut policy, platform, &request_id, deadline_ms) => {}
                    signal = signals.recv() => {
                        let ending = Ending::Signal(signal);
                        return shutdown::run(started, ending, shutdown::signal_deadline(), None).await;
                    }
                }
                last_request = Some(request_id);
            }
            NextEvent::Shutdown {
                shutdown_reason,
                deadline_ms,
            } => {
                let deadline = deadline_instant(deadline_ms, Duration::ZERO);
                let last = if platform {
                    last_request.as_deref().map(|id| (id, runtime_done_wait))
                } else {
                    None
                };
                let ending = Ending::Shutdown(shutdown_reason);
                return shutdown::run(started, ending, deadline, last).await;
            }
        }
    }
}

/// An INVOKE: flush before calling `next` when the policy says so.
async fn on_invoke(
    started: &Started,
    policy: &mut FlushPolicy,
    platform: bool,
    request_id: &str,
    deadline_ms: i64,
) {
    let ingest = started.ingest.as_ref();
    let now = Instant::now();
    if ingest.is_empty() {
        policy.drained(now);
    }
    if !policy.on_invoke(now).flush_at_end {
        return;
    }
    if platform {
        // The invocation ends by its deadline at the latest: never wait past it for its
        // runtimeDone.
        let deadline = deadline_instant(deadline_ms, Duration::ZERO);
        if !ingest.wait_runtime_done(request_id, deadline).await {
            debug!(%request_id, "no runtimeDone by the deadline; flushing anyway");
        }
    }
    debug!(%request_id, "flushing before next");
    let report = started
        .dispatcher
        .flush(Instant::now() + END_FLUSH_BUDGET)
        .await;
    if report.is_some_and(|report| report.undelivered == 0) {
        policy.drained(Instant::now());
    }
}
