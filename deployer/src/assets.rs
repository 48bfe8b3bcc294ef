//! The assets stack: one S3 bucket per account and region for layer zips, created on first use
//! and reused after, as the CDK's bootstrap stack but without a separate step. Zips are stored
//! under their content hash and uploaded only when absent.

use std::collections::BTreeMap;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::aws::{CallFailure, Cause};
use crate::deploy::{DeployError, DeployReport, Engine, Progress, StackSpec};

/// The default assets stack name.
pub const DEFAULT_ASSETS_STACK: &str = "telemetry-kinesis-assets";
/// The assets stack output holding the bucket name.
pub const BUCKET_OUTPUT: &str = "BucketName";
/// Days a replaced or deleted object version is kept.
pub const NONCURRENT_VERSION_DAYS: u32 = 30;
/// Days a layer zip is kept; one still in use is uploaded again by the next `up` that needs it.
pub const LAYER_EXPIRY_DAYS: u32 = 365;
/// The key prefix of layer zips.
pub const LAYER_PREFIX: &str = "layers/";
/// `DeleteObjects` takes at most this many keys per call.
const DELETE_BATCH: usize = 1000;

/// Something failed while preparing or cleaning the assets.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AssetsError {
    /// Deploying or deleting the assets stack failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Stack(#[from] DeployError),
    /// The assets stack has no bucket output.
    #[error("assets stack {stack_name} has no {BUCKET_RESOURCE} resource")]
    #[diagnostic(help(
        "the stack was not made by this deployer; delete it or choose another --assets-stack"
    ))]
    NoBucket {
        /// The assets stack.
        stack_name: String,
    },
    /// An S3 call failed.
    #[error("bucket {bucket}: {failure}")]
    S3 {
        /// The bucket.
        bucket: String,
        /// The failed call.
        failure: CallFailure,
    },
    /// `DeleteObjects` reported objects it could not delete.
    #[error("could not delete {count} object versions from bucket {bucket}, first: {first}")]
    Delete {
        /// The bucket.
        bucket: String,
        /// How many failed.
        count: usize,
        /// The first failure's key and message.
        first: String,
    },
}

fn s3_error<E, R>(operation: &'static str, bucket: &str, error: SdkError<E, R>) -> AssetsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    AssetsError::S3 {
        bucket: bucket.to_owned(),
        failure: CallFailure::from_sdk("S3", operation, &error),
    }
}

/// The assets stack template: an encrypted, versioned, private bucket reachable only over TLS,
/// whose old object versions expire.
pub fn template() -> String {
    let bucket_arn = serde_json::json!({ "Fn::GetAtt": ["AssetsBucket", "Arn"] });
    let template = serde_json::json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Assets of the telemetry-kinesis deployer: Lambda layer zips stored by content hash",
        "Resources": {
            "AssetsBucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketEncryption": { "ServerSideEncryptionConfiguration": [
                        { "ServerSideEncryptionByDefault": { "SSEAlgorithm": "AES256" } }
                    ] },
                    "VersioningConfiguration": { "Status": "Enabled" },
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": true,
                        "BlockPublicPolicy": true,
                        "IgnorePublicAcls": true,
                        "RestrictPublicBuckets": true
                    },
                    "OwnershipControls": { "Rules": [{ "ObjectOwnership": "BucketOwnerEnforced" }] },
                    "LifecycleConfiguration": { "Rules": [
                        {
                            "Id": "ExpireOldVersions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": { "NoncurrentDays": NONCURRENT_VERSION_DAYS },
                            "AbortIncompleteMultipartUpload": { "DaysAfterInitiation": 1 }
                        },
                        {
                            "Id": "ExpireOldLayers",
                            "Status": "Enabled",
                            "Prefix": LAYER_PREFIX,
                            "ExpirationInDays": LAYER_EXPIRY_DAYS
                        }
                    ] }
                }
            },
            "AssetsBucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": { "Ref": "AssetsBucket" },
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket_arn, { "Fn::Sub": "${AssetsBucket.Arn}/*" }],
                            "Condition": { "Bool": { "aws:SecureTransport": "false" } }
                        }]
                    }
                }
            }
        },
        "Outputs": {
            BUCKET_OUTPUT: { "Description": "Bucket holding the layer zips", "Value": { "Ref": "AssetsBucket" } }
        }
    });
    // A `json!` value always serialises.
    serde_json::to_string_pretty(&template).unwrap_or_default()
}

/// The deployed assets stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assets {
    /// Whether the stack was created or updated now.
    pub changed: bool,
    /// The bucket name.
    pub bucket: String,
}

/// The bucket's logical ID in the assets template.
pub const BUCKET_RESOURCE: &str = "AssetsBucket";

