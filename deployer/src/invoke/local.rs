//! Invoking the sample function locally: the `sandbox` module runs it with the real Python
//! runtime interface client and the packaged layer's extension, which sends the telemetry
//! to whatever Kinesis endpoint the AWS settings name (moto in the local demo). This is
//! how someone without an AWS account sees the whole pipeline work.

use std::collections::BTreeMap;
use std::path::PathBuf;
use telemetry_kinesis_contract::settings;

use sandbox::{Function, InvokeStatus, Layer, Sandbox, SandboxConfig, SandboxError};

use super::{FunctionError, Invocation};
use crate::stack::SAMPLE_FUNCTION_SOURCE;
use telemetry_kinesis_contract::layer::extension_layer;
use telemetry_kinesis_contract::names::{EXTENSION_NAME, VARIABLE_PREFIX};
use telemetry_kinesis_contract::settings::STREAM_NAME;

/// Variables with this prefix are passed to the local run: endpoints (`AWS_ENDPOINT_URL`,
/// `AWS_ENDPOINT_URL_KINESIS`, ...), unless the deployer has its own.
pub const ENDPOINT_PREFIX: &str = "AWS_ENDPOINT_URL";
/// The sample function's handler (its source is written as `index.py`).
pub const HANDLER: &str = "index.handler";

/// Where the local run's layer comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerSource {
    /// A layer zip, as `deployer package` writes it.
    Zip(PathBuf),
    /// An extension binary, put in a layer zip first.
    Binary(PathBuf),
}

/// What a local run needs.
#[derive(Debug, Clone)]
pub struct LocalSettings {
    /// The layer.
    pub layer: LayerSource,
    /// A Python interpreter with `awslambdaric` installed.
    pub python: PathBuf,
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// The function's and extension's environment (see [`environment`]).
    pub env: Vec<(String, String)>,
}

/// A finished local run.
#[derive(Debug, Clone)]
pub struct LocalRun {
    /// Each invocation.
    pub invocations: Vec<Invocation>,
    /// The extension's stderr (its log), for diagnosing missing telemetry.
    pub extension_log: Vec<String>,
}

