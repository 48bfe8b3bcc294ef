//! Which events `deployer logs` shows: `--type` (repeatable, prefix), `--function`,
//! `--request-id`. `--limit` is applied by the caller, after the filter.

use super::event::StoredEvent;

/// An event filter; the default shows everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Type prefixes, any of which matches (`platform` matches `platform.report`;
    /// `platform.init` matches `platform.initStart` and `platform.initReport`). Empty:
    /// every type.
    pub types: Vec<String>,
    /// Only this function's events.
    pub function: Option<String>,
    /// Only this invocation's events (see [`StoredEvent::request_id`]).
    pub request_id: Option<String>,
}

impl Filter {
    /// Whether `event` passes every condition.
    pub fn matches(&self, event: &StoredEvent) -> bool {
        let payload = &event.payload;
        let type_matches = self.types.is_empty()
            || self
                .types
                .iter()
                .any(|prefix| payload.kind.starts_with(prefix.as_str()));
        let function_matches = self
            .function
            .as_deref()
            .is_none_or(|function| payload.function_name.as_deref() == Some(function));
        let request_matches = self
            .request_id
            .as_deref()
            .is_none_or(|request_id| event.request_id() == Some(request_id));
        type_matches && function_matches && request_matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::event::test_event;
    use serde_json::{Value, json};

    fn event(kind: &str, function: Option<&str>, key: &str, record: Value) -> StoredEvent {
        test_event(kind, function, key, record)
    }

    fn events() -> Vec<StoredEvent> {
        vec![
            event("platform.initStart", Some("a"), "init-x", json!({})),
            event(
                "platform.start",
                Some("a"),
                "r1",
                json!({"requestId": "r1"}),
            ),
            event("function", Some("a"), "r1", json!("text line")),
            event(
                "function",
                Some("a"),
                "r1",
                json!({"requestId": "r1", "message": "m"}),
            ),
            event("extension", Some("a"), "r1", json!("ext line")),
            event(
                "platform.report",
                Some("a"),
                "r1",
                json!({"requestId": "r1"}),
            ),
            event(
                "platform.report",
                Some("b"),
                "r2",
                json!({"requestId": "r2"}),
            ),
            event("function", None, "r3", json!("no function name")),
            // The record's request id wins over the partition key.
            event(
                "platform.start",
                Some("b"),
                "r1",
                json!({"requestId": "r9"}),
            ),
        ]
    }

    fn selected(filter: &Filter) -> Vec<usize> {
        events()
            .iter()
            .enumerate()
            .filter(|(_, event)| filter.matches(event))
            .map(|(index, _)| index)
            .collect()
    }

    fn types(types: &[&str]) -> Filter {
        Filter {
            types: types.iter().map(|kind| (*kind).to_owned()).collect(),
            ..Filter::default()
        }
    }

    #[test]
    fn no_condition_selects_everything() {
        assert_eq!(selected(&Filter::default()), (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn types_match_by_prefix_any_of() {
        assert_eq!(selected(&types(&["platform"])), [0, 1, 5, 6, 8]);
        assert_eq!(selected(&types(&["platform.report"])), [5, 6]);
        assert_eq!(selected(&types(&["platform.init"])), [0]);
        assert_eq!(selected(&types(&["function"])), [2, 3, 7]);
        assert_eq!(selected(&types(&["function", "extension"])), [2, 3, 4, 7]);
        assert_eq!(selected(&types(&["platform.nothing"])), Vec::<usize>::new());
    }

    #[test]
    fn function_matches_exactly() {
        let filter = Filter {
            function: Some("b".into()),
            ..Filter::default()
        };
        assert_eq!(selected(&filter), [6, 8]);
        let filter = Filter {
            function: Some("".into()),
            ..Filter::default()
        };
        assert_eq!(selected(&filter), Vec::<usize>::new());
    }

    #[test]
    fn request_id_uses_the_record_then_the_partition_key() {
        let filter = Filter {
            request_id: Some("r1".into()),
            ..Filter::default()
        };
        assert_eq!(selected(&filter), [1, 2, 3, 4, 5]);
        let filter = Filter {
            request_id: Some("r9".into()),
            ..Filter::default()
        };
        assert_eq!(selected(&filter), [8]);
        let filter = Filter {
            request_id: Some("init-x".into()),
            ..Filter::default()
        };
        assert_eq!(selected(&filter), Vec::<usize>::new());
    }

    #[test]
    fn conditions_combine() {
        let filter = Filter {
            types: vec!["platform".into(), "function".into()],
            function: Some("a".into()),
            request_id: Some("r1".into()),
        };
        assert_eq!(selected(&filter), [1, 2, 3, 5]);
    }
}
