//! The assets stack: one S3 bucket per account and region for layer zips, created on first use
//! and reused after, as the CDK's bootstrap stack but without a separate step. Zips are stored
//! under their content hash and uploaded only when absent.

use std::collections::BTreeMap;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::aws::{CallFailure, Cause};
use crate::deploy::{DeployError, DeployReport, Engine, Progress, StackSpec};
use crate::template::RenderError;

mod template;

pub use template::{
    BUCKET_OUTPUT, BUCKET_RESOURCE, LAYER_EXPIRY_DAYS, LAYER_PREFIX, NONCURRENT_VERSION_DAYS,
    SKIP_ACCESS_LOGGING, template,
};

/// The default assets stack name.
pub const DEFAULT_ASSETS_STACK: &str = "telemetry-kinesis-assets";
/// `DeleteObjects` takes at most this many keys per call.
const DELETE_BATCH: usize = 1000;

/// Something failed while preparing or cleaning the assets.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AssetsError {
    /// Deploying or deleting the assets stack failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Stack(#[from] DeployError),
    /// The assets template could not be rendered.
    #[error("cannot render the assets template")]
    Render(#[from] RenderError),
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

/// The deployed assets stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assets {
    /// Whether the stack was created or updated now.
    pub changed: bool,
    /// The bucket name.
    pub bucket: String,
}

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
        template_body: template().to_json()?,
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
