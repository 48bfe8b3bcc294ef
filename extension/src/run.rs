//! The extension's life: register, bind the listener, subscribe, then answer INVOKE and
//! SHUTDOWN events (or a termination signal) until the end.

use std::process::ExitCode;

use telemetry_kinesis_contract::names::EXTENSION_NAME;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::{self, Config};
use crate::event_loop;
use crate::extensions_api::{ApiError, ErrorPhase, Events, ExtensionsClient, http_client};
use crate::signals::Signals;
use crate::start::{self, error_type};

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
    // From the start: a signal during INIT must not kill the process with its buffer.
    let mut signals = Signals::listen();
    let api = match config::runtime_api(&lookup) {
        Ok(api) => api,
        Err(error) => {
            error!(%error, "cannot reach the Extensions API");
            return ExitCode::FAILURE;
        }
    };
    let extension = match register(&api, name, &config::initialization_type(&lookup)).await {
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
    let started = start::start(&extension, &config, &instance_id(), &cancel, &mut tasks).await;
    let code = match started {
        Ok(started) => event_loop::run(&extension, &config, &started, &mut signals).await,
        Err((kind, message)) => init_failed(&extension, kind, &message).await,
    };
    // Everything buffered is delivered, spilled or counted by now: what the tasks may still
    // wait on (a call to a stalled Kinesis, a held connection) must not hold the exit.
    cancel.cancel();
    tasks.shutdown().await;
    code
}

/// Registers for INVOKE and SHUTDOWN, or SHUTDOWN only where Lambda offers no INVOKE
/// events: Managed Instances, and any environment that refuses them.
async fn register(
    api: &str,
    name: &str,
    initialization: &config::InitializationType,
) -> Result<ExtensionsClient, ApiError> {
    if !initialization.offers_invoke() {
        info!(
            "Lambda Managed Instances: registering for SHUTDOWN only; telemetry is sent in the background"
        );
        return ExtensionsClient::register(http_client(), api, name, Events::ShutdownOnly).await;
    }
    match ExtensionsClient::register(http_client(), api, name, Events::InvokeAndShutdown).await {
        Err(ApiError::Status { status, body, .. }) if status.is_client_error() => {
            info!(%status, answer = %body, "INVOKE events refused: registering for SHUTDOWN only; telemetry is sent in the background");
            ExtensionsClient::register(http_client(), api, name, Events::ShutdownOnly).await
        }
        registered => registered,
    }
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

/// A random id for this execution environment, prefix of every event id.
fn instance_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}
