//! Names every crate must agree on.

/// The extension's executable name: Lambda registers it under this name, and the layer
/// holds it as `extensions/<name>`.
pub const EXTENSION_NAME: &str = "telemetry-kinesis-extension";

/// The stream the extension writes to when none is configured, and the deployer's default.
pub const DEFAULT_STREAM_NAME: &str = "telemetry-kinesis-stream";

/// Prefix of the partition key of events that arrive before the first invocation
/// (followed by the execution environment's id).
pub const INIT_PARTITION_KEY_PREFIX: &str = "init-";

/// Prefix of the partition key of events that belong to no invocation the extension can
/// name: text log lines of environments that run invocations concurrently (Lambda Managed
/// Instances), where "the invocation in progress" does not exist (followed by the execution
/// environment's id).
pub const ENVIRONMENT_PARTITION_KEY_PREFIX: &str = "env-";

/// The invocation a partition key names, if it names one (keys of the extension's own
/// making, [`INIT_PARTITION_KEY_PREFIX`] and [`ENVIRONMENT_PARTITION_KEY_PREFIX`], do not).
pub fn request_id_of_key(partition_key: &str) -> Option<&str> {
    let own = partition_key.is_empty()
        || partition_key.starts_with(INIT_PARTITION_KEY_PREFIX)
        || partition_key.starts_with(ENVIRONMENT_PARTITION_KEY_PREFIX);
    (!own).then_some(partition_key)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_extensions_own_making_name_no_invocation() {
        assert_eq!(request_id_of_key("8f1e-42"), Some("8f1e-42"));
        assert_eq!(request_id_of_key("init-abc"), None);
        assert_eq!(request_id_of_key("env-abc"), None);
        assert_eq!(request_id_of_key(""), None);
    }
}
