//! Extension configuration: the `TELEMETRY_KINESIS_*` environment variables and the
//! few variables Lambda itself sets, parsed into typed values once at start-up.

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::str::FromStr;

/// Kinesis stream the events go to.
pub const STREAM_NAME: &str = "TELEMETRY_KINESIS_STREAM_NAME";
/// Address the listener binds; defaults to what the destination host resolves to.
pub const LISTENER_HOST: &str = "TELEMETRY_KINESIS_LISTENER_HOST";
/// Port the listener binds and the subscription names.
pub const LISTENER_PORT: &str = "TELEMETRY_KINESIS_LISTENER_PORT";
/// Host name put in the subscription's destination URI.
pub const DESTINATION_HOST: &str = "TELEMETRY_KINESIS_DESTINATION_HOST";
/// Comma-separated Telemetry API types: `platform`, `function`, `extension`.
pub const TYPES: &str = "TELEMETRY_KINESIS_TYPES";
/// Telemetry API buffering: items per batch.
pub const BUFFERING_MAX_ITEMS: &str = "TELEMETRY_KINESIS_BUFFERING_MAX_ITEMS";
/// Telemetry API buffering: bytes per batch.
pub const BUFFERING_MAX_BYTES: &str = "TELEMETRY_KINESIS_BUFFERING_MAX_BYTES";
/// Telemetry API buffering: milliseconds before a batch is sent.
pub const BUFFERING_TIMEOUT_MS: &str = "TELEMETRY_KINESIS_BUFFERING_TIMEOUT_MS";
/// Kinesis record format: `json` or `kpl`.
pub const RECORD_FORMAT: &str = "TELEMETRY_KINESIS_RECORD_FORMAT";
/// Flush strategy: `adaptive`, `end` or `background`.
pub const FLUSH: &str = "TELEMETRY_KINESIS_FLUSH";
/// Byte cap of the in-memory buffer.
pub const BUFFER_CAP_BYTES: &str = "TELEMETRY_KINESIS_BUFFER_CAP_BYTES";

/// Set by Lambda: the Runtime/Extensions/Telemetry API address, `host:port`.
pub const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";
/// Set by Lambda: function name.
pub const FUNCTION_NAME: &str = "AWS_LAMBDA_FUNCTION_NAME";
/// Set by Lambda: function version.
pub const FUNCTION_VERSION: &str = "AWS_LAMBDA_FUNCTION_VERSION";
/// Set by Lambda: function memory in MB.
pub const FUNCTION_MEMORY_SIZE: &str = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
/// Set by Lambda: region.
pub const REGION: &str = "AWS_REGION";

/// Default stream name.
pub const DEFAULT_STREAM_NAME: &str = "telemetry-kinesis-stream";
/// Default listener port.
pub const DEFAULT_LISTENER_PORT: u16 = 4243;
/// Default destination host: Lambda resolves it to the execution environment.
pub const DEFAULT_DESTINATION_HOST: &str = "sandbox.localdomain";
/// Smallest buffer cap accepted: one maximal Kinesis record must fit.
pub const MIN_BUFFER_CAP_BYTES: usize = 1024 * 1024;
/// Default buffer cap: this fraction (1/16) of the function memory...
pub const DEFAULT_BUFFER_CAP_MEMORY_DIVISOR: usize = 16;
/// ...but at least 4 MiB...
pub const DEFAULT_BUFFER_CAP_MIN_BYTES: usize = 4 * 1024 * 1024;
/// ...and at most 64 MiB.
pub const DEFAULT_BUFFER_CAP_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Memory assumed when Lambda does not say (its default function memory).
pub const DEFAULT_FUNCTION_MEMORY_MB: usize = 128;

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {variable}={value:?}: expected {expected}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// The value found.
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
}

/// A Telemetry API event type to subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelemetryType {
    /// `platform.*` events.
    Platform,
    /// The function's logs.
    Function,
    /// Extensions' logs.
    Extension,
}

impl TelemetryType {
    /// Name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Function => "function",
            Self::Extension => "extension",
        }
    }
}

