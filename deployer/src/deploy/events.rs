//! Stack events: our own plain type, the "which events are new" rule and the root-cause rule.
//!
//! `DescribeStackEvents` answers newest first, a page at a time. A monitor remembers every
//! `EventId` it has shown and pages only until it meets one of them, so each poll costs one call
//! in the common case and never shows an event twice.

use std::collections::HashSet;
use std::time::SystemTime;

/// One stack event, reduced to what the deployer shows and reasons about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    /// Unique per event; the key for "already seen".
    pub event_id: String,
    /// When CloudFormation recorded the event.
    pub timestamp: Option<SystemTime>,
    /// The template's logical ID, or the stack name for stack-level events.
    pub logical_id: String,
    /// For example `AWS::Kinesis::Stream`, or `AWS::CloudFormation::Stack`.
    pub resource_type: String,
    /// For example `CREATE_IN_PROGRESS`, `CREATE_FAILED`.
    pub status: String,
    /// CloudFormation's explanation, when it gave one.
    pub reason: Option<String>,
}

impl StackEvent {
    /// Whether the event is about the stack itself rather than one of its resources.
    pub fn is_stack_event(&self) -> bool {
        self.resource_type == STACK_RESOURCE_TYPE
    }

    /// Whether the status is a failure (`CREATE_FAILED`, `UPDATE_FAILED`, `DELETE_FAILED`, ...).
    pub fn is_failure(&self) -> bool {
        self.status.ends_with("_FAILED")
    }
}

/// The resource type CloudFormation gives stack-level events.
pub const STACK_RESOURCE_TYPE: &str = "AWS::CloudFormation::Stack";

/// Reasons that only say a resource stopped because another one failed: never a root cause.
const CONSEQUENTIAL_REASONS: [&str; 2] =
    ["Resource creation cancelled", "Resource update cancelled"];

impl From<&aws_sdk_cloudformation::types::StackEvent> for StackEvent {
    fn from(event: &aws_sdk_cloudformation::types::StackEvent) -> Self {
        Self {
            event_id: event.event_id().unwrap_or_default().to_owned(),
            timestamp: event
                .timestamp()
                .and_then(|time| SystemTime::try_from(*time).ok()),
            logical_id: event.logical_resource_id().unwrap_or_default().to_owned(),
            resource_type: event.resource_type().unwrap_or_default().to_owned(),
            status: event
                .resource_status()
                .map(|status| status.as_str().to_owned())
                .unwrap_or_default(),
            reason: event
                .resource_status_reason()
                .filter(|reason| !reason.is_empty())
                .map(str::to_owned),
        }
    }
}

/// Remembers the events already shown for one stack.
#[derive(Debug, Default)]
pub struct EventCursor {
    seen: HashSet<String>,
}

/// What one page of events (newest first) contributed.
#[derive(Debug, PartialEq, Eq)]
pub struct PageOutcome {
    /// The page's unseen events, newest first, up to the first seen one.
    pub fresh: Vec<StackEvent>,
    /// Whether the page reached an event already seen: no need to fetch older pages.
    pub reached_seen: bool,
}

impl EventCursor {
    /// A cursor that has seen nothing: the next poll shows the stack's whole history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks events as seen without showing them (the history before our operation).
    pub fn mark_seen<'a>(&mut self, events: impl IntoIterator<Item = &'a StackEvent>) {
        self.seen
            .extend(events.into_iter().map(|event| event.event_id.clone()));
    }

    /// Takes the unseen prefix of a newest-first page. Does not mark anything seen: call
    /// [`EventCursor::mark_seen`] once every page of a poll is in, so an event is never
    /// skipped because a later page of the same poll was cut short by an error.
    pub fn scan_page(&self, page: &[StackEvent]) -> PageOutcome {
        let mut fresh = Vec::new();
        for event in page {
            if self.seen.contains(&event.event_id) {
                return PageOutcome {
                    fresh,
                    reached_seen: true,
                };
            }
            fresh.push(event.clone());
        }
        PageOutcome {
            fresh,
            reached_seen: false,
        }
    }
}

/// The first failure of an operation: the resource to look at and why it failed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RootCause {
    /// Logical ID of the failed resource (or the stack name).
    pub logical_id: String,
    /// Its resource type.
    pub resource_type: String,
    /// The failure status, for example `CREATE_FAILED`.
    pub status: String,
    /// CloudFormation's reason.
    pub reason: String,
}

impl std::fmt::Display for RootCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) {}: {}",
            self.logical_id, self.resource_type, self.status, self.reason
        )
    }
}

impl From<&StackEvent> for RootCause {
    fn from(event: &StackEvent) -> Self {
        Self {
            logical_id: event.logical_id.clone(),
            resource_type: event.resource_type.clone(),
            status: event.status.clone(),
            reason: event
                .reason
                .clone()
                .unwrap_or_else(|| "no reason given".to_owned()),
        }
    }
}

