//! The pipeline's CloudFormation template, rendered from validated [`StackOptions`]: the
//! stream, the extension layer, the write policy and, optionally, a sample function
//! ([`super::sample`]).

use super::sample::add_sample_function;
use super::{outputs, parameters, resources};

use crate::options::{AWS_MANAGED_KINESIS_KEY, Capacity, Encryption, StackOptions};
use crate::template::resources::{
    KinesisStream, LayerContent, LayerVersion, ManagedPolicy, PolicyDocument, Statement,
    StreamEncryption, StreamMode, StreamModeDetails,
};
use crate::template::{
    Expr, Handle, Parameter, ParameterHandle, ParameterType, STACK_NAME, SkippedCheck, Template,
};

/// The `LayerS3Key` default: it names no real zip. `deployer up` passes the real key;
/// whoever deploys the synthesized template by other means passes `LayerS3Key` themselves.
pub const PLACEHOLDER_LAYER_S3_KEY: &str =
    "layers/0000000000000000000000000000000000000000000000000000000000000000.zip";

/// Runtimes the layer is listed for. The extension is a static-enough binary that runs
/// under any of them; Lambda allows at most 15 entries.
pub const COMPATIBLE_RUNTIMES: [&str; 12] = [
    "provided.al2023",
    "provided.al2",
    "python3.13",
    "python3.12",
    "python3.11",
    "nodejs22.x",
    "nodejs20.x",
    "java21",
    "java17",
    "dotnet8",
    "ruby3.4",
    "ruby3.3",
];

/// CKV_AWS_43, stream encryption, when `--no-encryption` is given.
pub const SKIP_STREAM_ENCRYPTION: SkippedCheck = SkippedCheck {
    id: "CKV_AWS_43",
    comment: "--no-encryption: records are stored unencrypted because the deployer was asked \
              to; by default the stream is encrypted with the AWS managed key alias/aws/kinesis",
};

/// Renders the stack's template.
pub fn template(options: &StackOptions) -> Template {
    let mut template = Template::new(description(options));

    let assets_bucket = template.add_parameter(
        parameters::ASSETS_BUCKET,
        Parameter {
            parameter_type: ParameterType::String,
            description: "S3 bucket that holds the layer zip (deployer up creates and fills it)"
                .to_owned(),
            default: None,
            allowed_pattern: Some("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$".to_owned()),
            constraint_description: Some("an S3 bucket name".to_owned()),
        },
    );
    let layer_key = template.add_parameter(
        parameters::LAYER_S3_KEY,
        Parameter {
            parameter_type: ParameterType::String,
            description: "Key of the layer zip in AssetsBucket: layers/<sha256 of the zip>.zip, \
                          as deployer package prints it"
                .to_owned(),
            default: Some(PLACEHOLDER_LAYER_S3_KEY.to_owned()),
            allowed_pattern: Some("^layers/[0-9a-f]{64}\\.zip$".to_owned()),
            constraint_description: Some("layers/<64 hex digits>.zip".to_owned()),
        },
    );

    let stream_skips = match options.encryption {
        Encryption::None => vec![SKIP_STREAM_ENCRYPTION],
        Encryption::AwsManaged | Encryption::CustomerKey { .. } => Vec::new(),
    };
    let stream = template.add_resource_skipping(resources::STREAM, stream(options), stream_skips);
    let layer = template.add_resource(resources::LAYER, layer(options, &assets_bucket, &layer_key));
    let write_policy = template.add_resource(
        resources::WRITE_POLICY,
        write_policy(&options.encryption, &stream),
    );

    template.add_exported_output(outputs::STREAM_NAME, "Kinesis stream name", stream.name());
    template.add_exported_output(outputs::STREAM_ARN, "Kinesis stream ARN", stream.arn());
    template.add_exported_output(
        outputs::LAYER_VERSION_ARN,
        "Extension layer version ARN: add it to a function's layers",
        layer.arn(),
    );
    template.add_exported_output(
        outputs::WRITE_POLICY_ARN,
        "Managed policy that lets the extension write to the stream: attach it to the \
         function's execution role",
        write_policy.arn(),
    );

    if options.sample_function {
        let function = add_sample_function(&mut template, options, &stream, &layer, &write_policy);
        template.add_exported_output(
            outputs::FUNCTION_NAME,
            "Sample function name",
            function.name(),
        );
    }
    template
}

fn description(options: &StackOptions) -> String {
    let sample = if options.sample_function {
        ", and a sample function that uses them"
    } else {
        ""
    };
    format!(
        "Lambda telemetry to Kinesis: a stream, the telemetry-kinesis-extension layer ({}) \
         and the policy it needs{sample}",
        options.architecture
    )
}

fn stream(options: &StackOptions) -> KinesisStream {
    let (shard_count, stream_mode) = match options.capacity {
        Capacity::Provisioned { shards } => (Some(shards), StreamMode::Provisioned),
        Capacity::OnDemand => (None, StreamMode::OnDemand),
    };
    let key_id = match &options.encryption {
        Encryption::None => None,
        Encryption::AwsManaged => Some(AWS_MANAGED_KINESIS_KEY.to_owned()),
        Encryption::CustomerKey { key_arn } => Some(key_arn.clone()),
    };
    KinesisStream {
        name: Expr::literal(&options.stream_name),
        shard_count,
        stream_mode_details: StreamModeDetails { stream_mode },
        retention_period_hours: options.retention_hours,
        stream_encryption: key_id.map(|key_id| StreamEncryption {
            encryption_type: "KMS",
            key_id: Expr::Literal(key_id),
        }),
    }
}

fn layer(
    options: &StackOptions,
    assets_bucket: &ParameterHandle,
    layer_key: &ParameterHandle,
) -> LayerVersion {
    LayerVersion {
        layer_name: Expr::sub(format!("${{{STACK_NAME}}}-telemetry-kinesis-extension")),
        description: "Lambda extension that sends the function's telemetry to Kinesis".to_owned(),
        content: LayerContent {
            s3_bucket: assets_bucket.value(),
            s3_key: layer_key.value(),
        },
        compatible_architectures: vec![options.architecture],
        compatible_runtimes: COMPATIBLE_RUNTIMES.to_vec(),
        license_info: "Apache-2.0",
    }
}

/// Only what the extension does: put records. With the AWS-managed key, producers need
/// no KMS permission; a customer key needs `kms:GenerateDataKey` on it.
fn write_policy(encryption: &Encryption, stream: &Handle<KinesisStream>) -> ManagedPolicy {
    let mut statements = vec![Statement::allow(
        "PutTelemetryRecords",
        vec!["kinesis:PutRecord", "kinesis:PutRecords"],
        vec![stream.arn()],
    )];
    if let Encryption::CustomerKey { key_arn } = encryption {
        statements.push(Statement::allow(
            "EncryptTelemetryRecords",
            vec!["kms:GenerateDataKey"],
            vec![Expr::literal(key_arn)],
        ));
    }
    ManagedPolicy {
        description: "Lets the telemetry-kinesis-extension write to the telemetry stream"
            .to_owned(),
        policy_document: PolicyDocument::new(statements),
    }
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
