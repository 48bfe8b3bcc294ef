//! Where every event went: on the stream, spilled to the extension's standard output, or
//! lost. A sent event is recognised by what the sender made unique (a function line's
//! text, a platform event's type and request ID); copies on the stream by payload `id`.
//! The extension's own counts come from its shutdown log line.

use crate::delivery;
use sandbox::ProcessOutput;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use telemetry_kinesis_contract::payload::Payload;
use telemetry_kinesis_contract::spill;
use test_support::fake_kinesis::AcceptedRecord;

/// The key of a `function` event whose record is the text line `text`.
pub fn function_key(text: &str) -> String {
    format!("function|{text}")
}

/// The key of a platform event of `kind` (`platform.start`, ...) for `request_id`.
pub fn platform_key(kind: &str, request_id: &str) -> String {
    format!("{kind}|{request_id}")
}

/// The key of the event a payload carries: a text `function` line by its text, a platform
/// event by type and request ID; `None` for other events (the extension's own lines and
/// reports), which no benchmark sends.
pub fn key(payload: &Payload) -> Option<String> {
    if payload.kind == "function" {
        return payload.record.as_str().map(function_key);
    }
    if payload.kind.starts_with("platform.") {
        return payload
            .record_request_id()
            .map(|request_id| platform_key(&payload.kind, request_id));
    }
    None
}

/// The payloads held by accepted Kinesis records (KPL aggregates de-aggregated); records
/// that are not payloads are skipped.
pub fn stream_payloads(records: &[AcceptedRecord]) -> Vec<Payload> {
    records
        .iter()
        .flat_map(delivery::events_in)
        .filter_map(|data| serde_json::from_slice(&data).ok())
        .collect()
}

/// The events read back from the spill lines of a process's standard output.
#[derive(Debug, Clone, Default)]
pub struct SpillOutput {
    /// The spilled payloads, cut ones joined.
    pub payloads: Vec<Payload>,
    /// Spill lines that could not be read, and payloads some of whose parts never came.
    pub unreadable: u64,
    /// Whether every line of the output was kept (the sandbox keeps a capped number):
    /// otherwise `payloads` misses some and only the shutdown log counts them all.
    pub complete: bool,
}

/// Reads the spill lines of `output` with the contract's reader.
pub fn spilled(output: &ProcessOutput) -> SpillOutput {
    let mut reader = spill::Reader::default();
    let mut read = SpillOutput {
        complete: output.lines_not_kept == 0,
        ..SpillOutput::default()
    };
    for line in &output.stdout {
        match reader.read(line) {
            Ok(Some(event)) => match serde_json::from_str(&event.payload) {
                Ok(payload) => read.payloads.push(payload),
                Err(_) => read.unreadable += 1,
            },
            Ok(None) => {}
            Err(_) => read.unreadable += 1,
        }
    }
    read.unreadable += reader.incomplete().len() as u64;
    read
}

/// Lines the process wrote to its standard output, counting those the sandbox did not
/// keep (its capture keeps a capped number per stream; a process's stderr, a few log
/// lines here, never reaches the cap). Each spilled event under 16 KiB is one line.
pub fn stdout_lines(output: &ProcessOutput) -> u64 {
    output.stdout.len() as u64 + output.lines_not_kept
}

/// The counts of the extension's shutdown log line (`shutdown: N events undelivered (S
/// spilled to the log, L lost)` with fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ShutdownLog {
    /// Events still buffered when the final flush ended.
    pub undelivered: u64,
    /// Of those, spilled at shutdown.
    pub spilled: u64,
    /// Of those, not spilled (spilling off, or past the deadline).
    pub lost: u64,
    /// Spilled before shutdown (evicted by the memory cap).
    pub spilled_before: u64,
    /// Dropped at the cap with spilling off.
    pub dropped_buffer_full: u64,
}

