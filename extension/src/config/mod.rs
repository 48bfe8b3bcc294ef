//! Extension configuration: the `TELEMETRY_KINESIS_*` environment variables (named and
//! documented by the contract crate) and the few variables Lambda itself sets, parsed into
//! typed values once at start-up. Every value is trimmed; an invalid one is an error that
//! names the variable and what it accepts, never a silent default.

mod lambda;
mod parse;
#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::num::NonZeroUsize;

use telemetry_kinesis_contract::names::DEFAULT_STREAM_NAME;
use telemetry_kinesis_contract::settings::{
    self, BUFFER_CAP_BYTES, BUFFER_CAP_BYTES_RANGE, BUFFERING_MAX_BYTES, BUFFERING_MAX_BYTES_RANGE,
    BUFFERING_MAX_ITEMS, BUFFERING_MAX_ITEMS_RANGE, BUFFERING_TIMEOUT_MS,
    BUFFERING_TIMEOUT_MS_RANGE, DEFAULT_BUFFERING_MAX_BYTES, DEFAULT_BUFFERING_MAX_ITEMS,
    DEFAULT_BUFFERING_TIMEOUT_MS, DEFAULT_DESTINATION_HOST, DEFAULT_LISTENER_PORT,
    DESTINATION_HOST, FLUSH, LISTENER_HOST, LISTENER_PORT, RECORD_FORMAT, RESERVED_PORT, SPILL,
    STREAM_NAME, TYPES,
};
use telemetry_kinesis_contract::stream::{self, StreamTarget};
pub use telemetry_kinesis_contract::{FlushStrategy, RecordFormat, Spill, TelemetryType};

#[cfg(test)]
pub use lambda::RUNTIME_API;
pub use lambda::{
    FUNCTION_MEMORY_SIZE, FUNCTION_NAME, FUNCTION_VERSION, InitializationType, REGION,
    initialization_type, runtime_api,
};
pub use parse::ConfigError;
use parse::{Lookup, error, parse_host, parse_types};

/// Memory assumed when Lambda does not say (its default function memory).
pub const DEFAULT_FUNCTION_MEMORY_MB: usize = 128;

/// Telemetry API buffering, within the ranges Lambda accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffering {
    /// `maxItems`.
    pub max_items: u32,
    /// `maxBytes`.
    pub max_bytes: u32,
    /// `timeoutMs`.
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
    /// Kinesis stream: a name or an ARN.
    pub stream: StreamTarget,
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
    /// Byte cap of the memory for telemetry.
    pub buffer_cap_bytes: NonZeroUsize,
    /// Whether undeliverable events are spilled to standard output.
    pub spill: Spill,
    /// Function identity.
    pub function: FunctionIdentity,
}

impl Config {
    /// Reads the configuration through `lookup` (a variable name to its value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = Lookup::new(lookup);
        let stream = match get.value(STREAM_NAME) {
            Some(value) => value
                .parse()
                .map_err(|_| error(STREAM_NAME, &value, stream::EXPECTED))?,
            None => StreamTarget::Name(DEFAULT_STREAM_NAME.to_owned()),
        };
        let listener_host = get.parsed(LISTENER_HOST, "an IP address such as 127.0.0.1")?;
        let port_expected = format!("a port 1-65535 other than {RESERVED_PORT}");
        let listener_port = match get.parsed::<u16>(LISTENER_PORT, &port_expected)? {
            Some(port) if port == 0 || port == RESERVED_PORT => {
                return Err(error(LISTENER_PORT, &port.to_string(), &port_expected));
            }
            Some(port) => port,
            None => DEFAULT_LISTENER_PORT,
        };
        let destination_host = match get.value(DESTINATION_HOST) {
            Some(value) => parse_host(DESTINATION_HOST, &value)?,
            None => DEFAULT_DESTINATION_HOST.to_owned(),
        };
        let types = match get.value(TYPES) {
            Some(value) => parse_types(&value)?,
            None => TelemetryType::ALL.to_vec(),
        };
        let buffering = Buffering {
            max_items: get
                .ranged(BUFFERING_MAX_ITEMS, &BUFFERING_MAX_ITEMS_RANGE)?
                .unwrap_or(DEFAULT_BUFFERING_MAX_ITEMS),
            max_bytes: get
                .ranged(BUFFERING_MAX_BYTES, &BUFFERING_MAX_BYTES_RANGE)?
                .unwrap_or(DEFAULT_BUFFERING_MAX_BYTES),
            timeout_ms: get
                .ranged(BUFFERING_TIMEOUT_MS, &BUFFERING_TIMEOUT_MS_RANGE)?
                .unwrap_or(DEFAULT_BUFFERING_TIMEOUT_MS),
        };
        let record_format = get
            .parsed(RECORD_FORMAT, &RecordFormat::expected())?
            .unwrap_or_default();
        let flush = get
            .parsed(FLUSH, &FlushStrategy::expected())?
            .unwrap_or_default();
        let buffer_cap_bytes = match get.ranged(BUFFER_CAP_BYTES, &BUFFER_CAP_BYTES_RANGE)? {
            Some(bytes) => bytes,
            None => settings::default_buffer_cap(
                get.parsed(FUNCTION_MEMORY_SIZE, "memory in MB")?
                    .unwrap_or(DEFAULT_FUNCTION_MEMORY_MB),
            ),
        };
        let buffer_cap_bytes = NonZeroUsize::new(buffer_cap_bytes)
            .ok_or_else(|| error(BUFFER_CAP_BYTES, "0", "a positive byte count"))?;
        let spill = get.parsed(SPILL, &Spill::expected())?.unwrap_or_default();
        let function = FunctionIdentity {
            name: get.value(FUNCTION_NAME).unwrap_or_default(),
            version: get.value(FUNCTION_VERSION).unwrap_or_default(),
            region: get.value(REGION).unwrap_or_default(),
        };
        Ok(Self {
            stream,
            listener_host,
            listener_port,
            destination_host,
            types,
            buffering,
            record_format,
            flush,
            buffer_cap_bytes,
            spill,
            function,
        })
    }
}
