//! The S3 resource types: a bucket and its policy.

use serde::Serialize;

use super::Expr;
use super::iam::PolicyDocument;

/// `AWS::S3::Bucket`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    /// Default encryption of new objects.
    pub bucket_encryption: BucketEncryption,
    /// Versioning.
    pub versioning_configuration: VersioningConfiguration,
    /// What public access is blocked.
    pub public_access_block_configuration: PublicAccessBlockConfiguration,
    /// Object ownership.
    pub ownership_controls: OwnershipControls,
    /// When objects expire.
    pub lifecycle_configuration: LifecycleConfiguration,
}

/// `BucketEncryption`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    /// The rules (S3 takes one).
    pub server_side_encryption_configuration: Vec<ServerSideEncryptionRule>,
}

/// `ServerSideEncryptionRule`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionRule {
    /// The default encryption.
    pub server_side_encryption_by_default: ServerSideEncryptionByDefault,
}

/// `ServerSideEncryptionByDefault`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerSideEncryptionByDefault {
    /// `AES256` (S3-managed keys) or `aws:kms`.
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: &'static str,
}

/// `VersioningConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersioningConfiguration {
    /// `Enabled` or `Suspended`.
    pub status: &'static str,
}

/// `PublicAccessBlockConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    /// Refuse requests that set public ACLs.
    pub block_public_acls: bool,
    /// Refuse bucket policies that grant public access.
    pub block_public_policy: bool,
    /// Ignore public ACLs.
    pub ignore_public_acls: bool,
    /// Only the owner's account and AWS services reach a bucket with a public policy.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockConfiguration {
    /// Every kind of public access blocked.
    pub const ALL_BLOCKED: Self = Self {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
    };
}

/// `OwnershipControls`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    /// The rules (S3 takes one).
    pub rules: Vec<OwnershipControlsRule>,
}

/// `OwnershipControlsRule`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControlsRule {
    /// `BucketOwnerEnforced` turns ACLs off.
    pub object_ownership: &'static str,
}

/// `LifecycleConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    /// The rules.
    pub rules: Vec<LifecycleRule>,
}

/// A lifecycle rule; `None` values are left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    /// The rule's ID.
    pub id: &'static str,
    /// `Enabled` or `Disabled`.
    pub status: &'static str,
    /// The key prefix the rule applies to (all keys without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<&'static str>,
    /// Days after which current versions expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_in_days: Option<u32>,
    /// Days after which noncurrent versions are deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    /// Days after which unfinished multipart uploads are aborted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
}

/// `NoncurrentVersionExpiration`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentVersionExpiration {
    /// Days a version is kept once it is no longer current.
    pub noncurrent_days: u32,
}

/// `AbortIncompleteMultipartUpload`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    /// Days after the upload started.
    pub days_after_initiation: u32,
}

/// `AWS::S3::BucketPolicy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    /// The bucket's name.
    pub bucket: Expr,
    /// The policy.
    pub policy_document: PolicyDocument,
}