impl ShutdownLog {
    /// The last shutdown line of `stderr`, if the extension logged one.
    pub fn parse(stderr: &[String]) -> Option<Self> {
        let line = stderr
            .iter()
            .rev()
            .find(|line| line.contains("shutdown:") && line.contains("undelivered="))?;
        let field = |name: &str| {
            let prefix = format!("{name}=");
            line.split_whitespace()
                .find_map(|word| word.strip_prefix(prefix.as_str()))
                .and_then(|value| {
                    value
                        .trim_matches(|c: char| !c.is_ascii_digit())
                        .parse()
                        .ok()
                })
        };
        Some(Self {
            undelivered: field("undelivered")?,
            spilled: field("spilled")?,
            lost: field("lost")?,
            spilled_before: field("spilled_before").unwrap_or(0),
            dropped_buffer_full: field("dropped_buffer_full").unwrap_or(0),
        })
    }

    /// Events spilled in the whole run.
    pub fn spilled_total(&self) -> u64 {
        self.spilled + self.spilled_before
    }

    /// Events neither delivered nor spilled in the whole run.
    pub fn lost_total(&self) -> u64 {
        self.lost + self.dropped_buffer_full
    }
}

/// Where the sent events went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Fates {
    /// Distinct events sent.
    pub sent: u64,
    /// Of those, on the stream.
    pub on_stream: u64,
    /// Of those, spilled and not on the stream.
    pub spilled: u64,
    /// Of those, neither.
    pub lost: u64,
    /// Stream copies of sent events beyond the first of each payload `id` (a call retried
    /// after Kinesis stored it: at-least-once delivery).
    pub duplicates: u64,
    /// Sent events on the stream under more than one `id` (the extension received them
    /// twice), counted beyond the first.
    pub received_twice: u64,
}

/// Counts where each of `sent` (keys, see [`key`]) went.
pub fn fates(sent: &HashSet<String>, stream: &[Payload], spilled: &[Payload]) -> Fates {
    let mut copies: HashMap<&str, u64> = HashMap::new();
    let mut ids_per_key: HashMap<String, HashSet<&str>> = HashMap::new();
    for payload in stream {
        let Some(key) = key(payload).filter(|key| sent.contains(key)) else {
            continue;
        };
        let id = payload.id.as_deref().unwrap_or_default();
        *copies.entry(id).or_default() += 1;
        ids_per_key.entry(key).or_default().insert(id);
    }
    let spilled_keys: HashSet<String> = spilled
        .iter()
        .filter_map(key)
        .filter(|key| sent.contains(key) && !ids_per_key.contains_key(key))
        .collect();
    let on_stream = ids_per_key.len() as u64;
    let spilled = spilled_keys.len() as u64;
    Fates {
        sent: sent.len() as u64,
        on_stream,
        spilled,
        lost: sent.len() as u64 - on_stream - spilled,
        duplicates: copies.values().map(|count| count - 1).sum(),
        received_twice: ids_per_key.values().map(|ids| ids.len() as u64 - 1).sum(),
    }
}

/// Sequence numbers the extension gave (ids are `<instance>-<n>`, `n` counting every
/// event it accepted from 1) that are neither on the stream nor spilled, up to the highest
/// seen: events it accepted and then lost (or its own reports, which it does not spill).
/// Zero while events are missing means they never reached it.
pub fn missing_sequences(stream: &[Payload], spilled: &[Payload]) -> u64 {
    let sequences: HashSet<u64> = stream
        .iter()
        .chain(spilled)
        .filter_map(|payload| payload.id.as_deref()?.rsplit_once('-')?.1.parse().ok())
        .collect();
    let highest = sequences.iter().copied().max().unwrap_or(0);
    highest - sequences.len() as u64
}