impl FromStr for TelemetryType {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.trim() {
            "platform" => Ok(Self::Platform),
            "function" => Ok(Self::Function),
            "extension" => Ok(Self::Extension),
            _ => Err(()),
        }
    }
}

/// How events become Kinesis records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// One JSON event per Kinesis record.
    Json,
    /// KPL aggregated records: many events per Kinesis record.
    Kpl,
}

impl FromStr for RecordFormat {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "json" => Ok(Self::Json),
            "kpl" => Ok(Self::Kpl),
            _ => Err(()),
        }
    }
}

/// When buffered events are sent (see `flush.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushStrategy {
    /// `end` for rarely invoked functions, `background` for busy ones.
    Adaptive,
    /// Flush after the invocation's `platform.runtimeDone`, before calling `next`.
    End,
    /// Call `next` at once and dispatch while the environment is thawed.
    Background,
}

impl FromStr for FlushStrategy {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text {
            "adaptive" => Ok(Self::Adaptive),
            "end" => Ok(Self::End),
            "background" => Ok(Self::Background),
            _ => Err(()),
        }
    }
}

/// Default Telemetry API `timeoutMs`: Lambda's minimum, not its default of 1000.
///
/// Flushing before the freeze (`end`, and `adaptive` for rarely invoked functions) waits for
/// the invocation's `platform.runtimeDone`, which Lambda delivers only when its buffering
/// timeout expires: with 1000 ms every such invocation would bill about a second more. At
/// 25 ms busy functions get at most 40 small POSTs a second, which costs the listener little.
pub const DEFAULT_BUFFERING_TIMEOUT_MS: u32 = 25;

/// Telemetry API buffering, within the ranges Lambda accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffering {
    /// 1000-10000.
    pub max_items: u32,
    /// 262144-1048576.
    pub max_bytes: u32,
    /// 25-30000.
    pub timeout_ms: u32,
}

/// Who the events come from, copied into every record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FunctionIdentity {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub name: String,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub version: String,
    /// `AWS_REGION`.
    pub region: String,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Kinesis stream.
    pub stream_name: String,
    /// Explicit bind address; `None` means resolve the destination host.
    pub listener_host: Option<IpAddr>,
    /// Listener port.
    pub listener_port: u16,
    /// Host in the subscription URI.
    pub destination_host: String,
    /// Subscribed types.
    pub types: Vec<TelemetryType>,
    /// Telemetry API buffering.
    pub buffering: Buffering,
    /// Record format.
    pub record_format: RecordFormat,
    /// Flush strategy.
    pub flush: FlushStrategy,
    /// Byte cap of the buffer.
    pub buffer_cap_bytes: NonZeroUsize,
    /// Function identity.
    pub function: FunctionIdentity,
}

