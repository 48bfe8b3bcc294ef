//! What the stack contains: the command-line arguments ([`StackArgs`], shared by `synth`
//! and `up`) and their validated form ([`StackOptions`]), which the template is built from.

use std::fmt;

use serde::Serialize;

pub use telemetry_kinesis_contract::names::DEFAULT_STREAM_NAME;
pub use telemetry_kinesis_contract::{FlushStrategy, RecordFormat};

use crate::Architecture;

/// The AWS-managed Kinesis key: producers need no KMS permission to write with it.
pub const AWS_MANAGED_KINESIS_KEY: &str = "alias/aws/kinesis";
/// Default shard count of a provisioned stream.
pub const DEFAULT_SHARDS: u32 = 1;
/// Kinesis retention bounds, in hours.
pub const RETENTION_HOURS: std::ops::RangeInclusive<u32> = 24..=8760;
/// Default Kinesis retention, in hours.
pub const DEFAULT_RETENTION_HOURS: u32 = 24;
/// Upper bound we accept for a provisioned shard count (the default account quota is
/// lower; this only catches typos).
pub const MAX_SHARDS: u32 = 10_000;
/// The retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
/// Default retention of the sample function's log group, in days.
pub const DEFAULT_LOG_RETENTION_DAYS: u32 = 14;
/// Default reserved concurrency of the sample function: it is invoked one request at a
/// time; two leave room for two people invoking it at once, and cap what it can take from
/// the account.
pub const DEFAULT_RESERVED_CONCURRENCY: u32 = 2;
/// Reserved concurrency bounds we accept for the sample function (the default account quota
/// of 1000 lets at most 900 be reserved; this only catches typos).
pub const RESERVED_CONCURRENCY: std::ops::RangeInclusive<u32> = 1..=1000;

/// How the stream's capacity is provisioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Capacity {
    /// A fixed number of shards.
    Provisioned {
        /// Shard count, at least 1.
        shards: u32,
    },
    /// Kinesis scales the shards itself.
    OnDemand,
}

/// `--capacity` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CapacityMode {
    /// A fixed shard count (--shards)
    #[default]
    Provisioned,
    /// Kinesis scales the shards itself
    OnDemand,
}

/// Stack content options, as given on the command line (`synth`, `up`).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct StackArgs {
    /// Kinesis stream name
    #[arg(long, value_name = "NAME", default_value = DEFAULT_STREAM_NAME)]
    pub stream_name: String,
    /// Stream capacity mode
    #[arg(long, value_enum, default_value_t = CapacityMode::Provisioned)]
    pub capacity: CapacityMode,
    /// Shard count of a provisioned stream [default: 1]
    #[arg(long, value_name = "COUNT")]
    pub shards: Option<u32>,
    /// How long the stream keeps records, in hours (24-8760)
    #[arg(long, value_name = "HOURS", default_value_t = DEFAULT_RETENTION_HOURS)]
    pub retention_hours: u32,
    /// KMS key for server-side encryption: the AWS-managed key, or a customer key ARN
    #[arg(long, value_name = "KEY", default_value = AWS_MANAGED_KINESIS_KEY)]
    pub kms_key: String,
    /// Store the stream unencrypted
    #[arg(long)]
    pub no_encryption: bool,
    /// Architecture of the layer and the sample function
    #[arg(long, value_enum, default_value_t = Architecture::X86_64)]
    pub architecture: Architecture,
    /// Record layout the extension writes
    #[arg(long, value_enum, default_value_t = RecordFormat::Json)]
    pub record_format: RecordFormat,
    /// When the extension sends its buffer to Kinesis
    #[arg(long, value_enum, default_value_t = FlushStrategy::Adaptive)]
    pub flush: FlushStrategy,
    /// Leave the sample function out of the stack
    #[arg(long)]
    pub no_sample_function: bool,
    /// Retention of the sample function's log group, in days (a CloudWatch Logs value)
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_LOG_RETENTION_DAYS)]
    pub log_retention_days: u32,
    /// Customer KMS key (by ARN, same region) that encrypts the sample function's log group;
    /// its key policy must let CloudWatch Logs use it [default: CloudWatch Logs' own keys]
    #[arg(long, value_name = "KEY_ARN")]
    pub log_kms_key: Option<String>,
    /// Concurrency reserved for the sample function, which also caps it (1-1000) [default: 2]
    #[arg(long, value_name = "COUNT")]
    pub reserved_concurrency: Option<u32>,
    /// Reserve no concurrency for the sample function: for accounts whose concurrency quota
    /// is below 100 plus the reservation (new accounts may have 10)
    #[arg(long)]
    pub no_reserved_concurrency: bool,
}

