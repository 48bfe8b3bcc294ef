//! Deciding "nothing to do" without CloudFormation computing a change set, and recognising the
//! empty change set when it does.

use std::collections::BTreeMap;

/// The reasons CloudFormation gives a `FAILED` change set that simply has no changes.
const EMPTY_CHANGE_SET_REASONS: [&str; 2] = [
    "The submitted information didn't contain changes",
    "No updates are to be performed",
];

/// Whether a `FAILED` change set's reason means "no changes", which is success.
pub fn is_empty_change_set(status_reason: Option<&str>) -> bool {
    status_reason.is_some_and(|reason| {
        EMPTY_CHANGE_SET_REASONS
            .iter()
            .any(|empty| reason.contains(empty))
    })
}

/// Whether two template bodies mean the same: byte-equal, or equal once parsed as JSON, or as
/// YAML (CloudFormation may give back a JSON template reformatted).
pub fn templates_equal(deployed: &str, new: &str) -> bool {
    if deployed == new {
        return true;
    }
    if let (Ok(a), Ok(b)) = (
        serde_json::from_str::<serde_json::Value>(deployed),
        serde_json::from_str::<serde_json::Value>(new),
    ) {
        return a == b;
    }
    match (
        serde_yaml::from_str::<serde_yaml::Value>(deployed),
        serde_yaml::from_str::<serde_yaml::Value>(new),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// What is deployed now, as far as the skip decision needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeployedState {
    /// The original template body (`GetTemplate`, stage `Original`).
    pub template_body: String,
    /// Parameter values of the stack.
    pub parameters: BTreeMap<String, String>,
    /// Stack tags.
    pub tags: BTreeMap<String, String>,
}

/// Whether a deploy of `template_body` with `parameters` and `tags` would change nothing.
pub fn is_unchanged(
    deployed: &DeployedState,
    template_body: &str,
    parameters: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
) -> bool {
    deployed.parameters == *parameters
        && deployed.tags == *tags
        && templates_equal(&deployed.template_body, template_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_documented_empty_reasons_are_recognised() {
        assert!(is_empty_change_set(Some(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        )));
        assert!(is_empty_change_set(Some("No updates are to be performed.")));
        assert!(!is_empty_change_set(Some(
            "Template format error: Unresolved resource dependencies [X]"
        )));
        assert!(!is_empty_change_set(None));
    }

    #[test]
    fn reformatted_json_is_the_same_template() {
        assert!(templates_equal(
            r#"{"a": 1, "b": [1, 2]}"#,
            r#"{"b":[1,2],"a":1}"#
        ));
        assert!(!templates_equal(r#"{"a": 1}"#, r#"{"a": 2}"#));
        assert!(templates_equal("a: 1\nb: x\n", "b: x\na: 1\n"));
        assert!(!templates_equal("a: 1\n", "a: 2\n"));
    }

    #[test]
    fn a_changed_parameter_or_tag_is_a_change() {
        let parameters = BTreeMap::from([("RetentionHours".to_owned(), "24".to_owned())]);
        let deployed = DeployedState {
            template_body: "{}".to_owned(),
            parameters: parameters.clone(),
            tags: BTreeMap::new(),
        };
        assert!(is_unchanged(
            &deployed,
            "{ }",
            &parameters,
            &BTreeMap::new()
        ));
        let changed = BTreeMap::from([("RetentionHours".to_owned(), "48".to_owned())]);
        assert!(!is_unchanged(&deployed, "{}", &changed, &BTreeMap::new()));
        let tags = BTreeMap::from([("team".to_owned(), "x".to_owned())]);
        assert!(!is_unchanged(&deployed, "{}", &parameters, &tags));
    }
}
