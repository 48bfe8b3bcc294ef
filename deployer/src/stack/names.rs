//! The logical IDs of the stack's parameters, outputs and resources: written once, read
//! by the template and by every command that looks the stack up.

/// Logical IDs of the template's parameters.
pub mod parameters {
    /// The S3 bucket that holds the layer zip.
    pub const ASSETS_BUCKET: &str = "AssetsBucket";
    /// The layer zip's key in [`ASSETS_BUCKET`]: `layers/<sha256 of the zip>.zip`.
    pub const LAYER_S3_KEY: &str = "LayerS3Key";
}

/// Logical IDs of the template's outputs, each exported as `<stack name>-<logical ID>`.
pub mod outputs {
    /// The stream's name.
    pub const STREAM_NAME: &str = "StreamName";
    /// The stream's ARN.
    pub const STREAM_ARN: &str = "StreamArn";
    /// The layer version's ARN.
    pub const LAYER_VERSION_ARN: &str = "LayerVersionArn";
    /// The write policy's ARN, to attach to other functions' roles.
    pub const WRITE_POLICY_ARN: &str = "WritePolicyArn";
    /// The sample function's name (only with the sample function).
    pub const FUNCTION_NAME: &str = "FunctionName";
}

/// Logical IDs of the template's resources.
pub mod resources {
    /// The Kinesis stream.
    pub const STREAM: &str = "Stream";
    /// The extension layer.
    pub const LAYER: &str = "ExtensionLayer";
    /// The managed policy that allows writing to the stream.
    pub const WRITE_POLICY: &str = "WritePolicy";
    /// The sample function's log group.
    pub const FUNCTION_LOG_GROUP: &str = "SampleFunctionLogGroup";
    /// The sample function's execution role.
    pub const FUNCTION_ROLE: &str = "SampleFunctionRole";
    /// The sample function.
    pub const FUNCTION: &str = "SampleFunction";
}

/// The resource whose physical ID is the value of name output `output` (`StreamName` is the
/// stream's physical ID, `FunctionName` the function's), or `None` for other outputs.
pub fn resource_named_by(output: &str) -> Option<&'static str> {
    match output {
        outputs::STREAM_NAME => Some(resources::STREAM),
        outputs::FUNCTION_NAME => Some(resources::FUNCTION),
        _ => None,
    }
}