/// Stream encryption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Encryption {
    /// Records stored unencrypted.
    None,
    /// Server-side encryption with the AWS-managed key `alias/aws/kinesis`.
    AwsManaged,
    /// Server-side encryption with a customer key, given by ARN so the write policy can
    /// grant `kms:GenerateDataKey` on it.
    CustomerKey {
        /// The key's ARN.
        key_arn: String,
    },
}

/// Validated stack options: every value is in range and consistent with the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackOptions {
    /// CloudFormation stack name.
    pub stack_name: String,
    /// Kinesis stream name.
    pub stream_name: String,
    /// Provisioned shards or on-demand.
    pub capacity: Capacity,
    /// Stream retention, in hours.
    pub retention_hours: u32,
    /// Stream encryption.
    pub encryption: Encryption,
    /// Architecture of the layer and the sample function.
    pub architecture: Architecture,
    /// Record layout the extension writes.
    pub record_format: RecordFormat,
    /// When the extension flushes.
    pub flush: FlushStrategy,
    /// Whether the stack holds the sample function.
    pub sample_function: bool,
    /// Retention of the sample function's log group, in days.
    pub log_retention_days: u32,
    /// ARN of the customer KMS key that encrypts the sample function's log group.
    pub log_kms_key: Option<String>,
    /// Concurrency reserved for the sample function; `None` leaves it unreserved.
    pub reserved_concurrency: Option<u32>,
}

/// An option value that cannot be used. Each variant names the option and what it accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum OptionsError {
    /// Invalid stack name.
    #[error(
        "--stack-name {0:?} is not a valid stack name: use 1-128 letters, digits and hyphens, starting with a letter"
    )]
    StackName(String),
    /// Invalid stream name.
    #[error(
        "--stream-name {0:?} is not a valid stream name: use 1-128 letters, digits, '_', '-' and '.'"
    )]
    StreamName(String),
    /// Shard count out of range.
    #[error("--shards {0} is out of range: use 1-{MAX_SHARDS}")]
    Shards(u32),
    /// Shards given for an on-demand stream.
    #[error("--shards applies only to --capacity provisioned, not on-demand")]
    ShardsWithOnDemand,
    /// Retention out of range.
    #[error("--retention-hours {0} is out of range: use 24-8760")]
    RetentionHours(u32),
    /// Key given with encryption off.
    #[error("--kms-key and --no-encryption contradict each other: give one of them")]
    KeyWithoutEncryption,
    /// A customer key not given by ARN.
    #[error(
        "--kms-key {0:?} is neither {AWS_MANAGED_KINESIS_KEY} nor a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)"
    )]
    KmsKey(String),
    /// Log retention not one CloudWatch Logs accepts.
    #[error(
        "--log-retention-days {value} is not a CloudWatch Logs retention: use one of {accepted}"
    )]
    LogRetentionDays {
        /// The rejected value.
        value: u32,
        /// The accepted values, comma-separated.
        accepted: AcceptedDays,
    },
    /// A log group key not given by ARN.
    #[error(
        "--log-kms-key {0:?} is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>): CloudWatch Logs takes only key ARNs"
    )]
    LogKmsKey(String),
    /// Reserved concurrency out of range.
    #[error(
        "--reserved-concurrency {0} is out of range: use 1-1000 (0 would throttle every invocation; --no-reserved-concurrency leaves it unreserved)"
    )]
    ReservedConcurrency(u32),
    /// Reserved concurrency both given and refused.
    #[error(
        "--reserved-concurrency and --no-reserved-concurrency contradict each other: give one of them"
    )]
    ReservedConcurrencyContradiction,
}

/// The list of accepted log retention days, displayed comma-separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedDays;

impl fmt::Display for AcceptedDays {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, days) in LOG_RETENTION_DAYS.iter().enumerate() {
            if index > 0 {
                formatter.write_str(", ")?;
            }
            write!(formatter, "{days}")?;
        }
        Ok(())
    }
}

