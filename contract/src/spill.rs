//! Spilled events: when the extension cannot deliver an event (Kinesis unreachable at
//! SHUTDOWN, a signal, a full buffer), it writes it to its standard output, which Lambda
//! sends to the function's CloudWatch Logs log group, as JSON lines that `deployer recover`
//! reads back and re-sends with the same partition key and the same payload (same `id`, so
//! consumers that de-duplicate see each event once).
//!
//! A payload of up to [`MAX_LINE_PAYLOAD_BYTES`] is one line:
//!
//! ```json
//! {"telemetryKinesisSpill":1,"stream":"telemetry-kinesis-stream","partitionKey":"8f1e…","payload":{"id":"…",…}}
//! ```
//!
//! A larger payload is cut into parts (`"id"`, `"part"` from 0, `"parts"`, and `"chunk"`, a
//! piece of the payload's JSON text), because Lambda splits long log lines.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The key every spilled line starts with; its value is the format version.
pub const MARKER: &str = "telemetryKinesisSpill";
/// The format version written.
pub const VERSION: u32 = 1;
/// Largest payload written whole on one line; larger ones are cut into parts of this size.
pub const MAX_LINE_PAYLOAD_BYTES: usize = 16 * 1024;
/// How every spilled line begins.
pub const LINE_PREFIX: &str = "{\"telemetryKinesisSpill\":";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    #[serde(rename = "telemetryKinesisSpill")]
    version: u32,
    #[serde(borrow)]
    stream: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    partition_key: std::borrow::Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    payload: Option<&'a RawValue>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    part: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parts: Option<usize>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    chunk: Option<std::borrow::Cow<'a, str>>,
}

/// Whether `text` is a spilled line (the extension must not take its own back in).
pub fn is_spill_line(text: &str) -> bool {
    text.trim_start().starts_with(LINE_PREFIX)
}

