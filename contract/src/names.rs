//! Names every crate must agree on.

/// The extension's executable name: Lambda registers it under this name, and the layer
/// holds it as `extensions/<name>`.
pub const EXTENSION_NAME: &str = "telemetry-kinesis-extension";

/// The stream the extension writes to when none is configured, and the deployer's default.
pub const DEFAULT_STREAM_NAME: &str = "telemetry-kinesis-stream";

/// Prefix of the partition key of events that arrive before the first invocation
/// (followed by the execution environment's id).
pub const INIT_PARTITION_KEY_PREFIX: &str = "init-";

/// Type of the self-telemetry event that reports drops (see [`crate::drops`]).
pub const DROPS_EVENT_TYPE: &str = "telemetryKinesis.drops";

/// Prefix of every variable the extension reads (see [`crate::settings`]).
pub const VARIABLE_PREFIX: &str = "TELEMETRY_KINESIS_";
