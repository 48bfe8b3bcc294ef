//! Typed properties of the resource types the stacks use. Field names follow the
//! CloudFormation resource specification (PascalCase once serialized); `None` and empty
//! values are left out.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Expr;
pub use super::iam::{
    Effect, InlinePolicy, ManagedPolicy, POLICY_VERSION, PolicyDocument, Principal, Role, Statement,
};
pub use super::s3::{
    AbortIncompleteMultipartUpload, Bucket, BucketEncryption, BucketPolicy, LifecycleConfiguration,
    LifecycleRule, NoncurrentVersionExpiration, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryptionByDefault, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use crate::Architecture;

/// A resource type: its properties struct, convertible into [`Properties`].
pub trait Resource: Into<Properties> {}

macro_rules! resource_types {
    ($($variant:ident($properties:ident) = $type_name:literal,)+) => {
        /// The properties of any supported resource type.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Properties {
            $(
                #[doc = concat!("`", $type_name, "`.")]
                $variant($properties),
            )+
        }

        impl Properties {
            /// The CloudFormation type name, e.g. `AWS::Kinesis::Stream`.
            pub const fn type_name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $type_name,)+
                }
            }
        }

        $(
            impl From<$properties> for Properties {
                fn from(properties: $properties) -> Self {
                    Self::$variant(properties)
                }
            }

            impl Resource for $properties {}
        )+
    };
}

resource_types! {
    KinesisStream(KinesisStream) = "AWS::Kinesis::Stream",
    LayerVersion(LayerVersion) = "AWS::Lambda::LayerVersion",
    ManagedPolicy(ManagedPolicy) = "AWS::IAM::ManagedPolicy",
    Role(Role) = "AWS::IAM::Role",
    LogGroup(LogGroup) = "AWS::Logs::LogGroup",
    Function(Function) = "AWS::Lambda::Function",
    Bucket(Bucket) = "AWS::S3::Bucket",
    BucketPolicy(BucketPolicy) = "AWS::S3::BucketPolicy",
}

/// `AWS::Kinesis::Stream`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KinesisStream {
    /// The stream name.
    pub name: Expr,
    /// Shard count; only for provisioned streams.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_count: Option<u32>,
    /// Capacity mode.
    pub stream_mode_details: StreamModeDetails,
    /// Retention in hours.
    pub retention_period_hours: u32,
    /// Server-side encryption; `None` stores records unencrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_encryption: Option<StreamEncryption>,
}

/// `StreamModeDetails`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamModeDetails {
    /// The capacity mode.
    pub stream_mode: StreamMode,
}

/// Kinesis capacity modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamMode {
    /// `PROVISIONED`.
    Provisioned,
    /// `ON_DEMAND`.
    OnDemand,
}

/// `StreamEncryption`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamEncryption {
    /// Always `KMS`.
    pub encryption_type: &'static str,
    /// Key ID, ARN or alias.
    pub key_id: Expr,
}

/// `AWS::Lambda::LayerVersion`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerVersion {
    /// The layer name.
    pub layer_name: Expr,
    /// What the layer holds.
    pub description: String,
    /// Where the zip is.
    pub content: LayerContent,
    /// Architectures the layer runs on.
    pub compatible_architectures: Vec<Architecture>,
    /// Runtimes the layer is listed for (at most 15).
    pub compatible_runtimes: Vec<&'static str>,
    /// SPDX license identifier.
    pub license_info: &'static str,
}

/// A layer's zip in S3.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerContent {
    /// The bucket.
    pub s3_bucket: Expr,
    /// The object key.
    pub s3_key: Expr,
}

/// `AWS::Logs::LogGroup`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    /// Days to keep log events.
    pub retention_in_days: u32,
    /// ARN of the customer KMS key that encrypts the log events; `None`: CloudWatch Logs
    /// encrypts them with its own keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Expr>,
}

/// `AWS::Lambda::Function`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    /// What the function does.
    pub description: String,
    /// The runtime identifier, e.g. `python3.13`.
    pub runtime: &'static str,
    /// The handler, e.g. `index.handler`.
    pub handler: &'static str,
    /// The code.
    pub code: FunctionCode,
    /// The execution role's ARN.
    pub role: Expr,
    /// The instruction set (one).
    pub architectures: Vec<Architecture>,
    /// Layer version ARNs.
    pub layers: Vec<Expr>,
    /// Memory, in MB.
    pub memory_size: u32,
    /// Timeout, in seconds.
    pub timeout: u32,
    /// Concurrency reserved for (and capping) the function; `None` leaves it unreserved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<u32>,
    /// Environment variables.
    pub environment: Environment,
    /// Where the function logs.
    pub logging_config: LoggingConfig,
}

/// A function's code.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionCode {
    /// Inline source (Node.js and Python only, at most 4096 characters).
    pub zip_file: String,
}

/// A function's environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    /// The variables, sorted by name.
    pub variables: BTreeMap<String, Expr>,
}

/// A function's logging configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    /// `Text` or `JSON`.
    pub log_format: &'static str,
    /// The log group's name.
    pub log_group: Expr,
}
