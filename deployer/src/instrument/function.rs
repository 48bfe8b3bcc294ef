//! A function as instrumenting sees it ([`FunctionState`]), and one change to it
//! ([`Change`]): its layers and variables before and after, the policy to attach to or
//! detach from its role, and the record tags to set or remove. Instrumenting and
//! uninstrumenting both produce a [`Change`]; applying, printing and `--dry-run` read it.

use std::collections::BTreeMap;

use serde::Serialize;

/// The architecture Lambda runs a function on when it names none.
pub const DEFAULT_ARCHITECTURE: &str = "x86_64";

/// A function's configuration and tags, as `GetFunction` returns them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionState {
    /// Its name.
    pub name: String,
    /// Its unqualified ARN.
    pub arn: String,
    /// Its runtime; `None` for a container image.
    pub runtime: Option<String>,
    /// Whether it is a container image (`PackageType: Image`).
    pub image: bool,
    /// Its architectures (Lambda's names).
    pub architectures: Vec<String>,
    /// Its layer version ARNs, in order.
    pub layers: Vec<String>,
    /// Its environment variables.
    pub variables: BTreeMap<String, String>,
    /// Its execution role's ARN.
    pub role: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// The revision read, so an update applies only to what was read.
    pub revision: Option<String>,
}

impl FunctionState {
    /// The architectures it runs on, Lambda's default when it names none.
    pub fn architectures(&self) -> Vec<String> {
        if self.architectures.is_empty() {
            vec![DEFAULT_ARCHITECTURE.to_owned()]
        } else {
            self.architectures.clone()
        }
    }
}

/// What is done to the function's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum PolicyAction {
    /// Attach the policy to the role.
    Attach {
        /// The policy's ARN.
        policy: String,
        /// The role's ARN.
        role: String,
    },
    /// Detach the policy from the role.
    Detach {
        /// The policy's ARN.
        policy: String,
        /// The role's ARN.
        role: String,
    },
}

/// One variable's value before and after (`None`: not set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariableChange {
    /// The variable.
    pub name: String,
    /// Its value before.
    pub before: Option<String>,
    /// Its value after.
    pub after: Option<String>,
}

/// Everything one run does to one function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// The layers before.
    pub layers_before: Vec<String>,
    /// The layers after.
    pub layers_after: Vec<String>,
    /// The variables before.
    pub variables_before: BTreeMap<String, String>,
    /// The variables after.
    pub variables_after: BTreeMap<String, String>,
    /// What is done to the role.
    pub policy: Option<PolicyAction>,
    /// Record tags to set (key to value).
    pub set_tags: BTreeMap<String, String>,
    /// Record tags to remove.
    pub remove_tags: Vec<String>,
}

impl Change {
    /// A change that starts from `function` and changes nothing yet.
    pub fn from(function: &FunctionState) -> Self {
        Self {
            layers_before: function.layers.clone(),
            layers_after: function.layers.clone(),
            variables_before: function.variables.clone(),
            variables_after: function.variables.clone(),
            ..Self::default()
        }
    }

    /// Whether the function's configuration (layers or variables) changes.
    pub fn changes_configuration(&self) -> bool {
        self.layers_before != self.layers_after || self.variables_before != self.variables_after
    }

    /// Whether the tags change.
    pub fn changes_tags(&self) -> bool {
        !self.set_tags.is_empty() || !self.remove_tags.is_empty()
    }

    /// Whether nothing at all changes.
    pub fn is_empty(&self) -> bool {
        !self.changes_configuration() && !self.changes_tags() && self.policy.is_none()
    }

    /// The variables whose value changes, by name.
    pub fn variable_changes(&self) -> Vec<VariableChange> {
        let mut names: Vec<&String> = self
            .variables_before
            .keys()
            .chain(self.variables_after.keys())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .filter_map(|name| {
                let before = self.variables_before.get(name);
                let after = self.variables_after.get(name);
                (before != after).then(|| VariableChange {
                    name: name.clone(),
                    before: before.cloned(),
                    after: after.cloned(),
                })
            })
            .collect()
    }
}

/// The size Lambda measures against its 4 KB limit: the variables as one JSON object (its
/// error message shows the "String measured", which is that JSON).
pub fn variables_size(variables: &BTreeMap<String, String>) -> usize {
    serde_json::to_string(variables).map_or(usize::MAX, |json| json.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_seen_per_part() {
        let function = FunctionState {
            layers: vec!["a:1".to_owned()],
            variables: BTreeMap::from([("K".to_owned(), "v".to_owned())]),
            ..FunctionState::default()
        };
        let mut change = Change::from(&function);
        assert!(change.is_empty());
        change
            .variables_after
            .insert("K".to_owned(), "w".to_owned());
        change
            .variables_after
            .insert("N".to_owned(), "n".to_owned());
        assert!(change.changes_configuration());
        let names: Vec<(String, Option<String>)> = change
            .variable_changes()
            .into_iter()
            .map(|c| (c.name, c.before))
            .collect();
        assert_eq!(
            names,
            [
                ("K".to_owned(), Some("v".to_owned())),
                ("N".to_owned(), None)
            ]
        );
        assert_eq!(function.architectures(), ["x86_64"]);
    }

    #[test]
    fn the_size_is_the_json_object() {
        let variables = BTreeMap::from([("A".to_owned(), "b\"".to_owned())]);
        assert_eq!(variables_size(&variables), r#"{"A":"b\""}"#.len());
        assert_eq!(variables_size(&BTreeMap::new()), 2);
    }
}
