//! The one connect step of every command that calls AWS: load the configuration, then fail
//! fast and clearly when a value is malformed, the profile is missing, or there is no region
//! or no credentials, instead of hanging on the instance metadata endpoint or failing later
//! with an opaque dispatch error. Clients come from the [`Connection`], so each has the same
//! timeouts and names its endpoint when the network fails.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::os_shim_internal::{Env, Fs};

use super::args::AwsArgs;
use super::endpoint::{check_endpoint_url, needs_path_style};
use super::error::ConnectError;
use super::interceptor::NameEndpoint;
use super::profile::{check_profile, selected_profile};
use super::region::is_region_name;

/// How long loading the configuration may take (profiles, SSO caches, region lookups).
pub const CONFIG_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the credential chain may take to answer.
pub const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a TCP connect to an AWS endpoint may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait for an answer once a request is sent: AWS answers CloudFormation, S3,
/// Kinesis and CloudWatch Logs calls in well under this, so a silent endpoint fails instead
/// of hanging.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Lambda answers a synchronous invoke when the function returns: up to its 15-minute
/// maximum timeout, plus a margin.
pub const INVOKE_READ_TIMEOUT: Duration = Duration::from_secs(15 * 60 + 30);
/// The prefix of the endpoint variables aws-config honours (`AWS_ENDPOINT_URL`,
/// `AWS_ENDPOINT_URL_<SERVICE>`).
const ENDPOINT_VARIABLE_PREFIX: &str = "AWS_ENDPOINT_URL";
/// The service-specific endpoint variable for S3.
const S3_ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL_S3";

/// A checked configuration: a well-formed region and credentials that resolved.
#[derive(Debug, Clone)]
pub struct Connection {
    config: SdkConfig,
    region: String,
}

/// Checks the values that need no lookup: the options and the endpoint variables.
fn check_values(
    args: &AwsArgs,
    variables: impl IntoIterator<Item = (String, String)>,
) -> Result<(), ConnectError> {
    if let Some(region) = &args.region
        && !is_region_name(region)
    {
        return Err(ConnectError::RegionOption(region.clone()));
    }
    if let Some(url) = &args.endpoint_url {
        check_endpoint_url(url).map_err(|reason| ConnectError::EndpointOption {
            value: url.clone(),
            reason,
        })?;
    }
    for (variable, value) in variables {
        if variable.starts_with(ENDPOINT_VARIABLE_PREFIX) && !value.is_empty() {
            check_endpoint_url(&value).map_err(|reason| ConnectError::EndpointVariable {
                variable: variable.clone(),
                value: value.clone(),
                reason,
            })?;
        }
    }
    Ok(())
}

/// The process's variables that are valid UTF-8 (aws-config ignores the others too).
fn variables() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os()
        .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)))
}

async fn load(args: &AwsArgs) -> SdkConfig {
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

/// Loads the configuration and checks it, all in bounded time: values, profile, region,
/// credentials.
pub async fn connect(args: &AwsArgs) -> Result<Connection, ConnectError> {
    check_values(args, variables())?;
    if let Some((profile, from)) =
        selected_profile(args.profile.as_deref(), |name| std::env::var(name).ok())
    {
        check_profile(&Fs::real(), &Env::real(), &profile, from).await?;
    }
    let loaded = tokio::time::timeout(CONFIG_TIMEOUT, load(args))
        .await
        .map_err(|_| ConnectError::ConfigTimeout)?;
    let region = loaded
        .region()
        .map(|region| region.as_ref().to_owned())
        .ok_or(ConnectError::NoRegion)?;
    if !is_region_name(&region) {
        return Err(ConnectError::Region(region));
    }
    let provider = loaded
        .credentials_provider()
        .ok_or_else(|| ConnectError::NoCredentials("no credential provider".into()))?;
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
        Err(_) => return Err(ConnectError::CredentialsTimeout),
        Ok(Err(error)) => return Err(ConnectError::NoCredentials(Box::new(error))),
        Ok(Ok(_)) => {}
    }
    let mut timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .build();
    if let Some(configured) = loaded.timeout_config() {
        timeouts.take_defaults_from(configured);
    }
    Ok(Connection {
        config: loaded.to_builder().timeout_config(timeouts).build(),
        region,
    })
}

