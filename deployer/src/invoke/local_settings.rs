//! What a local run needs from the deployer's configuration: the resolved region,
//! credentials and endpoint for the extension, the layer, and a Python with awslambdaric.

use std::path::PathBuf;

use aws_credential_types::provider::ProvideCredentials;
use miette::{IntoDiagnostic, miette};
use telemetry_kinesis_contract::settings::STREAM_NAME as STREAM_NAME_VARIABLE;
use telemetry_kinesis_contract::stream::StreamTarget;

use super::args::{InvokeArgs, LOCAL_FUNCTION_NAME};
use super::local::{self, LayerSource, LocalSettings};
use crate::Architecture;
use crate::aws::Connection;
use crate::package::{self, LayerArgs};

/// The settings of a local run writing to `stream`.
pub async fn local_settings(
    connection: &Connection,
    stream: &StreamTarget,
    args: &InvokeArgs,
) -> miette::Result<LocalSettings> {
    let stream = stream.as_str();
    if let Ok(inherited) = std::env::var(STREAM_NAME_VARIABLE)
        && inherited != stream
    {
        tracing::warn!(
            "{STREAM_NAME_VARIABLE}={inherited} is set: the local extension writes there, \
             not to {stream}"
        );
    }
    let config = connection.config();
    let credentials = match config.credentials_provider() {
        Some(provider) => Some(provider.provide_credentials().await.map_err(|error| {
            miette!(
                help = "configure AWS credentials (the local extension uses them to write)",
                "cannot load AWS credentials: {error}"
            )
        })?),
        None => None,
    };
    let env = local::environment(
        stream,
        Some(connection.region()),
        config.endpoint_url(),
        credentials.as_ref().map(|credentials| {
            (
                credentials.access_key_id(),
                credentials.secret_access_key(),
                credentials.session_token(),
            )
        }),
        std::env::vars(),
    );
    let layer = match (&args.layer, &args.binary) {
        (Some(zip), _) => LayerSource::Zip(zip.clone()),
        (None, Some(binary)) => LayerSource::Binary(binary.clone()),
        (None, None) => {
            tracing::info!("building the extension for the local run");
            let packaged = package::package(native_architecture(), &LayerArgs::default())?;
            LayerSource::Zip(packaged.path)
        }
    };
    let python = match &args.python {
        // The runtime starts in the function's directory: a relative path would not resolve.
        Some(python) => std::path::absolute(python).into_diagnostic()?,
        None => default_python()?,
    };
    Ok(LocalSettings {
        layer,
        python,
        function_name: args
            .function_name
            .clone()
            .unwrap_or_else(|| LOCAL_FUNCTION_NAME.to_owned()),
        env,
    })
}

fn native_architecture() -> Architecture {
    if cfg!(target_arch = "aarch64") {
        Architecture::Arm64
    } else {
        Architecture::X86_64
    }
}

/// The project's virtualenv Python (`.venv/bin/python` in this directory or one above it),
/// which `scripts/setup-tools` fills with awslambdaric.
fn default_python() -> miette::Result<PathBuf> {
    let here = std::env::current_dir().into_diagnostic()?;
    here.ancestors()
        .map(|directory| directory.join(".venv").join("bin").join("python"))
        .find(|python| python.is_file())
        .ok_or_else(|| {
            miette!(
                help = "run scripts/setup-tools in the project, or pass --python with \
                        awslambdaric installed",
                "no .venv/bin/python in {} or above",
                here.display()
            )
        })
}
