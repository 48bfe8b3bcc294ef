//! Connecting to AWS for `up` and `destroy`: load the configuration, then fail fast and clearly
//! when there is no region or no credentials, instead of hanging on the instance metadata
//! endpoint or failing later with an opaque dispatch error.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::aws::{AwsArgs, sdk_config};

/// How long loading the configuration may take (profiles, SSO caches, region lookups).
pub const CONFIG_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the credential chain may take to answer.
pub const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a TCP connect to an AWS endpoint may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait for an answer once a request is sent: AWS answers CloudFormation and S3
/// calls in well under this, so a silent endpoint fails instead of hanging.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The service-specific endpoint variable for S3 (aws-config honours it too).
const S3_ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL_S3";

/// Why no session could be opened.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SessionError {
    /// `--region` is not a region name.
    #[error("--region {0:?} is not an AWS region name (like us-east-1 or eu-west-3)")]
    RegionOption(String),
    /// The configured region is not a region name.
    #[error("the configured AWS region {0:?} is not a region name (like us-east-1 or eu-west-3)")]
    #[diagnostic(help(
        "check AWS_REGION, AWS_DEFAULT_REGION and the profile's `region`, or pass --region"
    ))]
    Region(String),
    /// No region anywhere.
    #[error("no AWS region configured")]
    #[diagnostic(help("pass --region, set AWS_REGION, or set `region` in the AWS profile"))]
    NoRegion,
    /// Loading the configuration did not finish.
    #[error("loading the AWS configuration took longer than {}s", CONFIG_TIMEOUT.as_secs())]
    #[diagnostic(help("check the AWS profile (AWS_PROFILE, ~/.aws/config) and network access"))]
    ConfigTimeout,
    /// The credential chain found nothing.
    #[error("no AWS credentials found")]
    #[diagnostic(help(
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE \
         (run `aws sso login` for SSO profiles), or run where a role is available"
    ))]
    NoCredentials(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The credential chain did not answer in time (typically the instance metadata endpoint
    /// off EC2).
    #[error("no AWS credentials within {}s", CREDENTIALS_TIMEOUT.as_secs())]
    #[diagnostic(help(
        "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile; set AWS_EC2_METADATA_DISABLED=true \
         off EC2 to skip the instance metadata endpoint"
    ))]
    CredentialsTimeout,
}

/// Whether `region` looks like an AWS region name: `us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`.
pub fn is_region_name(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words[0].len() == 2
        && words
            .iter()
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()))
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// Whether S3 must be addressed by path (`http://host/bucket/key`) rather than by virtual host:
/// an endpoint given as an IP address or `localhost` has no per-bucket DNS names, as botocore
/// also decides.
pub fn needs_path_style(endpoint_url: Option<&str>) -> bool {
    let Some(url) = endpoint_url else {
        return false;
    };
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => return bracketed.contains(']'),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _port)| host),
    };
    host == "localhost" || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// AWS clients ready for `up` and `destroy`.
#[derive(Debug, Clone)]
pub struct Session {
    /// The loaded configuration (with our connect timeout).
    pub config: SdkConfig,
    /// CloudFormation.
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// S3.
    pub s3: aws_sdk_s3::Client,
    /// The region in use.
    pub region: String,
}

/// Loads the configuration and checks region and credentials, all in bounded time.
pub async fn connect(args: &AwsArgs) -> Result<Session, SessionError> {
    if let Some(region) = &args.region
        && !is_region_name(region)
    {
        return Err(SessionError::RegionOption(region.clone()));
    }
    let loaded = tokio::time::timeout(CONFIG_TIMEOUT, sdk_config(args))
        .await
        .map_err(|_| SessionError::ConfigTimeout)?;
    let region = loaded
        .region()
        .map(|region| region.as_ref().to_owned())
        .ok_or(SessionError::NoRegion)?;
    if !is_region_name(&region) {
        return Err(SessionError::Region(region));
    }
    let provider = loaded
        .credentials_provider()
        .ok_or_else(|| SessionError::NoCredentials("no credential provider".into()))?;
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
        Err(_) => return Err(SessionError::CredentialsTimeout),
        Ok(Err(error)) => return Err(SessionError::NoCredentials(Box::new(error))),
        Ok(Ok(_)) => {}
    }
    let mut timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .build();
    if let Some(configured) = loaded.timeout_config() {
        timeouts.take_defaults_from(configured);
    }
    let config = loaded.to_builder().timeout_config(timeouts).build();
    let s3_endpoint = std::env::var(S3_ENDPOINT_VARIABLE)
        .ok()
        .or_else(|| config.endpoint_url().map(str::to_owned));
    let s3_config = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(needs_path_style(s3_endpoint.as_deref()))
        .build();
    Ok(Session {
        cloudformation: aws_sdk_cloudformation::Client::new(&config),
        s3: aws_sdk_s3::Client::from_conf(s3_config),
        config,
        region,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for good in [
            "us-east-1",
            "eu-west-3",
            "us-gov-west-1",
            "ap-southeast-5",
            "eu-isoe-west-1",
            "cn-north-1",
        ] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "not_a_region",
            "useast1",
            "us-east-1a",
            "east-1",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn path_style_only_for_hosts_without_bucket_dns() {
        assert!(needs_path_style(Some("http://127.0.0.1:5000")));
        assert!(needs_path_style(Some("http://localhost:4566/")));
        assert!(needs_path_style(Some("http://[::1]:5000")));
        assert!(!needs_path_style(Some(
            "https://s3.eu-west-3.amazonaws.com"
        )));
        assert!(!needs_path_style(None));
    }

    #[tokio::test]
    async fn a_bad_region_option_is_refused_before_any_lookup() {
        let args = AwsArgs {
            region: Some("moon-1".to_owned()),
            ..AwsArgs::default()
        };
        let error = connect(&args).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "--region \"moon-1\" is not an AWS region name (like us-east-1 or eu-west-3)"
        );
    }
}