impl Connection {
    /// The checked configuration (with our timeouts), for clients this type does not make.
    pub fn config(&self) -> &SdkConfig {
        &self.config
    }

    /// The region in use.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// A CloudFormation client.
    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        let config = aws_sdk_cloudformation::config::Builder::from(&self.config)
            .interceptor(NameEndpoint)
            .build();
        aws_sdk_cloudformation::Client::from_conf(config)
    }

    /// An S3 client, addressing buckets by path on endpoints without bucket DNS names.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let endpoint = std::env::var(S3_ENDPOINT_VARIABLE)
            .ok()
            .or_else(|| self.config.endpoint_url().map(str::to_owned));
        let config = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(needs_path_style(endpoint.as_deref()))
            .interceptor(NameEndpoint)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// A Kinesis client for the connection's region, or for `region` (a stream ARN's).
    pub fn kinesis(&self, region: Option<&str>) -> aws_sdk_kinesis::Client {
        let mut builder =
            aws_sdk_kinesis::config::Builder::from(&self.config).interceptor(NameEndpoint);
        if let Some(region) = region {
            builder = builder.region(Region::new(region.to_owned()));
        }
        aws_sdk_kinesis::Client::from_conf(builder.build())
    }

    /// A CloudWatch Logs client.
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        let config = aws_sdk_cloudwatchlogs::config::Builder::from(&self.config)
            .interceptor(NameEndpoint)
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(config)
    }

    /// A Lambda client for configuration calls (functions, layers, tags), with the usual
    /// read timeout.
    pub fn lambda_configuration(&self) -> aws_sdk_lambda::Client {
        let config = aws_sdk_lambda::config::Builder::from(&self.config)
            .interceptor(NameEndpoint)
            .build();
        aws_sdk_lambda::Client::from_conf(config)
    }

    /// An IAM client (a global service: the SDK resolves its endpoint from the region's
    /// partition; `AWS_ENDPOINT_URL_IAM` overrides it).
    pub fn iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.config)
            .interceptor(NameEndpoint)
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    /// An STS client (`AWS_ENDPOINT_URL_STS` overrides its endpoint).
    pub fn sts(&self) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::config::Builder::from(&self.config)
            .interceptor(NameEndpoint)
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// A Lambda client whose read timeout lets a synchronous invoke run its full course.
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        let timeouts = self
            .config
            .timeout_config()
            .map(|configured| configured.to_builder())
            .unwrap_or_default()
            .read_timeout(INVOKE_READ_TIMEOUT)
            .build();
        let config = aws_sdk_lambda::config::Builder::from(&self.config)
            .timeout_config(timeouts)
            .interceptor(NameEndpoint)
            .build();
        aws_sdk_lambda::Client::from_conf(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn malformed_values_fail_before_any_lookup() {
        let args = AwsArgs {
            region: Some("moon-1".to_owned()),
            ..AwsArgs::default()
        };
        let error = check_values(&args, []).unwrap_err();
        assert!(error.is_usage());
        assert_eq!(
            error.to_string(),
            "--region \"moon-1\" is not an AWS region name (like us-east-1 or eu-west-3)"
        );

        let args = AwsArgs {
            endpoint_url: Some("127.0.0.1:5000".to_owned()),
            ..AwsArgs::default()
        };
        assert!(check_values(&args, []).unwrap_err().is_usage());

        let error = check_values(
            &AwsArgs::default(),
            variables(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
                ("AWS_ENDPOINT_URL_KINESIS", "kinesis.local"),
            ]),
        )
        .unwrap_err();
        assert!(!error.is_usage());
        assert!(
            error
                .to_string()
                .starts_with("AWS_ENDPOINT_URL_KINESIS=\"kinesis.local\" is not an endpoint URL"),
            "{error}"
        );
        let fine = variables(&[("AWS_ENDPOINT_URL", ""), ("HOME", "not a url")]);
        assert!(check_values(&AwsArgs::default(), fine).is_ok());
    }

    #[tokio::test]
    async fn a_bad_region_option_is_refused_before_any_lookup() {
        let args = AwsArgs {
            region: Some("moon-1".to_owned()),
            ..AwsArgs::default()
        };
        assert!(matches!(
            connect(&args).await,
            Err(ConnectError::RegionOption(_))
        ));
    }
}