/// Reads `AWS_LAMBDA_RUNTIME_API` as `host:port`, with or without `http://`.
/// It is parsed apart from [`Config`] because it is needed to report any other error.
pub fn runtime_api(lookup: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let value = lookup(RUNTIME_API).unwrap_or_default();
    let trimmed = value.trim();
    let address = trimmed
        .strip_prefix("http://")
        .unwrap_or(trimmed)
        .trim_end_matches('/');
    let valid = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if valid {
        Ok(address.to_owned())
    } else {
        Err(ConfigError {
            variable: RUNTIME_API,
            value,
            expected: "host:port, optionally prefixed with http://".to_owned(),
        })
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable name to its value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let stream_name = get(STREAM_NAME).unwrap_or_else(|| DEFAULT_STREAM_NAME.to_owned());
        let listener_host = get(LISTENER_HOST)
            .map(|value| parse(LISTENER_HOST, &value, "an IP address such as 127.0.0.1"))
            .transpose()?;
        let listener_port = match get(LISTENER_PORT) {
            Some(value) => {
                let port: u16 = parse(LISTENER_PORT, &value, "a port 1-65535 other than 9001")?;
                if port == 0 || port == 9001 {
                    return Err(error(
                        LISTENER_PORT,
                        &value,
                        "a port 1-65535 other than 9001",
                    ));
                }
                port
            }
            None => DEFAULT_LISTENER_PORT,
        };
        let destination_host =
            get(DESTINATION_HOST).unwrap_or_else(|| DEFAULT_DESTINATION_HOST.to_owned());
        let types = match get(TYPES) {
            Some(value) => parse_types(&value)?,
            None => vec![
                TelemetryType::Platform,
                TelemetryType::Function,
                TelemetryType::Extension,
            ],
        };
        let buffering = Buffering {
            max_items: ranged(&get, BUFFERING_MAX_ITEMS, 1000, 1000, 10_000)?,
            max_bytes: ranged(&get, BUFFERING_MAX_BYTES, 262_144, 262_144, 1_048_576)?,
            timeout_ms: ranged(
                &get,
                BUFFERING_TIMEOUT_MS,
                DEFAULT_BUFFERING_TIMEOUT_MS,
                25,
                30_000,
            )?,
        };
        let record_format = match get(RECORD_FORMAT) {
            Some(value) => parse(RECORD_FORMAT, &value, "json or kpl")?,
            None => RecordFormat::Json,
        };
        let flush = match get(FLUSH) {
            Some(value) => parse(FLUSH, &value, "adaptive, end or background")?,
            None => FlushStrategy::Adaptive,
        };
        let buffer_cap_bytes = match get(BUFFER_CAP_BYTES) {
            Some(value) => {
                let expected = format!("a byte count of at least {MIN_BUFFER_CAP_BYTES}");
                let bytes: usize = parse(BUFFER_CAP_BYTES, &value, &expected)?;
                if bytes < MIN_BUFFER_CAP_BYTES {
                    return Err(error(BUFFER_CAP_BYTES, &value, &expected));
                }
                bytes
            }
            None => {
                let memory_mb = match get(FUNCTION_MEMORY_SIZE) {
                    Some(value) => parse(FUNCTION_MEMORY_SIZE, &value, "memory in MB")?,
                    None => DEFAULT_FUNCTION_MEMORY_MB,
                };
                default_buffer_cap(memory_mb)
            }
        };
        let buffer_cap_bytes = NonZeroUsize::new(buffer_cap_bytes)
            .ok_or_else(|| error(BUFFER_CAP_BYTES, "0", "a positive byte count"))?;
        let function = FunctionIdentity {
            name: get(FUNCTION_NAME).unwrap_or_default(),
            version: get(FUNCTION_VERSION).unwrap_or_default(),
            region: get(REGION).unwrap_or_default(),
        };
        Ok(Self {
            stream_name,
            listener_host,
            listener_port,
            destination_host,
            types,
            buffering,
            record_format,
            flush,
            buffer_cap_bytes,
            function,
        })
    }
}

/// Default buffer cap for a function of `memory_mb`: 1/16 of its memory, clamped to
/// 4-64 MiB (128 MB gives 8 MiB, 1024 MB gives 64 MiB).
pub fn default_buffer_cap(memory_mb: usize) -> usize {
    (memory_mb.saturating_mul(1024 * 1024) / DEFAULT_BUFFER_CAP_MEMORY_DIVISOR)
        .clamp(DEFAULT_BUFFER_CAP_MIN_BYTES, DEFAULT_BUFFER_CAP_MAX_BYTES)
}

