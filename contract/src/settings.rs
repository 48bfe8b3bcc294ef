//! Every environment variable the extension reads, with its default and meaning: the
//! extension parses them, the deployer sets them, and the README's configuration table is
//! rendered from [`SETTINGS`] (a test keeps it identical).

use std::ops::RangeInclusive;

use crate::choices::{FlushStrategy, RecordFormat, Spill, TelemetryType};

/// Kinesis stream the events go to: a stream name or a stream ARN.
pub const STREAM_NAME: &str = "TELEMETRY_KINESIS_STREAM_NAME";
/// Address the listener binds; defaults to what the destination host resolves to.
pub const LISTENER_HOST: &str = "TELEMETRY_KINESIS_LISTENER_HOST";
/// Port the listener binds and the subscription names.
pub const LISTENER_PORT: &str = "TELEMETRY_KINESIS_LISTENER_PORT";
/// Host name put in the subscription's destination URI.
pub const DESTINATION_HOST: &str = "TELEMETRY_KINESIS_DESTINATION_HOST";
/// Comma-separated Telemetry API types.
pub const TYPES: &str = "TELEMETRY_KINESIS_TYPES";
/// Telemetry API buffering: items per batch.
pub const BUFFERING_MAX_ITEMS: &str = "TELEMETRY_KINESIS_BUFFERING_MAX_ITEMS";
/// Telemetry API buffering: bytes per batch.
pub const BUFFERING_MAX_BYTES: &str = "TELEMETRY_KINESIS_BUFFERING_MAX_BYTES";
/// Telemetry API buffering: milliseconds before a batch is sent.
pub const BUFFERING_TIMEOUT_MS: &str = "TELEMETRY_KINESIS_BUFFERING_TIMEOUT_MS";
/// Kinesis record format (see [`RecordFormat`]).
pub const RECORD_FORMAT: &str = "TELEMETRY_KINESIS_RECORD_FORMAT";
/// Flush strategy (see [`FlushStrategy`]).
pub const FLUSH: &str = "TELEMETRY_KINESIS_FLUSH";
/// Byte cap of the extension's memory for telemetry.
pub const BUFFER_CAP_BYTES: &str = "TELEMETRY_KINESIS_BUFFER_CAP_BYTES";
/// Whether undeliverable events are spilled to the extension's output (see [`Spill`]).
pub const SPILL: &str = "TELEMETRY_KINESIS_SPILL";

/// Default listener port (Lambda reserves 9001).
pub const DEFAULT_LISTENER_PORT: u16 = 4243;
/// Port Lambda reserves for its own APIs.
pub const RESERVED_PORT: u16 = 9001;
/// Default destination host: Lambda resolves it to the execution environment.
pub const DEFAULT_DESTINATION_HOST: &str = "sandbox.localdomain";
/// Telemetry API `maxItems`: Lambda's range and default.
pub const BUFFERING_MAX_ITEMS_RANGE: RangeInclusive<u32> = 1000..=10_000;
/// Default `maxItems` (Lambda's).
pub const DEFAULT_BUFFERING_MAX_ITEMS: u32 = 1000;
/// Telemetry API `maxBytes`: Lambda's range.
pub const BUFFERING_MAX_BYTES_RANGE: RangeInclusive<u32> = 262_144..=1_048_576;
/// Default `maxBytes` (Lambda's).
pub const DEFAULT_BUFFERING_MAX_BYTES: u32 = 262_144;
/// Telemetry API `timeoutMs`: Lambda's range.
pub const BUFFERING_TIMEOUT_MS_RANGE: RangeInclusive<u32> = 25..=30_000;
/// Default `timeoutMs`: Lambda's minimum, not its default of 1000.
///
/// Flushing before the freeze waits for the invocation's `platform.runtimeDone`, which
/// Lambda delivers only when its buffering timeout expires: with 1000 ms every such
/// invocation would bill about a second more.
pub const DEFAULT_BUFFERING_TIMEOUT_MS: u32 = 25;
/// Buffer cap bounds: one maximal Kinesis record must fit; more than 1 GiB is a typo.
pub const BUFFER_CAP_BYTES_RANGE: RangeInclusive<usize> = 1024 * 1024..=1024 * 1024 * 1024;
/// The default cap is the function's memory divided by this...
pub const DEFAULT_BUFFER_CAP_MEMORY_DIVISOR: usize = 16;
/// ...clamped to this range.
pub const DEFAULT_BUFFER_CAP_CLAMP: RangeInclusive<usize> = 4 * 1024 * 1024..=64 * 1024 * 1024;

/// Default buffer cap for a function of `memory_mb`: 1/16 of its memory, clamped to
/// 4-64 MiB (128 MB gives 8 MiB, 1024 MB gives 64 MiB).
pub fn default_buffer_cap(memory_mb: usize) -> usize {
    (memory_mb.saturating_mul(1024 * 1024) / DEFAULT_BUFFER_CAP_MEMORY_DIVISOR).clamp(
        *DEFAULT_BUFFER_CAP_CLAMP.start(),
        *DEFAULT_BUFFER_CAP_CLAMP.end(),
    )
}

/// One documented setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The environment variable.
    pub variable: &'static str,
    /// Its default, as documented.
    pub default: String,
    /// What it does and what it accepts.
    pub meaning: String,
}

