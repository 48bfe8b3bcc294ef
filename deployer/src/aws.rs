//! Turns the global AWS options into an SDK configuration, the way the AWS CLI does.
//!
//! Anything not given on the command line comes from aws-config's defaults: the
//! credential chain, `AWS_REGION`/`AWS_PROFILE`, and `AWS_ENDPOINT_URL` or the
//! service-specific `AWS_ENDPOINT_URL_<SERVICE>` variables. The command-line values are
//! deliberately not read from the environment by clap, so that a service-specific
//! endpoint variable keeps its precedence over `AWS_ENDPOINT_URL`.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// AWS connection options shared by every subcommand that talks to AWS.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct AwsArgs {
    /// AWS region [default: from AWS_REGION or the profile]
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Named profile from the shared AWS config files [default: AWS_PROFILE or "default"]
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Endpoint URL for every AWS service, e.g. a local emulator [default: AWS_ENDPOINT_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// Loads the SDK configuration: the command-line values override aws-config's defaults.
pub async fn sdk_config(args: &AwsArgs) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint_url) = &args.endpoint_url {
        loader = loader.endpoint_url(endpoint_url);
    }
    loader.load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn command_line_region_and_endpoint_win() {
        let args = AwsArgs {
            region: Some("eu-west-3".to_owned()),
            profile: None,
            endpoint_url: Some("http://127.0.0.1:1".to_owned()),
        };
        let config = sdk_config(&args).await;
        assert_eq!(config.region().map(Region::as_ref), Some("eu-west-3"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:1"));
    }
}