fn error(variable: &'static str, value: &str, expected: &str) -> ConfigError {
    ConfigError {
        variable,
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}

fn parse<T: FromStr>(
    variable: &'static str,
    value: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    value
        .trim()
        .parse()
        .map_err(|_| error(variable, value, expected))
}

fn ranged(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u32,
    min: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    let Some(value) = get(variable) else {
        return Ok(default);
    };
    let expected = format!("an integer from {min} to {max}");
    let number: u32 = parse(variable, &value, &expected)?;
    if (min..=max).contains(&number) {
        Ok(number)
    } else {
        Err(error(variable, &value, &expected))
    }
}

fn parse_types(value: &str) -> Result<Vec<TelemetryType>, ConfigError> {
    let expected = "a comma-separated list of platform, function, extension";
    let mut types = Vec::new();
    for part in value.split(',').filter(|part| !part.trim().is_empty()) {
        let kind: TelemetryType = part.parse().map_err(|()| error(TYPES, value, expected))?;
        if !types.contains(&kind) {
            types.push(kind);
        }
    }
    if types.is_empty() {
        return Err(error(TYPES, value, expected));
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let config = config(&[]).unwrap();
        assert_eq!(config.stream_name, "telemetry-kinesis-stream");
        assert_eq!(config.listener_host, None);
        assert_eq!(config.listener_port, 4243);
        assert_eq!(config.destination_host, "sandbox.localdomain");
        assert_eq!(config.types.len(), 3);
        assert_eq!(
            config.buffering,
            Buffering {
                max_items: 1000,
                max_bytes: 262_144,
                timeout_ms: 25
            }
        );
        assert_eq!(config.record_format, RecordFormat::Json);
        assert_eq!(config.flush, FlushStrategy::Adaptive);
        assert_eq!(config.buffer_cap_bytes.get(), 8 * 1024 * 1024);
    }

    #[test]
    fn overrides() {
        let config = config(&[
            (STREAM_NAME, "s"),
            (LISTENER_HOST, "127.0.0.1"),
            (LISTENER_PORT, "5000"),
            (TYPES, "function, platform"),
            (BUFFERING_TIMEOUT_MS, "500"),
            (RECORD_FORMAT, "kpl"),
            (FLUSH, "end"),
            (BUFFER_CAP_BYTES, "2000000"),
            (FUNCTION_NAME, "f"),
            (FUNCTION_VERSION, "$LATEST"),
            (REGION, "eu-west-1"),
        ])
        .unwrap();
        assert_eq!(config.listener_host, Some(IpAddr::from([127, 0, 0, 1])));
        assert_eq!(config.listener_port, 5000);
        assert_eq!(
            config.types,
            vec![TelemetryType::Function, TelemetryType::Platform]
        );
        assert_eq!(config.buffering.timeout_ms, 500);
        assert_eq!(config.record_format, RecordFormat::Kpl);
        assert_eq!(config.flush, FlushStrategy::End);
        assert_eq!(config.buffer_cap_bytes.get(), 2_000_000);
        assert_eq!(config.function.version, "$LATEST");
    }

    #[test]
    fn buffer_cap_follows_memory() {
        assert_eq!(default_buffer_cap(128), 8 * 1024 * 1024);
        assert_eq!(default_buffer_cap(64), 4 * 1024 * 1024);
        assert_eq!(default_buffer_cap(10_240), 64 * 1024 * 1024);
        let config = config(&[(FUNCTION_MEMORY_SIZE, "512")]).unwrap();
        assert_eq!(config.buffer_cap_bytes.get(), 32 * 1024 * 1024);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let cases = [
            (LISTENER_HOST, "sandbox"),
            (LISTENER_PORT, "9001"),
            (LISTENER_PORT, "70000"),
            (TYPES, "platform,logs"),
            (TYPES, ","),
            (BUFFERING_MAX_ITEMS, "10"),
            (BUFFERING_MAX_BYTES, "2000000"),
            (BUFFERING_TIMEOUT_MS, "x"),
            (RECORD_FORMAT, "avro"),
            (FLUSH, "never"),
            (BUFFER_CAP_BYTES, "1000"),
            (FUNCTION_MEMORY_SIZE, "lots"),
        ];
        for (variable, value) in cases {
            let error = config(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable);
            let message = error.to_string();
            assert!(message.contains(variable), "{message}");
            assert!(message.contains("expected"), "{message}");
        }
        let message = config(&[(FLUSH, "never")]).unwrap_err().to_string();
        assert_eq!(
            message,
            "invalid TELEMETRY_KINESIS_FLUSH=\"never\": expected adaptive, end or background"
        );
    }

    #[test]
    fn runtime_api_forms() {
        let lookup = |value: &'static str| move |_: &str| Some(value.to_owned());
        assert_eq!(
            runtime_api(lookup("127.0.0.1:9001")).unwrap(),
            "127.0.0.1:9001"
        );
        assert_eq!(
            runtime_api(lookup("http://localhost:9001/")).unwrap(),
            "localhost:9001"
        );
        assert!(runtime_api(lookup("localhost")).is_err());
        assert!(
            runtime_api(|_| None)
                .unwrap_err()
                .to_string()
                .contains(RUNTIME_API)
        );
    }
}
