//! Which events `deployer logs` shows: `--type` (repeatable, prefix), `--function`,
//! `--request-id`, `--filter` (text or `/regex/`). `--limit` is applied by the caller,
//! after the filter.

use serde_json::Value;
use telemetry_kinesis_contract::names::EVENT_TYPES;

use super::event::StoredEvent;

/// `--filter`: a substring, or a regular expression between slashes (`/timeout|error/`),
/// searched in the record's text.
#[derive(Debug, Clone)]
pub enum TextFilter {
    /// The text contains this.
    Substring(String),
    /// The text matches this.
    Regex(regex_lite::Regex),
}

impl PartialEq for TextFilter {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Substring(a), Self::Substring(b)) => a == b,
            (Self::Regex(a), Self::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl Eq for TextFilter {}

impl std::str::FromStr for TextFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text
            .strip_prefix('/')
            .and_then(|rest| rest.strip_suffix('/'))
        {
            Some(pattern) => regex_lite::Regex::new(pattern)
                .map(Self::Regex)
                .map_err(|error| format!("not a regular expression: {error}")),
            None if text.is_empty() => Err("empty: give some text, or /regex/".to_owned()),
            None => Ok(Self::Substring(text.to_owned())),
        }
    }
}

impl TextFilter {
    /// Whether `text` passes.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Self::Substring(needle) => text.contains(needle.as_str()),
            Self::Regex(regex) => regex.is_match(text),
        }
    }
}

/// The text `--filter` searches: a text record itself, any other record as its JSON.
pub fn record_text(record: &Value) -> std::borrow::Cow<'_, str> {
    match record {
        Value::String(text) => text.as_str().into(),
        other => other.to_string().into(),
    }
}

/// The `--type` values no event can have: no known event type starts with them.
pub fn impossible_types(types: &[String]) -> Vec<&str> {
    types
        .iter()
        .map(String::as_str)
        .filter(|prefix| !EVENT_TYPES.iter().any(|kind| kind.starts_with(prefix)))
        .collect()
}

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
    /// Only events whose record text passes.
    pub text: Option<TextFilter>,
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
        let text_matches = self
            .text
            .as_ref()
            .is_none_or(|filter| filter.matches(&record_text(&payload.record)));
        type_matches && function_matches && request_matches && text_matches
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
            text: None,
        };
        assert_eq!(selected(&filter), [1, 2, 3, 5]);
    }

    fn text(filter: &str) -> Filter {
        Filter {
            text: Some(filter.parse().unwrap()),
            ..Filter::default()
        }
    }

    #[test]
    fn text_filters_search_the_record_text() {
        assert_eq!(selected(&text("line")), [2, 4]);
        // Object records are searched as JSON.
        assert_eq!(selected(&text("\"message\":\"m\"")), [3]);
        assert_eq!(selected(&text("/^(text|ext) line$/")), [2, 4]);
        assert_eq!(selected(&text("/r[29]/")), [6, 8]);
        assert!(
            "/(/"
                .parse::<TextFilter>()
                .unwrap_err()
                .contains("regular expression")
        );
        assert!("".parse::<TextFilter>().is_err());
        // A lone slash is text.
        assert_eq!(
            "/".parse::<TextFilter>(),
            Ok(TextFilter::Substring("/".into()))
        );
    }

    #[test]
    fn types_no_event_can_have_are_found() {
        let types: Vec<String> = ["platform", "function", "platform.rep", "nosuch", "Function"]
            .map(String::from)
            .to_vec();
        assert_eq!(impossible_types(&types), ["nosuch", "Function"]);
    }
}
