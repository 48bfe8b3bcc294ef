//! What `deployer verify` waits for: for each invocation it made, the function's own
//! telemetry on the stream, matched by request id.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::event::StoredEvent;

/// The event types every invocation of the sample function must produce: the platform's
/// start and report, and the function's log lines.
pub const REQUIRED_TYPES: [&str; 3] = ["platform.start", "function", "platform.report"];

/// The events still missing, per request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    missing: BTreeMap<String, BTreeSet<&'static str>>,
}

impl Expectation {
    /// Expects [`REQUIRED_TYPES`] for each of `request_ids`.
    pub fn new<'a>(request_ids: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            missing: request_ids
                .into_iter()
                .map(|id| (id.to_owned(), REQUIRED_TYPES.into_iter().collect()))
                .collect(),
        }
    }

    /// Takes in an event read from the stream; returns whether it was one we waited for.
    ///
    /// A `function` log line also counts for an invocation whose request id it contains:
    /// the sample function writes its request id in its first line, and a text line's own
    /// invocation is only the extension's guess (the invocation in progress when the line
    /// was delivered, which a late delivery gets wrong).
    pub fn observe(&mut self, event: &StoredEvent) -> bool {
        let kind = event.payload.kind.as_str();
        let Some(required) = REQUIRED_TYPES
            .into_iter()
            .find(|required| *required == kind)
        else {
            return false;
        };
        let mentioned = match (&event.payload.record, required) {
            (serde_json::Value::String(text), "function") => self
                .missing
                .keys()
                .find(|request_id| text.contains(request_id.as_str()))
                .cloned(),
            _ => None,
        };
        let request_id = mentioned.or_else(|| event.request_id().map(ToOwned::to_owned));
        request_id
            .and_then(|request_id| self.missing.get_mut(&request_id))
            .is_some_and(|missing| missing.remove(required))
    }

    /// Whether every expected event arrived.
    pub fn is_met(&self) -> bool {
        self.missing.values().all(BTreeSet::is_empty)
    }

    /// The request ids with missing events, and which.
    pub fn missing(&self) -> impl Iterator<Item = (&str, Vec<&'static str>)> {
        self.missing
            .iter()
            .filter(|(_, types)| !types.is_empty())
            .map(|(id, types)| (id.as_str(), types.iter().copied().collect()))
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self
            .missing()
            .map(|(id, types)| format!("request {id}: no {}", types.join(", no ")))
            .collect();
        if lines.is_empty() {
            f.write_str("nothing missing")
        } else {
            f.write_str(&lines.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::event::test_event;
    use serde_json::{Value, json};

    fn event(kind: &str, key: &str, record: Value) -> StoredEvent {
        test_event(kind, None, key, record)
    }

    #[test]
    fn met_when_every_invocation_has_every_type() {
        let mut expectation = Expectation::new(["r1", "r2"]);
        assert!(!expectation.is_met());
        assert!(expectation.observe(&event("platform.start", "r1", json!({"requestId": "r1"}))));
        assert!(expectation.observe(&event("function", "r1", json!("hello\n"))));
        // A second log line adds nothing.
        assert!(!expectation.observe(&event("function", "r1", json!("again\n"))));
        assert!(expectation.observe(&event("platform.report", "r1", json!({"requestId": "r1"}))));
        // Other invocations and types do not count.
        assert!(!expectation.observe(&event("platform.report", "r3", json!({"requestId": "r3"}))));
        assert!(!expectation.observe(&event(
            "platform.runtimeDone",
            "r2",
            json!({"requestId": "r2"})
        )));
        assert!(!expectation.observe(&event("function", "init-x", json!("init line"))));
        // A line naming its request counts for it, whatever its partition key.
        assert!(expectation.observe(&event("function", "r1", json!("request r2 says hi"))));
        assert!(!expectation.observe(&event("extension", "r2", json!("request r2"))));
        assert_eq!(
            expectation.to_string(),
            "request r2: no platform.report, no platform.start"
        );
        expectation.observe(&event("platform.start", "x", json!({"requestId": "r2"})));
        assert_eq!(
            expectation.missing().collect::<Vec<_>>(),
            [("r2", vec!["platform.report"])]
        );
        expectation.observe(&event("platform.report", "r2", json!({"requestId": "r2"})));
        assert!(expectation.is_met());
        assert_eq!(expectation.to_string(), "nothing missing");
    }

    #[test]
    fn nothing_expected_is_met() {
        assert!(Expectation::new([]).is_met());
    }
}
