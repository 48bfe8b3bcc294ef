//! `deployer invoke`: invokes the stack's sample function on AWS, or with `--local` runs it
//! here with the packaged layer, and prints each request id, status and duration.

use std::path::PathBuf;

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use miette::{IntoDiagnostic, miette};

use telemetry_kinesis_contract::settings::STREAM_NAME as STREAM_NAME_VARIABLE;

use crate::invoke::local::{self, LayerSource, LocalRun, LocalSettings};
use crate::invoke::{Invocation, remote};
use crate::package::{self, LayerArgs};
use crate::stack::outputs;
use crate::{Architecture, GlobalArgs, output};

use super::logs::stack_output;

/// The function name of local runs.
pub const LOCAL_FUNCTION_NAME: &str = "telemetry-kinesis-sample";

/// Arguments of `deployer invoke` (and of `deployer verify`).
#[derive(Debug, Clone, clap::Args)]
pub struct InvokeArgs {
    /// Number of invocations, one after the other
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: u32,
    /// The event to invoke with (JSON)
    #[arg(long, value_name = "JSON", default_value = "{}")]
    pub payload: String,
    /// Function to invoke [default: the stack's FunctionName output; with --local,
    /// telemetry-kinesis-sample]
    #[arg(long, value_name = "NAME")]
    pub function_name: Option<String>,
    /// Run the sample function here, with the layer's extension sending to the configured
    /// Kinesis endpoint
    #[arg(long)]
    pub local: bool,
    /// Stream the local extension writes to [default: the stack's StreamName output]
    #[arg(long, value_name = "NAME")]
    pub stream: Option<String>,
    /// Local runs: the layer zip to use [default: build and package the extension]
    #[arg(
        long,
        value_name = "ZIP",
        requires = "local",
        conflicts_with = "binary"
    )]
    pub layer: Option<PathBuf>,
    /// Local runs: package this extension binary instead of building one
    #[arg(long, value_name = "PATH", requires = "local")]
    pub binary: Option<PathBuf>,
    /// Local runs: Python with awslambdaric [default: the project's .venv/bin/python]
    #[arg(long, value_name = "PATH", requires = "local")]
    pub python: Option<PathBuf>,
    /// Print each invocation as a JSON object
    #[arg(long)]
    pub json: bool,
    /// Print the invocations on stderr, as progress (`up --verify` keeps stdout for its
    /// report).
    #[arg(skip)]
    pub invocations_on_stderr: bool,
}

impl Default for InvokeArgs {
    fn default() -> Self {
        Self {
            count: 1,
            payload: "{}".to_owned(),
            function_name: None,
            local: false,
            stream: None,
            layer: None,
            binary: None,
            python: None,
            json: false,
            invocations_on_stderr: false,
        }
    }
}

/// What a finished `invoke` did, for `verify`.
#[derive(Debug, Clone)]
pub struct Invoked {
    /// Each invocation.
    pub invocations: Vec<Invocation>,
    /// The extension's log, for local runs.
    pub extension_log: Option<Vec<String>>,
}

/// Runs `deployer invoke`.
pub async fn run(global: &GlobalArgs, args: &InvokeArgs) -> miette::Result<()> {
    let config = crate::aws::sdk_config(&global.aws).await;
    invoke(global, &config, args).await.map(drop)
}

/// Invokes as `args` say, printing each invocation to stdout as it completes.
pub async fn invoke(
    global: &GlobalArgs,
    config: &SdkConfig,
    args: &InvokeArgs,
) -> miette::Result<Invoked> {
    let payload: serde_json::Value = serde_json::from_str(&args.payload).map_err(|error| {
        miette!(
            help = "pass a JSON value, e.g. --payload '{{\"a\": 1}}'",
            "--payload is not JSON: {error}"
        )
    })?;
    let json = args.json;
    let on_stderr = args.invocations_on_stderr;
    let print = move |invocation: &Invocation| {
        let line = if json {
            serde_json::to_string(invocation).unwrap_or_default()
        } else {
            invocation.to_string()
        };
        if on_stderr {
            eprintln!("invoked {line}");
        } else {
            // A closed stdout must not stop the invocations.
            let _ = output::print_stdout(&format!("{line}\n"));
        }
    };
    if args.local {
        let settings = local_settings(global, config, args).await?;
        let payloads = vec![payload; args.count as usize];
        let LocalRun {
            invocations,
            extension_log,
        } = local::run(&settings, &payloads, print).await?;
        return Ok(Invoked {
            invocations,
            extension_log: Some(extension_log),
        });
    }
    let function = match &args.function_name {
        Some(function) => function.clone(),
        None => stack_output(config, &global.stack_name, outputs::FUNCTION_NAME).await?,
    };
    let client = aws_sdk_lambda::Client::new(config);
    let bytes = payload.to_string().into_bytes();
    let mut invocations = Vec::new();
    for _ in 0..args.count {
        let invocation = remote::invoke(&client, &function, &bytes).await?;
        print(&invocation);
        invocations.push(invocation);
    }
    Ok(Invoked {
        invocations,
        extension_log: None,
    })
}

/// The stream a local run's extension writes to: `--stream`, else the stack's.
pub async fn local_stream(
    global: &GlobalArgs,
    config: &SdkConfig,
    args: &InvokeArgs,
) -> miette::Result<String> {
    match &args.stream {
        Some(stream) => Ok(stream.clone()),
        None => stack_output(config, &global.stack_name, outputs::STREAM_NAME).await,
    }
}

async fn local_settings(
    global: &GlobalArgs,
    config: &SdkConfig,
    args: &InvokeArgs,
) -> miette::Result<LocalSettings> {
    let stream = local_stream(global, config, args).await?;
    if let Ok(inherited) = std::env::var(STREAM_NAME_VARIABLE)
        && inherited != stream
    {
        tracing::warn!(
            "{STREAM_NAME_VARIABLE}={inherited} is set: the local extension writes there, \
             not to {stream}"
        );
    }
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
        &stream,
        config.region().map(|region| region.as_ref()),
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