/// The bucket of the assets stack: the bucket resource's physical ID, which CloudFormation
/// reports for every stack state (outputs exist only once a create or update completed).
async fn bucket_of(engine: &Engine, stack_name: &str) -> Result<Option<String>, AssetsError> {
    Ok(engine.physical_id(stack_name, BUCKET_RESOURCE).await?)
}

/// Creates the assets stack on first use; afterwards finds it unchanged in a few calls.
pub async fn ensure(
    engine: &Engine,
    stack_name: &str,
    progress: &mut dyn Progress,
) -> Result<Assets, AssetsError> {
    let spec = StackSpec {
        stack_name: stack_name.to_owned(),
        template_body: template(),
        parameters: BTreeMap::new(),
        tags: BTreeMap::new(),
    };
    let DeployReport { changed, .. } = engine.deploy(&spec, progress).await?;
    let bucket = bucket_of(engine, stack_name)
        .await?
        .ok_or_else(|| AssetsError::NoBucket {
            stack_name: stack_name.to_owned(),
        })?;
    Ok(Assets { changed, bucket })
}

/// The bucket of an existing assets stack, or `None` when there is no assets stack.
pub async fn find(engine: &Engine, stack_name: &str) -> Result<Option<String>, AssetsError> {
    bucket_of(engine, stack_name).await
}

/// Whether an upload happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upload {
    /// The object was absent and is now stored.
    Uploaded,
    /// The object was there already: nothing sent.
    AlreadyPresent,
}

/// Stores `zip` under `key` unless `HeadObject` finds it there already.
pub async fn upload_if_absent(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    zip: Vec<u8>,
) -> Result<Upload, AssetsError> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => return Ok(Upload::AlreadyPresent),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|service| service.is_not_found()) => {}
        Err(error) => return Err(s3_error("HeadObject", bucket, error)),
    }
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/zip")
        .body(ByteStream::from(zip))
        .send()
        .await
        .map_err(|error| s3_error("PutObject", bucket, error))?;
    Ok(Upload::Uploaded)
}

/// Deletes every object version and delete marker, so the bucket can be deleted. Returns how
/// many were deleted. A bucket already gone counts as empty.
pub async fn empty_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<usize, AssetsError> {
    let mut deleted = 0;
    loop {
        // Always list from the start: the previous batch is gone.
        let listed = match s3.list_object_versions().bucket(bucket).send().await {
            Ok(listed) => listed,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|service| service.meta().code() == Some("NoSuchBucket")) =>
            {
                return Ok(deleted);
            }
            Err(error) => return Err(s3_error("ListObjectVersions", bucket, error)),
        };
        let versions = listed
            .versions()
            .iter()
            .map(|version| (version.key(), version.version_id()));
        let markers = listed
            .delete_markers()
            .iter()
            .map(|marker| (marker.key(), marker.version_id()));
        let identifiers: Vec<ObjectIdentifier> = versions
            .chain(markers)
            .filter_map(|(key, version_id)| {
                ObjectIdentifier::builder()
                    .key(key?)
                    .set_version_id(version_id.map(str::to_owned))
                    .build()
                    .ok()
            })
            .collect();
        if identifiers.is_empty() {
            return Ok(deleted);
        }
        for batch in identifiers.chunks(DELETE_BATCH) {
            let delete = Delete::builder()
                .set_objects(Some(batch.to_vec()))
                .quiet(true)
                .build()
                .map_err(|error| AssetsError::S3 {
                    bucket: bucket.to_owned(),
                    failure: CallFailure {
                        service: "S3",
                        operation: "DeleteObjects",
                        cause: Cause::Other(error.to_string()),
                    },
                })?;
            let output = s3
                .delete_objects()
                .bucket(bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|error| s3_error("DeleteObjects", bucket, error))?;
            if let Some(first) = output.errors().first() {
                return Err(AssetsError::Delete {
                    bucket: bucket.to_owned(),
                    count: output.errors().len(),
                    first: format!(
                        "{}: {}",
                        first.key().unwrap_or_default(),
                        first.message().unwrap_or_default()
                    ),
                });
            }
            deleted += batch.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_is_private_encrypted_versioned_and_tls_only() {
        let template: serde_json::Value = serde_json::from_str(&template()).unwrap();
        let bucket = &template["Resources"]["AssetsBucket"]["Properties"];
        assert_eq!(bucket["VersioningConfiguration"]["Status"], "Enabled");
        assert_eq!(
            bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
                ["SSEAlgorithm"],
            "AES256"
        );
        let block = &bucket["PublicAccessBlockConfiguration"];
        for setting in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(block[setting], true, "{setting}");
        }
        assert_eq!(
            bucket["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"]["NoncurrentDays"],
            30
        );
        let statement = &template["Resources"]["AssetsBucketPolicy"]["Properties"]["PolicyDocument"]
            ["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(
            statement["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        assert_eq!(
            template["Outputs"][BUCKET_OUTPUT]["Value"]["Ref"],
            "AssetsBucket"
        );
    }
}
