//! What `recover` found, sent and skipped: a summary for people, one JSON document with
//! `--json`, from one value.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::output::plural;

/// Counts for one destination stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamCounts {
    /// Spilled events bound for it.
    pub found: usize,
    /// Records stored.
    pub sent: usize,
    /// Records not stored (refused every time, or their call failed).
    pub failed: usize,
}

/// What was skipped, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Cut events some of whose parts are not in the log group (or not in the time range).
    pub incomplete: usize,
    /// Lines that carry the spill marker but do not parse, or name no usable stream.
    pub unreadable: usize,
    /// Events larger than a Kinesis record can be.
    pub too_large: usize,
}

/// The result of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoverReport {
    /// The log group read.
    pub log_group: String,
    /// The start of the time range read (RFC 3339).
    pub since: String,
    /// Whether only counting (`--dry-run`).
    pub dry_run: bool,
    /// Spilled lines read.
    pub lines: usize,
    /// Spilled events read back whole.
    pub found: usize,
    /// Records stored.
    pub sent: usize,
    /// Records not stored.
    pub failed: usize,
    /// What could not be sent at all.
    pub skipped: Skipped,
    /// Per destination stream (name or ARN).
    pub streams: BTreeMap<String, StreamCounts>,
}

impl fmt::Display for RecoverReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} since {}: {} in {}",
            self.log_group,
            self.since,
            plural(self.found, "spilled event"),
            plural(self.lines, "line")
        )?;
        let width = self.streams.keys().map(String::len).max().unwrap_or(0);
        for (stream, counts) in &self.streams {
            if self.dry_run {
                writeln!(
                    f,
                    "  {stream:<width$}  {} found, would send {}",
                    counts.found, counts.found
                )?;
            } else {
                write!(
                    f,
                    "  {stream:<width$}  {} found, {} sent",
                    counts.found, counts.sent
                )?;
                if counts.failed > 0 {
                    write!(f, ", {} failed", counts.failed)?;
                }
                writeln!(f)?;
            }
        }
        let Skipped {
            incomplete,
            unreadable,
            too_large,
        } = &self.skipped;
        if incomplete + unreadable + too_large > 0 {
            writeln!(
                f,
                "  skipped: {} (parts missing), {}, {too_large} over the record size",
                plural(*incomplete, "incomplete event"),
                plural(*unreadable, "unreadable line"),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dry_run: bool) -> RecoverReport {
        RecoverReport {
            log_group: "/aws/lambda/fn".to_owned(),
            since: "2026-01-01T00:00:00Z".to_owned(),
            dry_run,
            lines: 5,
            found: 3,
            sent: if dry_run { 0 } else { 2 },
            failed: if dry_run { 0 } else { 1 },
            skipped: Skipped {
                incomplete: 1,
                unreadable: 0,
                too_large: 0,
            },
            streams: BTreeMap::from([(
                "telemetry".to_owned(),
                StreamCounts {
                    found: 3,
                    sent: if dry_run { 0 } else { 2 },
                    failed: if dry_run { 0 } else { 1 },
                },
            )]),
        }
    }

    #[test]
    fn the_summary_says_found_sent_and_skipped() {
        assert_eq!(
            report(false).to_string(),
            "/aws/lambda/fn since 2026-01-01T00:00:00Z: 3 spilled events in 5 lines\n  \
             telemetry  3 found, 2 sent, 1 failed\n  \
             skipped: 1 incomplete event (parts missing), 0 unreadable lines, \
             0 over the record size\n"
        );
        assert!(
            report(true)
                .to_string()
                .contains("telemetry  3 found, would send 3")
        );
    }

    #[test]
    fn the_json_document_has_the_documented_keys() {
        let json = serde_json::to_value(report(false)).unwrap();
        for key in [
            "log_group",
            "since",
            "dry_run",
            "lines",
            "found",
            "sent",
            "failed",
            "skipped",
            "streams",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["streams"]["telemetry"]["sent"], 2);
        assert_eq!(json["skipped"]["incomplete"], 1);
    }
}
