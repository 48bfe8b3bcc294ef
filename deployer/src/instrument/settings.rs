//! The extension settings `instrument` can set on functions, as options: each is one of the
//! contract's variables, parsed into the contract's types and checked against its ranges.
//! Only the options given are set; the stream always is.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use telemetry_kinesis_contract::settings::{
    BUFFER_CAP_BYTES, BUFFER_CAP_BYTES_RANGE, BUFFERING_MAX_BYTES, BUFFERING_MAX_BYTES_RANGE,
    BUFFERING_MAX_ITEMS, BUFFERING_MAX_ITEMS_RANGE, BUFFERING_TIMEOUT_MS,
    BUFFERING_TIMEOUT_MS_RANGE, FLUSH, LISTENER_PORT, RECORD_FORMAT, RESERVED_PORT, SPILL,
    STREAM_NAME, TYPES,
};
use telemetry_kinesis_contract::stream::StreamTarget;
use telemetry_kinesis_contract::{FlushStrategy, RecordFormat, Spill, TelemetryType};

/// A value parser for numbers in `range`.
fn in_range<T>(range: RangeInclusive<T>) -> impl Fn(&str) -> Result<T, String> + Clone
where
    T: FromStr + PartialOrd + Display + Clone,
{
    move |text| match text.trim().parse::<T>() {
        Ok(value) if range.contains(&value) => Ok(value),
        _ => Err(format!("not a number in {}-{}", range.start(), range.end())),
    }
}

fn listener_port(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u16>() {
        Ok(port) if port != 0 && port != RESERVED_PORT => Ok(port),
        _ => Err(format!(
            "not a port in 1-65535 other than {RESERVED_PORT}, which Lambda reserves"
        )),
    }
}

/// Extension settings to set on the functions (the extension's defaults otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct ExtensionSettingsArgs {
    /// Record layout the extension writes
    #[arg(long, value_enum)]
    pub record_format: Option<RecordFormat>,
    /// When the extension sends its buffer to Kinesis
    #[arg(long, value_enum)]
    pub flush: Option<FlushStrategy>,
    /// Whether events that cannot be delivered are written to the function's log
    #[arg(long, value_enum)]
    pub spill: Option<Spill>,
    /// Telemetry API types to subscribe to, comma-separated
    #[arg(long, value_enum, value_delimiter = ',', value_name = "TYPES")]
    pub types: Vec<TelemetryType>,
    /// Byte cap of the memory the extension uses for telemetry
    #[arg(long, value_name = "BYTES", value_parser = in_range(BUFFER_CAP_BYTES_RANGE))]
    pub buffer_cap_bytes: Option<usize>,
    /// Telemetry API buffering: events per batch
    #[arg(long, value_name = "N", value_parser = in_range(BUFFERING_MAX_ITEMS_RANGE))]
    pub buffering_max_items: Option<u32>,
    /// Telemetry API buffering: bytes per batch
    #[arg(long, value_name = "BYTES", value_parser = in_range(BUFFERING_MAX_BYTES_RANGE))]
    pub buffering_max_bytes: Option<u32>,
    /// Telemetry API buffering: milliseconds before a batch is sent
    #[arg(long, value_name = "MS", value_parser = in_range(BUFFERING_TIMEOUT_MS_RANGE))]
    pub buffering_timeout_ms: Option<u32>,
    /// Port of the extension's telemetry listener
    #[arg(long, value_name = "PORT", value_parser = listener_port)]
    pub listener_port: Option<u16>,
}

impl ExtensionSettingsArgs {
    /// The variables to set: the stream, and each setting given.
    pub fn variables(&self, stream: &StreamTarget) -> BTreeMap<String, String> {
        let mut variables = BTreeMap::from([(STREAM_NAME.to_owned(), stream.as_str().to_owned())]);
        let mut set = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                variables.insert(name.to_owned(), value);
            }
        };
        set(
            RECORD_FORMAT,
            self.record_format.map(|v| v.as_str().to_owned()),
        );
        set(FLUSH, self.flush.map(|v| v.as_str().to_owned()));
        set(SPILL, self.spill.map(|v| v.as_str().to_owned()));
        set(
            TYPES,
            (!self.types.is_empty()).then(|| {
                let names: Vec<&str> = self.types.iter().map(|t| t.as_str()).collect();
                names.join(",")
            }),
        );
        set(
            BUFFER_CAP_BYTES,
            self.buffer_cap_bytes.map(|v| v.to_string()),
        );
        set(
            BUFFERING_MAX_ITEMS,
            self.buffering_max_items.map(|v| v.to_string()),
        );
        set(
            BUFFERING_MAX_BYTES,
            self.buffering_max_bytes.map(|v| v.to_string()),
        );
        set(
            BUFFERING_TIMEOUT_MS,
            self.buffering_timeout_ms.map(|v| v.to_string()),
        );
        set(LISTENER_PORT, self.listener_port.map(|v| v.to_string()));
        variables
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        settings: ExtensionSettingsArgs,
    }

    fn parse(args: &[&str]) -> Result<ExtensionSettingsArgs, clap::Error> {
        Command::try_parse_from(std::iter::once("x").chain(args.iter().copied()))
            .map(|command| command.settings)
    }

    #[test]
    fn only_the_settings_given_are_set_under_the_contracts_names() {
        let stream: StreamTarget = "s".parse().unwrap();
        let none = parse(&[]).unwrap().variables(&stream);
        assert_eq!(
            none,
            BTreeMap::from([(STREAM_NAME.to_owned(), "s".to_owned())])
        );
        let all = parse(&[
            "--record-format",
            "kpl",
            "--flush",
            "end",
            "--spill",
            "off",
            "--types",
            "platform,function",
            "--buffer-cap-bytes",
            "2097152",
            "--buffering-timeout-ms",
            "100",
            "--listener-port",
            "4000",
        ])
        .unwrap()
        .variables(&stream);
        assert_eq!(all[RECORD_FORMAT], "kpl");
        assert_eq!(all[FLUSH], "end");
        assert_eq!(all[SPILL], "off");
        assert_eq!(all[TYPES], "platform,function");
        assert_eq!(all[BUFFER_CAP_BYTES], "2097152");
        assert_eq!(all[BUFFERING_TIMEOUT_MS], "100");
        assert_eq!(all[LISTENER_PORT], "4000");
        assert_eq!(all.len(), 8);
    }

    #[test]
    fn values_out_of_the_contracts_ranges_are_refused() {
        for bad in [
            ["--buffering-max-items", "10"],
            ["--buffering-timeout-ms", "1"],
            ["--listener-port", "9001"],
            ["--flush", "never"],
            ["--types", "platform,nothing"],
        ] {
            assert!(parse(&bad).is_err(), "{bad:?}");
        }
    }
}