fn choices_text<T: Copy>(all: &[T], text: impl Fn(T) -> (&'static str, &'static str)) -> String {
    all.iter()
        .map(|choice| {
            let (value, help) = text(*choice);
            format!("`{value}`: {help}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn range_text<T: std::fmt::Display>(range: &RangeInclusive<T>) -> String {
    format!("{}-{}", range.start(), range.end())
}

/// Every setting, in documentation order.
pub fn settings() -> Vec<Setting> {
    let setting = |variable, default: &str, meaning: String| Setting {
        variable,
        default: default.to_owned(),
        meaning,
    };
    vec![
        setting(
            STREAM_NAME,
            &format!("`{}`", crate::names::DEFAULT_STREAM_NAME),
            "Kinesis stream the events go to: a stream name, or a stream ARN (needed for a \
             stream in another account)"
                .to_owned(),
        ),
        setting(
            LISTENER_HOST,
            "the address the destination host resolves to; `127.0.0.1` if it does not resolve",
            "IP address the listener binds (never all interfaces by default)".to_owned(),
        ),
        setting(
            LISTENER_PORT,
            &format!("`{DEFAULT_LISTENER_PORT}`"),
            format!("listener port (not {RESERVED_PORT}, which Lambda reserves)"),
        ),
        setting(
            DESTINATION_HOST,
            &format!("`{DEFAULT_DESTINATION_HOST}`"),
            "host in the subscription URI".to_owned(),
        ),
        setting(
            TYPES,
            "`platform,function,extension`",
            format!(
                "Telemetry API types, comma-separated: {}",
                choices_text(TelemetryType::ALL, |kind| (kind.as_str(), kind.help()))
            ),
        ),
        setting(
            BUFFERING_MAX_ITEMS,
            &format!("`{DEFAULT_BUFFERING_MAX_ITEMS}`"),
            format!(
                "Telemetry API buffering, {}",
                range_text(&BUFFERING_MAX_ITEMS_RANGE)
            ),
        ),
        setting(
            BUFFERING_MAX_BYTES,
            &format!("`{DEFAULT_BUFFERING_MAX_BYTES}`"),
            format!(
                "Telemetry API buffering, {}",
                range_text(&BUFFERING_MAX_BYTES_RANGE)
            ),
        ),
        setting(
            BUFFERING_TIMEOUT_MS,
            &format!("`{DEFAULT_BUFFERING_TIMEOUT_MS}`"),
            format!(
                "Telemetry API buffering, {} (Lambda's minimum: a flush before the freeze \
                 waits for `platform.runtimeDone`, which Lambda sends when this timeout expires)",
                range_text(&BUFFERING_TIMEOUT_MS_RANGE)
            ),
        ),
        setting(
            RECORD_FORMAT,
            &format!("`{}`", RecordFormat::default()),
            choices_text(RecordFormat::ALL, |format| (format.as_str(), format.help())),
        ),
        setting(
            FLUSH,
            &format!("`{}`", FlushStrategy::default()),
            choices_text(FlushStrategy::ALL, |flush| (flush.as_str(), flush.help())),
        ),
        setting(
            BUFFER_CAP_BYTES,
            "1/16 of `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, clamped to 4-64 MiB (8 MiB at 128 MB)",
            format!(
                "byte cap of the memory the extension uses for telemetry: buffered events and \
                 request bodies being read; {} bytes",
                range_text(&BUFFER_CAP_BYTES_RANGE)
            ),
        ),
        setting(
            SPILL,
            &format!("`{}`", Spill::default()),
            choices_text(Spill::ALL, |spill| (spill.as_str(), spill.help())),
        ),
    ]
}

/// The README's configuration table, rendered from [`settings`].
pub fn markdown_table() -> String {
    let mut table = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for setting in settings() {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            setting.variable, setting.default, setting.meaning
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_documented_once_with_the_prefix() {
        let settings = settings();
        let mut names: Vec<&str> = settings.iter().map(|setting| setting.variable).collect();
        assert!(
            names
                .iter()
                .all(|name| name.starts_with(crate::names::VARIABLE_PREFIX))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), settings.len());
    }

    #[test]
    fn default_cap_follows_memory() {
        assert_eq!(default_buffer_cap(128), 8 * 1024 * 1024);
        assert_eq!(default_buffer_cap(64), 4 * 1024 * 1024);
        assert_eq!(default_buffer_cap(10_240), 64 * 1024 * 1024);
        assert_eq!(default_buffer_cap(512), 32 * 1024 * 1024);
    }

    /// The extension's README shows exactly this table: refresh it with
    /// `UPDATE_README=1 cargo test -p telemetry-kinesis-contract readme`.
    #[test]
    fn readme_table_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../extension/README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let start = readme.find("| variable | default | meaning |");
        let table = markdown_table();
        let current = start.map(|start| {
            let end = readme[start..]
                .find("\n\n")
                .map_or(readme.len(), |end| start + end + 1);
            (start, end)
        });
        let matches = current.is_some_and(|(start, end)| readme[start..end] == table);
        if !matches
            && std::env::var_os("UPDATE_README").is_some()
            && let Some((start, end)) = current
        {
            let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        assert!(
            matches,
            "{} does not hold the configuration table of settings.rs; run \
             `UPDATE_README=1 cargo test -p telemetry-kinesis-contract readme`",
            path.display()
        );
    }

    #[test]
    fn the_table_names_every_choice_with_its_help() {
        let table = markdown_table();
        for flush in FlushStrategy::ALL {
            assert!(table.contains(flush.help()), "{flush}");
        }
        assert!(table.contains("| `TELEMETRY_KINESIS_RECORD_FORMAT` | `json` |"));
    }
}
