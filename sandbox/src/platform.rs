//! Platform events relayed from the simulator: each with what ordering and routing need
//! (its type, its invocation), and the last platform event of a phase, which SHUTDOWN waits
//! for. Pure code.

use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait for a platform event the simulator emitted to be relayed (it delivers
/// to us every 25 ms) and routed to every platform subscriber.
pub(crate) const RELAY_TIMEOUT: Duration = Duration::from_secs(1);

/// The event type that opens an invocation's platform events.
pub(crate) const PLATFORM_START: &str = "platform.start";
/// The event type that closes INIT's platform events.
const PLATFORM_INIT_REPORT: &str = "platform.initReport";
/// The event type that closes an invocation's platform events.
const PLATFORM_REPORT: &str = "platform.report";

/// A platform event relayed from the simulator, with what ordering and routing need.
#[derive(Debug, Clone)]
pub(crate) struct PlatformEvent {
    /// The serialized event.
    pub event: Arc<[u8]>,
    /// Its `type`.
    pub event_type: String,
    /// Its `record.requestId`, if it has one.
    pub request_id: Option<String>,
}

impl PlatformEvent {
    /// The events of a batch the simulator posted (a JSON array), each passed through
    /// `rewrite` (which may drop it); `None` if it is not one.
    pub(crate) fn batch(
        body: &[u8],
        rewrite: impl Fn(Value) -> Option<Value>,
    ) -> Option<Vec<Self>> {
        let Ok(Value::Array(events)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        Some(
            events
                .into_iter()
                .filter_map(rewrite)
                .filter_map(|event| Self::from_value(&event))
                .collect(),
        )
    }

    /// A platform event from its JSON form.
    pub(crate) fn from_value(event: &Value) -> Option<Self> {
        let serialized = serde_json::to_vec(event).ok()?;
        let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
        Some(Self {
            event: serialized.into(),
            event_type: text("/type").unwrap_or_default().to_owned(),
            request_id: text("/record/requestId").map(str::to_owned),
        })
    }

    /// The phase-closing event this is, if it is one.
    pub(crate) fn closes(&self) -> Option<LastPlatformEvent> {
        match self.event_type.as_str() {
            PLATFORM_INIT_REPORT => Some(LastPlatformEvent::InitReport),
            PLATFORM_REPORT => self.request_id.clone().map(LastPlatformEvent::Report),
            _ => None,
        }
    }
}

/// The last platform event the simulator emits in a phase, to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LastPlatformEvent {
    /// `platform.initReport`.
    InitReport,
    /// The `platform.report` of this invocation.
    Report(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relayed_batch_gives_each_events_type_and_invocation() {
        let body = br#"[
            {"time":"t","type":"platform.initReport","record":{"initializationType":"on-demand"}},
            {"time":"t","type":"platform.start","record":{"requestId":"r1"}},
            {"time":"t","type":"platform.report","record":{"requestId":"r1"}}
        ]"#;
        let events = PlatformEvent::batch(body, Some).unwrap();
        let summary: Vec<_> = events
            .iter()
            .map(|event| (event.event_type.as_str(), event.request_id.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("platform.initReport", None),
                (PLATFORM_START, Some("r1")),
                ("platform.report", Some("r1"))
            ]
        );
        let closing: Vec<_> = events.iter().map(PlatformEvent::closes).collect();
        assert_eq!(
            closing,
            [
                Some(LastPlatformEvent::InitReport),
                None,
                Some(LastPlatformEvent::Report("r1".to_owned()))
            ]
        );
        let reparsed: Value = serde_json::from_slice(&events[1].event).unwrap();
        assert_eq!(reparsed["record"]["requestId"], "r1");
        assert!(PlatformEvent::batch(b"{}", Some).is_none());
        let dropped = PlatformEvent::batch(body, |event| {
            (event["type"] != "platform.start").then_some(event)
        })
        .unwrap();
        assert_eq!(dropped.len(), 2);
    }
}
