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

/// Every event type the stream can hold: the Telemetry API's (schema `2022-12-13` and
/// `2025-01-29`) and the extension's own.
pub const EVENT_TYPES: &[&str] = &[
    "platform.initStart",
    "platform.initRuntimeDone",
    "platform.initReport",
    "platform.start",
    "platform.runtimeDone",
    "platform.report",
    "platform.restoreStart",
    "platform.restoreRuntimeDone",
    "platform.restoreReport",
    "platform.extension",
    "platform.telemetrySubscription",
    "platform.logsDropped",
    "function",
    "extension",
    DROPS_EVENT_TYPE,
];

/// Prefix of every variable the extension reads (see [`crate::settings`]).
pub const VARIABLE_PREFIX: &str = "TELEMETRY_KINESIS_";