/// The root cause among an operation's events given oldest first: the first failed resource
/// whose reason is not a consequence of another failure; failing that, the first failed stack
/// event; failing that, `None`.
pub fn root_cause(chronological: &[StackEvent]) -> Option<RootCause> {
    let is_consequential = |event: &StackEvent| {
        event
            .reason
            .as_deref()
            .is_some_and(|reason| CONSEQUENTIAL_REASONS.iter().any(|c| reason.starts_with(c)))
    };
    chronological
        .iter()
        .find(|event| event.is_failure() && !event.is_stack_event() && !is_consequential(event))
        .or_else(|| {
            chronological
                .iter()
                .find(|event| event.is_failure() && !event.is_stack_event())
        })
        .or_else(|| chronological.iter().find(|event| event.is_failure()))
        .map(RootCause::from)
}

/// Every failed resource in the events given oldest first, the latest failure of each, in the
/// order they first failed: what a `DELETE_FAILED` report lists.
pub fn failed_resources(chronological: &[StackEvent]) -> Vec<RootCause> {
    let mut failures: Vec<RootCause> = Vec::new();
    for event in chronological
        .iter()
        .filter(|event| event.is_failure() && !event.is_stack_event())
    {
        match failures
            .iter_mut()
            .find(|failure| failure.logical_id == event.logical_id)
        {
            Some(existing) => *existing = RootCause::from(event),
            None => failures.push(RootCause::from(event)),
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        id: &str,
        logical_id: &str,
        resource_type: &str,
        status: &str,
        reason: Option<&str>,
    ) -> StackEvent {
        StackEvent {
            event_id: id.to_owned(),
            timestamp: None,
            logical_id: logical_id.to_owned(),
            resource_type: resource_type.to_owned(),
            status: status.to_owned(),
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn scan_stops_at_the_first_seen_event() {
        let mut cursor = EventCursor::new();
        let old = event(
            "1",
            "Stream",
            "AWS::Kinesis::Stream",
            "CREATE_COMPLETE",
            None,
        );
        cursor.mark_seen([&old]);
        let new = event("2", "Role", "AWS::IAM::Role", "CREATE_IN_PROGRESS", None);
        let outcome = cursor.scan_page(&[new.clone(), old.clone()]);
        assert_eq!(
            outcome,
            PageOutcome {
                fresh: vec![new],
                reached_seen: true
            }
        );
    }

    #[test]
    fn scan_of_an_unseen_page_asks_for_the_next() {
        let cursor = EventCursor::new();
        let page = [
            event("2", "A", "T", "S", None),
            event("1", "B", "T", "S", None),
        ];
        let outcome = cursor.scan_page(&page);
        assert!(!outcome.reached_seen);
        assert_eq!(outcome.fresh.len(), 2);
    }

    #[test]
    fn root_cause_skips_cancellations_and_stack_events() {
        let events = [
            event(
                "1",
                "app",
                STACK_RESOURCE_TYPE,
                "CREATE_IN_PROGRESS",
                Some("User Initiated"),
            ),
            event(
                "2",
                "Policy",
                "AWS::IAM::ManagedPolicy",
                "CREATE_FAILED",
                Some("Resource creation cancelled"),
            ),
            event(
                "3",
                "Stream",
                "AWS::Kinesis::Stream",
                "CREATE_FAILED",
                Some("Invalid shard count"),
            ),
            event(
                "4",
                "app",
                STACK_RESOURCE_TYPE,
                "ROLLBACK_IN_PROGRESS",
                Some("The following resource(s) failed"),
            ),
            event("5", "app", STACK_RESOURCE_TYPE, "ROLLBACK_COMPLETE", None),
        ];
        let cause = root_cause(&events).unwrap();
        assert_eq!(cause.logical_id, "Stream");
        assert_eq!(cause.reason, "Invalid shard count");
        assert_eq!(
            cause.to_string(),
            "Stream (AWS::Kinesis::Stream) CREATE_FAILED: Invalid shard count"
        );
    }

    #[test]
    fn root_cause_falls_back_to_the_stack_failure() {
        let events = [event(
            "1",
            "app",
            STACK_RESOURCE_TYPE,
            "UPDATE_ROLLBACK_FAILED",
            Some("rollback failed"),
        )];
        assert_eq!(
            root_cause(&events).unwrap().status,
            "UPDATE_ROLLBACK_FAILED"
        );
        assert_eq!(
            root_cause(&[event(
                "1",
                "app",
                STACK_RESOURCE_TYPE,
                "CREATE_COMPLETE",
                None
            )]),
            None
        );
    }

    #[test]
    fn failed_resources_keeps_the_latest_failure_of_each() {
        let events = [
            event(
                "1",
                "Bucket",
                "AWS::S3::Bucket",
                "DELETE_FAILED",
                Some("bucket not empty"),
            ),
            event(
                "2",
                "Role",
                "AWS::IAM::Role",
                "DELETE_FAILED",
                Some("in use"),
            ),
            event(
                "3",
                "Bucket",
                "AWS::S3::Bucket",
                "DELETE_FAILED",
                Some("still not empty"),
            ),
            event(
                "4",
                "app",
                STACK_RESOURCE_TYPE,
                "DELETE_FAILED",
                Some("resources failed"),
            ),
        ];
        let failures = failed_resources(&events);
        assert_eq!(failures.len(), 2);
        assert_eq!(failures[0].logical_id, "Bucket");
        assert_eq!(failures[0].reason, "still not empty");
        assert_eq!(failures[1].logical_id, "Role");
    }
}
