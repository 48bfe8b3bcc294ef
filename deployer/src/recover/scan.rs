//! Finding spilled events among a log group's lines: every line goes through the contract's
//! [`spill::Reader`], which joins the parts of cut payloads; what cannot be read back is
//! counted, not guessed at.

use telemetry_kinesis_contract::spill::{self, Spilled};

/// What the lines held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scanned {
    /// Log events read.
    pub lines: usize,
    /// Spilled events read back whole, in the order they completed.
    pub events: Vec<Spilled>,
    /// Lines that carry the spill marker but do not parse, with why.
    pub unreadable: Vec<String>,
    /// Ids of cut events some of whose parts never came.
    pub incomplete: Vec<String>,
}

/// Reads log lines one by one.
#[derive(Debug, Default)]
pub struct Scanner {
    reader: spill::Reader,
    scanned: Scanned,
}

impl Scanner {
    /// Reads one log event's message.
    pub fn line(&mut self, message: &str) {
        self.scanned.lines += 1;
        match self.reader.read(message) {
            Ok(Some(event)) => self.scanned.events.push(event),
            Ok(None) => {}
            Err(error) => self.scanned.unreadable.push(error.0),
        }
    }

    /// What was found; parts still waiting for the rest are incomplete.
    pub fn finish(mut self) -> Scanned {
        self.scanned.incomplete = self.reader.incomplete();
        self.scanned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_cut_events_are_found_among_other_lines() {
        let small = br#"{"id":"e-1","type":"function","record":"hi"}"#;
        let large = serde_json::json!({"id": "e-2", "record": "x".repeat(40_000)}).to_string();
        let mut scanner = Scanner::default();
        scanner.line("START RequestId: 1 Version: $LATEST");
        for line in spill::lines("s", "k1", "e-1", small) {
            scanner.line(&line);
        }
        let mut parts = spill::lines(
            "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
            "k2",
            "e-2",
            large.as_bytes(),
        );
        parts.reverse();
        for line in &parts {
            scanner.line(line);
        }
        scanner.line("END RequestId: 1");
        let scanned = scanner.finish();
        assert_eq!(scanned.lines, 3 + parts.len());
        assert_eq!(scanned.events.len(), 2);
        assert_eq!(scanned.events[0].payload.as_bytes(), small);
        assert_eq!(scanned.events[0].partition_key, "k1");
        assert_eq!(scanned.events[1].payload, large);
        assert!(scanned.unreadable.is_empty() && scanned.incomplete.is_empty());
    }

    #[test]
    fn broken_lines_and_missing_parts_are_counted() {
        let large = serde_json::json!({"id": "e-3", "record": "y".repeat(40_000)}).to_string();
        let parts = spill::lines("s", "k", "e-3", large.as_bytes());
        let mut scanner = Scanner::default();
        scanner.line(&parts[0]);
        scanner.line(&format!("{}1,\"stream\":", spill::LINE_PREFIX));
        let scanned = scanner.finish();
        assert!(scanned.events.is_empty());
        assert_eq!(scanned.unreadable.len(), 1);
        assert_eq!(scanned.incomplete, ["e-3"]);
    }
}
