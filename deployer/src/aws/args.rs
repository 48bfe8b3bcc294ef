//! The AWS options every subcommand accepts.

use super::endpoint::parse_endpoint_url;
use super::region::parse_region;

/// AWS connection options, as the AWS CLI spells them.
///
/// Anything not given here comes from aws-config's defaults: the credential chain,
/// `AWS_REGION`/`AWS_PROFILE`, and `AWS_ENDPOINT_URL` or the service-specific
/// `AWS_ENDPOINT_URL_<SERVICE>` variables. The values are deliberately not read from the
/// environment by clap, so that a service-specific endpoint variable keeps its precedence
/// over `AWS_ENDPOINT_URL`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct AwsArgs {
    /// AWS region [default: from AWS_REGION or the profile]
    #[arg(long, global = true, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<String>,
    /// Named profile from the shared AWS config files [default: AWS_PROFILE or "default"]
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Endpoint URL for every AWS service, e.g. a local emulator [default: AWS_ENDPOINT_URL]
    #[arg(long, global = true, value_name = "URL", value_parser = parse_endpoint_url)]
    pub endpoint_url: Option<String>,
}
