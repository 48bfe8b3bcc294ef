//! What instrumenting puts on functions: the layer version, the write policy and the stream,
//! each from its option or else from the deployed stack's outputs.

use aws_sdk_cloudformation::Client;
use telemetry_kinesis_contract::stream::StreamTarget;

use super::arn::{InvalidArn, LayerVersionArn};
use crate::aws::CallFailure;
use crate::stack::{self, LookupError, outputs};

/// A `--policy-arn` value parser: an IAM managed policy ARN.
fn parse_policy_arn(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", _account, resource]
            if !partition.is_empty() && resource.starts_with("policy/") =>
        {
            Ok(text.to_owned())
        }
        _ => Err("not a managed policy ARN (arn:aws:iam::ACCOUNT:policy/NAME)".to_owned()),
    }
}

/// The options that name the layer, the policy and the stream instead of the stack.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TargetArgs {
    /// Layer version to add [default: the stack's LayerVersionArn output]
    #[arg(long, value_name = "ARN")]
    pub layer_arn: Option<LayerVersionArn>,
    /// Managed policy to attach to the functions' roles [default: the stack's WritePolicyArn
    /// output]
    #[arg(long, value_name = "ARN", value_parser = parse_policy_arn)]
    pub policy_arn: Option<String>,
    /// Stream for the functions' telemetry, by name or ARN [default: the stack's StreamName
    /// output]
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<StreamTarget>,
}

/// Why the layer, the policy or the stream is not known.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum TargetError {
    /// The stack could not say.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lookup(#[from] LookupError),
    /// An output holds something else than it should.
    #[error("stack `{stack}`'s output {key}: {error}")]
    #[diagnostic(help("redeploy it with `deployer up`, or pass {instead}"))]
    BadOutput {
        /// The stack.
        stack: String,
        /// The output.
        key: &'static str,
        /// What is wrong.
        error: InvalidArn,
        /// The option that gives it instead.
        instead: &'static str,
    },
    /// A call failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Call(#[from] CallFailure),
}

/// `given`, else the stack's output `key` parsed by `parse`; the flag says whether it came
/// from the stack. `instead` is the option that gives it, which errors suggest.
async fn given_or_output<T>(
    cloudformation: &Client,
    stack_name: &str,
    given: Option<&T>,
    key: &'static str,
    instead: &'static str,
    parse: impl Fn(&str) -> Result<T, InvalidArn>,
) -> Result<(T, bool), TargetError>
where
    T: Clone,
{
    if let Some(value) = given {
        return Ok((value.clone(), false));
    }
    let value = stack::output(cloudformation, stack_name, key, instead).await?;
    let parsed = parse(&value).map_err(|error| TargetError::BadOutput {
        stack: stack_name.to_owned(),
        key,
        error,
        instead,
    })?;
    Ok((parsed, true))
}

/// The layer version: `given`, else the stack's output. The flag says whether it came from
/// the stack.
pub async fn layer(
    cloudformation: &Client,
    stack_name: &str,
    given: Option<&LayerVersionArn>,
) -> Result<(LayerVersionArn, bool), TargetError> {
    given_or_output(
        cloudformation,
        stack_name,
        given,
        outputs::LAYER_VERSION_ARN,
        "--layer-arn ARN",
        str::parse,
    )
    .await
}

/// The write policy: `given`, else the stack's output.
pub async fn policy(
    cloudformation: &Client,
    stack_name: &str,
    given: Option<&String>,
) -> Result<String, TargetError> {
    let parse = |value: &str| {
        parse_policy_arn(value).map_err(|_| InvalidArn {
            value: value.to_owned(),
            expected: "a managed policy ARN",
        })
    };
    let (policy, _) = given_or_output(
        cloudformation,
        stack_name,
        given,
        outputs::WRITE_POLICY_ARN,
        "--policy-arn ARN",
        parse,
    )
    .await?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns() {
        assert!(parse_policy_arn("arn:aws:iam::123456789012:policy/tk-Write").is_ok());
        assert!(parse_policy_arn("arn:aws:iam::123456789012:policy/path/p").is_ok());
        for bad in [
            "arn:aws:iam::123456789012:role/r",
            "tk-Write",
            "arn:aws:iam:eu-west-1:123456789012:policy/p",
        ] {
            assert!(parse_policy_arn(bad).is_err(), "{bad}");
        }
    }
}
