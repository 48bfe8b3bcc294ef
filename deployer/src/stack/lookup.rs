//! What a deployed stack says about itself: an output's value, found even when the stack
//! lacks the output (deployed by other tools, or by an emulator that drops outputs) as the
//! physical ID of the resource it names.

use aws_sdk_cloudformation::Client;
use telemetry_kinesis_contract::stream::{InvalidStream, StreamTarget};

use super::names::{outputs, resource_named_by};
use crate::deploy::{DeployError, Engine, PollSettings};

/// Why an output could not be found.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LookupError {
    /// The stack does not exist.
    #[error("stack `{stack_name}` does not exist")]
    #[diagnostic(help(
        "check --stack-name and the region; deploy it with `deployer up`, or pass {instead}"
    ))]
    NoStack {
        /// The stack.
        stack_name: String,
        /// The option that names the value without the stack.
        instead: &'static str,
    },
    /// The stack exists without the output.
    #[error("stack `{stack_name}` has no output `{key}`")]
    #[diagnostic(help("redeploy it with `deployer up`, or pass {instead}"))]
    NoOutput {
        /// The stack.
        stack_name: String,
        /// The output.
        key: String,
        /// The option that names the value without the stack.
        instead: &'static str,
    },
    /// The stack's stream output names no stream.
    #[error("stack `{stack_name}` names an unusable stream: {error}")]
    BadStream {
        /// The stack.
        stack_name: String,
        /// Why the value is unusable.
        error: InvalidStream,
    },
    /// CloudFormation could not be asked.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Api(#[from] DeployError),
}

/// The value of output `key` of stack `stack_name`. `instead` is the option that gives the
/// value directly (`--stream NAME`), which the error suggests.
pub async fn output(
    cloudformation: &Client,
    stack_name: &str,
    key: &str,
    instead: &'static str,
) -> Result<String, LookupError> {
    let engine = Engine::new(cloudformation.clone(), PollSettings::default());
    let outputs = engine
        .outputs(stack_name)
        .await?
        .ok_or_else(|| LookupError::NoStack {
            stack_name: stack_name.to_owned(),
            instead,
        })?;
    if let Some(value) = outputs.get(key) {
        return Ok(value.clone());
    }
    // A name output equals its resource's physical ID.
    if let Some(logical_id) = resource_named_by(key)
        && let Some(physical_id) = engine.physical_id(stack_name, logical_id).await?
    {
        return Ok(physical_id);
    }
    Err(LookupError::NoOutput {
        stack_name: stack_name.to_owned(),
        key: key.to_owned(),
        instead,
    })
}

/// The stream: `given` (`--stream`), else the stack's `StreamName` output.
pub async fn stream(
    cloudformation: &Client,
    stack_name: &str,
    given: Option<&StreamTarget>,
) -> Result<StreamTarget, LookupError> {
    if let Some(stream) = given {
        return Ok(stream.clone());
    }
    let name = output(
        cloudformation,
        stack_name,
        outputs::STREAM_NAME,
        "--stream NAME",
    )
    .await?;
    name.parse().map_err(|error| LookupError::BadStream {
        stack_name: stack_name.to_owned(),
        error,
    })
}

/// The function: `given`, else the stack's `FunctionName` output; `instead` is the option
/// that gives it directly, which the error suggests.
pub async fn function(
    cloudformation: &Client,
    stack_name: &str,
    given: Option<&str>,
    instead: &'static str,
) -> Result<String, LookupError> {
    match given {
        Some(function) => Ok(function.to_owned()),
        None => output(cloudformation, stack_name, outputs::FUNCTION_NAME, instead).await,
    }
}
