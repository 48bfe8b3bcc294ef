//! What to invoke, as the command line says it (`invoke`, and `verify` which invokes first).
//! Every value is checked by clap, so a bad one is a usage error (exit 2).

use std::path::PathBuf;

use serde_json::Value;
use telemetry_kinesis_contract::stream::StreamTarget;

/// The function name of local runs.
pub const LOCAL_FUNCTION_NAME: &str = "telemetry-kinesis-sample";

/// The `--payload` value parser: any JSON value.
pub fn parse_payload(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|error| {
        format!("not JSON ({error}); pass a JSON value, e.g. --payload '{{\"a\": 1}}'")
    })
}

/// Arguments of `deployer invoke` (and of `deployer verify`).
#[derive(Debug, Clone, clap::Args)]
pub struct InvokeArgs {
    /// Number of invocations, one after the other (at least 1)
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
    /// The event to invoke with (JSON)
    #[arg(long, value_name = "JSON", default_value = "{}", value_parser = parse_payload)]
    pub payload: Value,
    /// Function to invoke [default: the stack's FunctionName output; with --local,
    /// telemetry-kinesis-sample]
    #[arg(long, value_name = "NAME")]
    pub function_name: Option<String>,
    /// Run the sample function here, with the layer's extension sending to the configured
    /// Kinesis endpoint (needs the `local` cargo feature, on by default)
    #[arg(long)]
    pub local: bool,
    /// Stream (name or ARN) the local extension writes to [default: the stack's StreamName
    /// output]
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<StreamTarget>,
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
            payload: Value::Object(serde_json::Map::new()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_json_and_the_help_shows_single_braces() {
        assert_eq!(
            parse_payload(r#"{"a": 1}"#),
            Ok(serde_json::json!({"a": 1}))
        );
        let error = parse_payload("notjson").unwrap_err();
        assert!(error.contains(r#"--payload '{"a": 1}'"#), "{error}");
    }
}
