//! Why no connection to AWS could be made. Each variant says what to set; the exit code
//! tells a malformed option (usage) from a missing or broken AWS configuration.

use super::connect::{CONFIG_TIMEOUT, CREDENTIALS_TIMEOUT};
use super::profile::ProfileSource;

/// Why no connection could be made.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConnectError {
    /// `--region` is not a region name (clap checks it on the command line; this is for
    /// library callers).
    #[error("--region {0:?} is not an AWS region name (like us-east-1 or eu-west-3)")]
    RegionOption(String),
    /// `--endpoint-url` is not a URL (as for `--region`, clap checks it first).
    #[error("--endpoint-url {value:?} is not an endpoint URL: {reason}")]
    EndpointOption {
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The configured region is not a region name.
    #[error("the configured AWS region {0:?} is not a region name (like us-east-1 or eu-west-3)")]
    #[diagnostic(help(
        "check AWS_REGION, AWS_DEFAULT_REGION and the profile's `region`, or pass --region"
    ))]
    Region(String),
    /// An `AWS_ENDPOINT_URL*` variable is not a URL.
    #[error("{variable}={value:?} is not an endpoint URL: {reason}")]
    #[diagnostic(help("set it to a URL like http://127.0.0.1:5000, or unset it"))]
    EndpointVariable {
        /// The variable.
        variable: String,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No region anywhere.
    #[error("no AWS region configured")]
    #[diagnostic(help("pass --region, set AWS_REGION, or set `region` in the AWS profile"))]
    NoRegion,
    /// The selected profile is in neither AWS config file.
    #[error("AWS profile `{profile}` (from {from}) is not defined in the AWS config files")]
    #[diagnostic(help(
        "list the profiles with `aws configure list-profiles`; check AWS_CONFIG_FILE and \
         AWS_SHARED_CREDENTIALS_FILE, or choose another profile"
    ))]
    NoSuchProfile {
        /// The profile name.
        profile: String,
        /// Where the name came from.
        from: ProfileSource,
    },
    /// The AWS config files could not be read or parsed.
    #[error("cannot read the AWS config files: {0}")]
    #[diagnostic(help(
        "check ~/.aws/config, ~/.aws/credentials, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE"
    ))]
    ProfileFiles(String),
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

impl ConnectError {
    /// Whether a command-line value is at fault (exit 2) rather than the AWS configuration
    /// (exit 3).
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::RegionOption(_) | Self::EndpointOption { .. })
    }
}
