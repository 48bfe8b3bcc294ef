//! The assets stack's template, in the same typed model as the main stack: an encrypted,
//! versioned, private bucket reachable only over TLS, whose old object versions expire.

use crate::template::resources::{
    AbortIncompleteMultipartUpload, Bucket, BucketEncryption, BucketPolicy, LifecycleConfiguration,
    LifecycleRule, NoncurrentVersionExpiration, OwnershipControls, OwnershipControlsRule,
    PolicyDocument, PublicAccessBlockConfiguration, ServerSideEncryptionByDefault,
    ServerSideEncryptionRule, Statement, VersioningConfiguration,
};
use crate::template::{SkippedCheck, Template};

/// The bucket's logical ID in the assets template.
pub const BUCKET_RESOURCE: &str = "AssetsBucket";
/// The bucket policy's logical ID.
pub const BUCKET_POLICY_RESOURCE: &str = "AssetsBucketPolicy";
/// The assets stack output holding the bucket name.
pub const BUCKET_OUTPUT: &str = "BucketName";
/// Days a replaced or deleted object version is kept.
pub const NONCURRENT_VERSION_DAYS: u32 = 30;
/// Days a layer zip is kept; one still in use is uploaded again by the next `up` that needs it.
pub const LAYER_EXPIRY_DAYS: u32 = 365;
/// The key prefix of layer zips.
pub const LAYER_PREFIX: &str = "layers/";

/// CKV_AWS_18, server access logging.
pub const SKIP_ACCESS_LOGGING: SkippedCheck = SkippedCheck {
    id: "CKV_AWS_18",
    comment: "Holds only layer zips the deployer writes under their content hash; access logs \
              would need a second bucket, itself unlogged (this check again), while CloudTrail \
              already records who changes the bucket",
};

/// The assets stack's template.
pub fn template() -> Template {
    let mut template = Template::new(
        "Assets of the telemetry-kinesis deployer: Lambda layer zips stored by content hash",
    );
    let bucket =
        template.add_resource_skipping(BUCKET_RESOURCE, bucket(), vec![SKIP_ACCESS_LOGGING]);
    template.add_resource(
        BUCKET_POLICY_RESOURCE,
        BucketPolicy {
            bucket: bucket.name(),
            policy_document: PolicyDocument::new(vec![Statement::deny_everyone_when(
                "DenyInsecureTransport",
                vec!["s3:*"],
                vec![bucket.arn(), bucket.objects_arn()],
                ("Bool", "aws:SecureTransport", "false"),
            )]),
        },
    );
    template.add_output(
        BUCKET_OUTPUT,
        "Bucket holding the layer zips",
        bucket.name(),
    );
    template
}

fn bucket() -> Bucket {
    Bucket {
        bucket_encryption: BucketEncryption {
            server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                server_side_encryption_by_default: ServerSideEncryptionByDefault {
                    sse_algorithm: "AES256",
                },
            }],
        },
        versioning_configuration: VersioningConfiguration { status: "Enabled" },
        public_access_block_configuration: PublicAccessBlockConfiguration::ALL_BLOCKED,
        ownership_controls: OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: "BucketOwnerEnforced",
            }],
        },
        lifecycle_configuration: LifecycleConfiguration {
            rules: vec![
                LifecycleRule {
                    id: "ExpireOldVersions",
                    status: "Enabled",
                    prefix: None,
                    expiration_in_days: None,
                    noncurrent_version_expiration: Some(NoncurrentVersionExpiration {
                        noncurrent_days: NONCURRENT_VERSION_DAYS,
                    }),
                    abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                        days_after_initiation: 1,
                    }),
                },
                LifecycleRule {
                    id: "ExpireOldLayers",
                    status: "Enabled",
                    prefix: Some(LAYER_PREFIX),
                    expiration_in_days: Some(LAYER_EXPIRY_DAYS),
                    noncurrent_version_expiration: None,
                    abort_incomplete_multipart_upload: None,
                },
            ],
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_bucket_is_private_encrypted_versioned_and_tls_only() {
        let template = serde_json::to_value(template()).unwrap();
        let bucket = &template["Resources"][BUCKET_RESOURCE]["Properties"];
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
            bucket["LifecycleConfiguration"]["Rules"],
            json!([
                {"Id": "ExpireOldVersions", "Status": "Enabled",
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
                {"Id": "ExpireOldLayers", "Status": "Enabled", "Prefix": "layers/",
                 "ExpirationInDays": 365},
            ])
        );
        let policy = &template["Resources"][BUCKET_POLICY_RESOURCE]["Properties"];
        assert_eq!(policy["Bucket"], json!({"Ref": BUCKET_RESOURCE}));
        assert_eq!(
            policy["PolicyDocument"]["Statement"][0],
            json!({
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*"],
                "Resource": [
                    {"Fn::GetAtt": [BUCKET_RESOURCE, "Arn"]},
                    {"Fn::Sub": "${AssetsBucket.Arn}/*"},
                ],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            })
        );
        assert_eq!(
            template["Outputs"][BUCKET_OUTPUT],
            json!({"Description": "Bucket holding the layer zips", "Value": {"Ref": BUCKET_RESOURCE}})
        );
    }

    #[test]
    fn access_logging_is_skipped_with_its_reason() {
        let template = serde_json::to_value(template()).unwrap();
        assert_eq!(
            template["Resources"][BUCKET_RESOURCE]["Metadata"],
            json!({"checkov": {"skip": [
                {"id": "CKV_AWS_18", "comment": SKIP_ACCESS_LOGGING.comment},
            ]}})
        );
    }
}