/// The keys of `sent` events neither on the stream nor spilled, sorted.
pub fn lost(sent: &HashSet<String>, stream: &[Payload], spilled: &[Payload]) -> Vec<String> {
    let found: HashSet<String> = stream.iter().chain(spilled).filter_map(key).collect();
    let mut lost: Vec<String> = sent.difference(&found).cloned().collect();
    lost.sort();
    lost
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn payload(id: &str, kind: &str, record: serde_json::Value) -> Payload {
        Payload {
            id: Some(id.to_owned()),
            ..Payload::new("t", kind, record)
        }
    }

    #[test]
    fn every_sent_event_is_on_the_stream_spilled_or_lost() {
        let sent: HashSet<String> = [
            function_key("a"),
            function_key("b"),
            function_key("c"),
            function_key("d"),
            platform_key("platform.report", "r1"),
        ]
        .into();
        let report = json!({"requestId": "r1"});
        let stream = vec![
            payload("1", "function", json!("a")),
            payload("1", "function", json!("a")),
            payload("9", "function", json!("a")),
            payload("5", "platform.report", report.clone()),
            payload("7", "extension", json!("a log line")),
            payload("8", "function", json!("not sent")),
        ];
        let spilled = vec![
            payload("1", "function", json!("a")),
            payload("2", "function", json!("b")),
            payload("3", "function", json!("b")),
        ];
        assert_eq!(
            fates(&sent, &stream, &spilled),
            Fates {
                sent: 5,
                on_stream: 2,
                spilled: 1,
                lost: 2,
                duplicates: 1,
                received_twice: 1,
            }
        );
        assert_eq!(
            lost(&sent, &stream, &spilled),
            vec![function_key("c"), function_key("d")]
        );
        let numbered = |id: &str| payload(id, "function", json!("x"));
        let ids = [numbered("i-1"), numbered("i-2"), numbered("i-5")];
        assert_eq!(missing_sequences(&ids[..2], &ids[2..]), 2);
        assert_eq!(missing_sequences(&[], &[]), 0);
    }

    #[test]
    fn spill_lines_read_back_and_the_cap_is_noticed() {
        let mut out = Vec::new();
        let small = br#"{"id":"e-1","time":"t","type":"function","record":"a"}"#;
        spill::write(&mut out, "s", "k", "e-1", small);
        let large = format!(
            r#"{{"id":"e-2","time":"t","type":"function","record":"{}"}}"#,
            "x".repeat(40_000)
        );
        spill::write(&mut out, "s", "k", "e-2", large.as_bytes());
        let mut stdout: Vec<String> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        stdout.push("an ordinary line".to_owned());
        stdout.push(format!("{}1,broken", spill::LINE_PREFIX));
        let output = ProcessOutput {
            stdout,
            stderr: Vec::new(),
            lines_not_kept: 0,
        };
        let read = spilled(&output);
        assert_eq!(read.payloads.len(), 2);
        assert_eq!(read.payloads[1].record.as_str().unwrap().len(), 40_000);
        assert_eq!(read.unreadable, 1);
        assert!(read.complete);
        let capped = ProcessOutput {
            lines_not_kept: 3,
            ..output
        };
        assert!(!spilled(&capped).complete);
    }

    #[test]
    fn the_shutdown_line_gives_its_counts() {
        let stderr = vec![
            "INFO lost=99 unrelated".to_owned(),
            "INFO shutdown: 12 events undelivered (10 spilled to the log, 2 lost) reason=\"spindown\" \
             undelivered=12 spilled=10 lost=2 spilled_before=700 dropped_buffer_full=0 \
             dropped_malformed_batches=0"
                .to_owned(),
        ];
        let log = ShutdownLog::parse(&stderr).unwrap();
        assert_eq!(
            log,
            ShutdownLog {
                undelivered: 12,
                spilled: 10,
                lost: 2,
                spilled_before: 700,
                dropped_buffer_full: 0,
            }
        );
        assert_eq!(log.spilled_total(), 710);
        assert_eq!(log.lost_total(), 2);
        assert_eq!(ShutdownLog::parse(&stderr[..1]), None);
    }
}