/// Why a local run failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LocalError {
    /// The sandbox failed (a process exited, INIT timed out, ...).
    #[error("the local run failed")]
    #[diagnostic(help(
        "is awslambdaric installed for --python (run scripts/setup-tools)? is the layer's \
         extension built for this machine?"
    ))]
    Sandbox(#[from] SandboxError),
    /// A file of the run could not be prepared.
    #[error("cannot prepare the local run: {action}")]
    Prepare {
        /// What failed.
        action: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The environment of the local function and extension: the region and credentials the
/// deployer resolved (Lambda passes credentials as variables too), its endpoint, the
/// stream, then the passed-through variables of `inherited`, which win.
pub fn environment(
    stream: &str,
    region: Option<&str>,
    endpoint: Option<&str>,
    credentials: Option<(&str, &str, Option<&str>)>,
    inherited: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    let mut env = BTreeMap::new();
    if let Some(region) = region {
        env.insert("AWS_REGION".to_owned(), region.to_owned());
        env.insert("AWS_DEFAULT_REGION".to_owned(), region.to_owned());
    }
    if let Some((key_id, secret, token)) = credentials {
        env.insert("AWS_ACCESS_KEY_ID".to_owned(), key_id.to_owned());
        env.insert("AWS_SECRET_ACCESS_KEY".to_owned(), secret.to_owned());
        if let Some(token) = token {
            env.insert("AWS_SESSION_TOKEN".to_owned(), token.to_owned());
        }
    }
    if let Some(endpoint) = endpoint {
        env.insert("AWS_ENDPOINT_URL".to_owned(), endpoint.to_owned());
    }
    env.insert(STREAM_NAME.to_owned(), stream.to_owned());
    for (key, value) in inherited {
        // The extension's own settings win over the deployer's.
        if key.starts_with(VARIABLE_PREFIX) {
            env.insert(key, value);
        } else if key.starts_with(ENDPOINT_PREFIX) {
            // The deployer's own endpoint (--endpoint-url) stays first.
            env.entry(key).or_insert(value);
        }
    }
    env.into_iter().collect()
}

/// Runs INIT, one invocation per payload (calling `on_invocation` after each), and
/// SHUTDOWN, which makes the extension flush what it still holds.
pub async fn run(
    settings: &LocalSettings,
    payloads: &[serde_json::Value],
    mut on_invocation: impl FnMut(&Invocation),
) -> Result<LocalRun, LocalError> {
    let workdir = tempfile::Builder::new()
        .prefix("deployer-local-")
        .tempdir()
        .map_err(prepare("create a temporary directory"))?;
    let code_dir = workdir.path().join("function");
    std::fs::create_dir_all(&code_dir).map_err(prepare("create the function directory"))?;
    std::fs::write(code_dir.join("index.py"), SAMPLE_FUNCTION_SOURCE)
        .map_err(prepare("write the sample function"))?;
    let layer = match &settings.layer {
        LayerSource::Zip(path) => Layer::Zip(path.clone()),
        LayerSource::Binary(binary) => {
            let bytes = std::fs::read(binary).map_err(prepare(format!(
                "read the extension binary {}",
                binary.display()
            )))?;
            let zip = extension_layer(&bytes).map_err(|error| LocalError::Prepare {
                action: "zip the extension".to_owned(),
                source: std::io::Error::other(error),
            })?;
            let path = workdir.path().join("layer.zip");
            std::fs::write(&path, zip).map_err(prepare("write the layer zip"))?;
            Layer::Zip(path)
        }
    };
    let config = SandboxConfig::new(
        layer,
        Function::Python {
            python: settings.python.clone(),
            code_dir,
            handler: HANDLER.to_owned(),
        },
    )
    .with_function_name(&settings.function_name)
    .env(settings::LISTENER_HOST, "127.0.0.1")
    .envs(settings.env.clone());

    let mut sandbox = Sandbox::start(config).await?;
    let mut invocations = Vec::with_capacity(payloads.len());
    for payload in payloads {
        let report = sandbox.invoke(payload.clone()).await?;
        let invocation = match report.status {
            InvokeStatus::Success => Invocation::success(report.request_id, report.duration),
            InvokeStatus::Error => Invocation::failure(
                report.request_id,
                report.duration,
                FunctionError::from_value(None, report.payload.as_ref()),
            ),
        };
        on_invocation(&invocation);
        invocations.push(invocation);
    }
    let shutdown = sandbox.shutdown().await?;
    let extension_log = shutdown
        .process(EXTENSION_NAME)
        .map(|process| process.output.stderr.clone())
        .unwrap_or_default();
    if !shutdown.deadline_met {
        tracing::warn!("the extension missed the SHUTDOWN deadline and was killed");
    }
    Ok(LocalRun {
        invocations,
        extension_log,
    })
}

fn prepare(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> LocalError {
    let action = action.into();
    move |source| LocalError::Prepare { action, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn environment_layers_settings_then_passed_through_variables() {
        let env = environment(
            "stream-a",
            Some("eu-west-1"),
            Some("http://127.0.0.1:5000"),
            Some(("AKID", "SECRET", Some("TOKEN"))),
            pairs(&[
                ("AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:6000"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:7000"),
                ("TELEMETRY_KINESIS_RECORD_FORMAT", "kpl"),
                ("AWS_SECRET_ACCESS_KEY", "not passed"),
                ("HOME", "not passed"),
                ("PATH", "not passed"),
            ]),
        );
        assert_eq!(
            env,
            pairs(&[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_DEFAULT_REGION", "eu-west-1"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
                ("AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:6000"),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_SECRET_ACCESS_KEY", "SECRET"),
                ("AWS_SESSION_TOKEN", "TOKEN"),
                ("TELEMETRY_KINESIS_RECORD_FORMAT", "kpl"),
                ("TELEMETRY_KINESIS_STREAM_NAME", "stream-a"),
            ])
        );
    }

    #[test]
    fn an_inherited_stream_name_and_endpoint_apply() {
        let env = environment(
            "stream-a",
            None,
            None,
            None,
            pairs(&[
                (STREAM_NAME, "stream-b"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:7000"),
            ]),
        );
        assert_eq!(
            env,
            pairs(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:7000"),
                (STREAM_NAME, "stream-b")
            ])
        );
    }
}