/// Appends the lines (each ending in `\n`) that spill one event to `out`. `payload` is the
/// event's payload JSON as written to Kinesis (a JSON object); `id` names its parts when it
/// is cut. A whole payload is copied as it is, without re-encoding, so spilling costs little
/// more than the bytes it writes.
pub fn write(out: &mut Vec<u8>, stream: &str, partition_key: &str, id: &str, payload: &[u8]) {
    let object = payload.first() == Some(&b'{') && payload.last() == Some(&b'}');
    if payload.len() <= MAX_LINE_PAYLOAD_BYTES && object && std::str::from_utf8(payload).is_ok() {
        out.extend_from_slice(LINE_PREFIX.as_bytes());
        out.extend_from_slice(VERSION.to_string().as_bytes());
        out.extend_from_slice(b",\"stream\":");
        write_str(out, stream);
        out.extend_from_slice(b",\"partitionKey\":");
        write_str(out, partition_key);
        out.extend_from_slice(b",\"payload\":");
        out.extend_from_slice(payload);
        out.extend_from_slice(b"}\n");
        return;
    }
    for line in lines(stream, partition_key, id, payload) {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
}

fn write_str(out: &mut Vec<u8>, text: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// The lines that spill one event (see [`write`]).
pub fn lines(stream: &str, partition_key: &str, id: &str, payload: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(payload);
    let base = |payload, part: Option<usize>, parts, chunk| Line {
        version: VERSION,
        stream: stream.into(),
        partition_key: partition_key.into(),
        payload,
        id: part.map(|_| id.into()),
        part,
        parts,
        chunk,
    };
    if text.len() <= MAX_LINE_PAYLOAD_BYTES
        && let Ok(raw) = serde_json::from_str::<&RawValue>(&text)
    {
        return serde_json::to_string(&base(Some(raw), None, None, None))
            .into_iter()
            .collect();
    }
    let chunks = split_at_char_boundaries(&text, MAX_LINE_PAYLOAD_BYTES);
    let parts = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .filter_map(|(part, chunk)| {
            serde_json::to_string(&base(None, Some(part), Some(parts), Some(chunk.into()))).ok()
        })
        .collect()
}

fn split_at_char_boundaries(text: &str, size: usize) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut end = size.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (chunk, tail) = rest.split_at(end);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// One event read back from spilled lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spilled {
    /// The stream it was meant for (a name or an ARN).
    pub stream: String,
    /// Its partition key.
    pub partition_key: String,
    /// Its payload JSON, byte for byte as it would have been written.
    pub payload: String,
}

/// Reads spilled lines back into events, joining the parts of cut payloads; lines of
/// other kinds are ignored.
#[derive(Debug, Default)]
pub struct Reader {
    partial: HashMap<String, Partial>,
}

#[derive(Debug)]
struct Partial {
    stream: String,
    partition_key: String,
    chunks: Vec<Option<String>>,
}

/// A line that carries the marker but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable spilled line: {0}")]
pub struct UnreadableLine(pub String);

impl Reader {
    /// Reads one log line: `Ok(Some(event))` when it completes an event, `Ok(None)` when it
    /// is not a spilled line or only part of one.
    pub fn read(&mut self, line: &str) -> Result<Option<Spilled>, UnreadableLine> {
        let Some(start) = line.find(LINE_PREFIX) else {
            return Ok(None);
        };
        let text = line[start..].trim_end();
        let parsed: Line<'_> =
            serde_json::from_str(text).map_err(|error| UnreadableLine(error.to_string()))?;
        if let Some(payload) = parsed.payload {
            return Ok(Some(Spilled {
                stream: parsed.stream.into_owned(),
                partition_key: parsed.partition_key.into_owned(),
                payload: payload.get().to_owned(),
            }));
        }
        let (Some(id), Some(part), Some(parts), Some(chunk)) =
            (parsed.id, parsed.part, parsed.parts, parsed.chunk)
        else {
            return Err(UnreadableLine("neither a payload nor a part".to_owned()));
        };
        if part >= parts {
            return Err(UnreadableLine(format!("part {part} of {parts}")));
        }
        let partial = self
            .partial
            .entry(id.clone().into_owned())
            .or_insert_with(|| Partial {
                stream: parsed.stream.into_owned(),
                partition_key: parsed.partition_key.into_owned(),
                chunks: vec![None; parts],
            });
        if partial.chunks.len() != parts {
            return Err(UnreadableLine(format!("{id}: part counts differ")));
        }
        partial.chunks[part] = Some(chunk.into_owned());
        if partial.chunks.iter().any(Option::is_none) {
            return Ok(None);
        }
        let Some(done) = self.partial.remove(id.as_ref()) else {
            return Ok(None);
        };
        Ok(Some(Spilled {
            stream: done.stream,
            partition_key: done.partition_key,
            payload: done.chunks.into_iter().flatten().collect(),
        }))
    }

    /// Ids of events some of whose parts never came.
    pub fn incomplete(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.partial.keys().cloned().collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_small_payload_is_one_line_that_reads_back_byte_for_byte() {
        let payload = br#"{"id":"e-1","time":"t","type":"function","record":"hello"}"#;
        let lines = lines("s", "r-1", "e-1", payload);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with(LINE_PREFIX));
        assert!(is_spill_line(&lines[0]));
        let mut reader = Reader::default();
        let spilled = reader.read(&lines[0]).unwrap().unwrap();
        assert_eq!(spilled.payload.as_bytes(), payload);
        assert_eq!(spilled.partition_key, "r-1");
        assert_eq!(spilled.stream, "s");
    }

    #[test]
    fn the_writer_and_the_lines_agree() {
        let payload = r#"{"id":"e-1","record":"quote \" and é"}"#.as_bytes();
        let mut written = Vec::new();
        write(&mut written, "s\"", "k", "e-1", payload);
        let expected = format!("{}\n", lines("s\"", "k", "e-1", payload)[0]);
        assert_eq!(String::from_utf8(written).unwrap(), expected);
        let mut big = Vec::new();
        let large = format!("{{\"id\":\"e-2\",\"r\":\"{}\"}}", "x".repeat(40_000));
        write(&mut big, "s", "k", "e-2", large.as_bytes());
        let mut reader = Reader::default();
        let read: Vec<Spilled> = String::from_utf8(big)
            .unwrap()
            .lines()
            .filter_map(|line| reader.read(line).unwrap())
            .collect();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].payload, large);
    }

    #[test]
    fn a_large_payload_is_cut_and_joined_in_any_order_among_other_lines() {
        let record = "é".repeat(40_000);
        let payload = serde_json::json!({"id": "e-2", "record": record}).to_string();
        let mut lines = lines("s", "k", "e-2", payload.as_bytes());
        assert!(lines.len() > 4);
        assert!(
            lines
                .iter()
                .all(|line| line.len() < MAX_LINE_PAYLOAD_BYTES + 256)
        );
        lines.reverse();
        let mut reader = Reader::default();
        assert_eq!(reader.read("START RequestId: x").unwrap(), None);
        let mut found = Vec::new();
        for line in &lines {
            // Lambda may prefix nothing, but a timestamp prefix must not matter either.
            if let Some(spilled) = reader
                .read(&format!("2026-01-01T00:00:00Z {line}"))
                .unwrap()
            {
                found.push(spilled);
            }
        }
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].payload, payload);
        assert!(reader.incomplete().is_empty());
    }

    #[test]
    fn missing_parts_are_reported_and_broken_lines_are_errors() {
        let payload = "x".repeat(3 * MAX_LINE_PAYLOAD_BYTES);
        let lines = lines("s", "k", "e-3", format!("\"{payload}\"").as_bytes());
        let mut reader = Reader::default();
        reader.read(&lines[0]).unwrap();
        assert_eq!(reader.incomplete(), ["e-3"]);
        assert!(reader.read(&format!("{LINE_PREFIX}1,\"stream\":")).is_err());
    }
}