impl StackOptions {
    /// Validates the arguments; `stack_name` comes from the global `--stack-name`.
    pub fn from_args(stack_name: &str, args: &StackArgs) -> Result<Self, OptionsError> {
        if !is_valid_stack_name(stack_name) {
            return Err(OptionsError::StackName(stack_name.to_owned()));
        }
        if !is_valid_stream_name(&args.stream_name) {
            return Err(OptionsError::StreamName(args.stream_name.clone()));
        }
        let capacity = match (args.capacity, args.shards) {
            (CapacityMode::OnDemand, Some(_)) => return Err(OptionsError::ShardsWithOnDemand),
            (CapacityMode::OnDemand, None) => Capacity::OnDemand,
            (CapacityMode::Provisioned, shards) => {
                let shards = shards.unwrap_or(DEFAULT_SHARDS);
                if !(1..=MAX_SHARDS).contains(&shards) {
                    return Err(OptionsError::Shards(shards));
                }
                Capacity::Provisioned { shards }
            }
        };
        if !RETENTION_HOURS.contains(&args.retention_hours) {
            return Err(OptionsError::RetentionHours(args.retention_hours));
        }
        let encryption = match (args.no_encryption, args.kms_key.as_str()) {
            (true, AWS_MANAGED_KINESIS_KEY) => Encryption::None,
            (true, _) => return Err(OptionsError::KeyWithoutEncryption),
            (false, AWS_MANAGED_KINESIS_KEY) => Encryption::AwsManaged,
            (false, key) if is_kms_key_arn(key) => Encryption::CustomerKey {
                key_arn: key.to_owned(),
            },
            (false, key) => return Err(OptionsError::KmsKey(key.to_owned())),
        };
        if !LOG_RETENTION_DAYS.contains(&args.log_retention_days) {
            return Err(OptionsError::LogRetentionDays {
                value: args.log_retention_days,
                accepted: AcceptedDays,
            });
        }
        if let Some(key) = args
            .log_kms_key
            .as_deref()
            .filter(|key| !is_kms_key_arn(key))
        {
            return Err(OptionsError::LogKmsKey(key.to_owned()));
        }
        let reserved_concurrency = match (args.no_reserved_concurrency, args.reserved_concurrency) {
            (true, Some(_)) => return Err(OptionsError::ReservedConcurrencyContradiction),
            (true, None) => None,
            (false, None) => Some(DEFAULT_RESERVED_CONCURRENCY),
            (false, Some(count)) if RESERVED_CONCURRENCY.contains(&count) => Some(count),
            (false, Some(count)) => return Err(OptionsError::ReservedConcurrency(count)),
        };
        Ok(Self {
            stack_name: stack_name.to_owned(),
            stream_name: args.stream_name.clone(),
            capacity,
            retention_hours: args.retention_hours,
            encryption,
            architecture: args.architecture,
            record_format: args.record_format,
            flush: args.flush,
            sample_function: !args.no_sample_function,
            log_retention_days: args.log_retention_days,
            log_kms_key: args.log_kms_key.clone(),
            reserved_concurrency,
        })
    }
}

impl Default for StackOptions {
    /// The options of a command line without any.
    fn default() -> Self {
        Self {
            stack_name: crate::cli::DEFAULT_STACK_NAME.to_owned(),
            stream_name: DEFAULT_STREAM_NAME.to_owned(),
            capacity: Capacity::Provisioned {
                shards: DEFAULT_SHARDS,
            },
            retention_hours: DEFAULT_RETENTION_HOURS,
            encryption: Encryption::AwsManaged,
            architecture: Architecture::X86_64,
            record_format: RecordFormat::Json,
            flush: FlushStrategy::Adaptive,
            sample_function: true,
            log_retention_days: DEFAULT_LOG_RETENTION_DAYS,
            log_kms_key: None,
            reserved_concurrency: Some(DEFAULT_RESERVED_CONCURRENCY),
        }
    }
}

/// CloudFormation's stack name rule: `[a-zA-Z][-a-zA-Z0-9]*`, at most 128 characters.
pub fn is_valid_stack_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The value parser of `--stack-name` and `--assets-stack`.
pub fn parse_stack_name(name: &str) -> Result<String, String> {
    if is_valid_stack_name(name) {
        Ok(name.to_owned())
    } else {
        Err(
            "not a stack name: use 1-128 letters, digits and hyphens, starting with a letter"
                .to_owned(),
        )
    }
}

/// Kinesis: `[a-zA-Z0-9_.-]+`, 1-128 characters.
fn is_valid_stream_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// `arn:<partition>:kms:<region>:<account>:key/<id>`.
fn is_kms_key_arn(key: &str) -> bool {
    let parts: Vec<&str> = key.splitn(6, ':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "kms", region, account, resource]
            if !partition.is_empty()
                && !region.is_empty()
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit())
                && resource.strip_prefix("key/").is_some_and(|id| !id.is_empty())
    )
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;
