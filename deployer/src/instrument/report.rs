//! What `instrument` and `uninstrument` did (or, with `--dry-run`, would do) to each
//! function: a text report for people and one JSON document with `--json`, from one value.

use std::fmt;

use serde::Serialize;

use super::function::{Change, PolicyAction, VariableChange};
use super::snippet::TemplateLines;
use crate::output::plural;

/// How one function ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Instrumented by this run.
    Instrumented,
    /// `--dry-run`: would be instrumented.
    WouldInstrument,
    /// Already instrumented: nothing changed.
    AlreadyInstrumented,
    /// Uninstrumented by this run.
    Uninstrumented,
    /// `--dry-run`: would be uninstrumented.
    WouldUninstrument,
    /// No record of this stack's instrumenting: nothing changed.
    NotInstrumented,
    /// Left unchanged, for the reason given.
    Refused,
    /// A call failed.
    Failed,
}

impl Outcome {
    /// As the text report says it.
    pub const fn text(self) -> &'static str {
        match self {
            Self::Instrumented => "instrumented",
            Self::WouldInstrument => "would be instrumented",
            Self::AlreadyInstrumented => "already instrumented",
            Self::Uninstrumented => "uninstrumented",
            Self::WouldUninstrument => "would be uninstrumented",
            Self::NotInstrumented => "not instrumented",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }
}

/// A function's layers before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayersChange {
    /// Before, in order.
    pub before: Vec<String>,
    /// After, in order.
    pub after: Vec<String>,
}

/// The changes made to one function (or that would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Its layers, when they change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers: Option<LayersChange>,
    /// Its variables that change.
    pub variables: Vec<VariableChange>,
    /// What is done to its role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyAction>,
}

impl From<&Change> for Changes {
    fn from(change: &Change) -> Self {
        Self {
            layers: (change.layers_before != change.layers_after).then(|| LayersChange {
                before: change.layers_before.clone(),
                after: change.layers_after.clone(),
            }),
            variables: change.variable_changes(),
            policy: change.policy.clone(),
        }
    }
}

/// One function's line in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionReport {
    /// The function, by name (as given when it could not be read).
    pub function: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it was refused or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What changed, or would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// For a function a CloudFormation stack manages: the lines to add to its template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateLines>,
    /// Anything else worth knowing (a policy kept for another function).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl FunctionReport {
    /// A report with no reason, changes or notes yet.
    pub fn new(function: impl Into<String>, outcome: Outcome) -> Self {
        Self {
            function: function.into(),
            outcome,
            reason: None,
            changes: None,
            template: None,
            notes: Vec::new(),
        }
    }

    /// With the reason.
    pub fn because(mut self, reason: impl ToString) -> Self {
        self.reason = Some(reason.to_string());
        self
    }

    /// The line progress prints when it ends.
    pub fn progress_line(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{}: {}: {reason}", self.function, self.outcome.text()),
            None => format!("{}: {}", self.function, self.outcome.text()),
        }
    }
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// `instrument` or `uninstrument`.
    pub command: &'static str,
    /// The stack.
    pub stack_name: String,
    /// The region.
    pub region: String,
    /// Whether nothing was changed on purpose.
    pub dry_run: bool,
    /// The layer version put on functions (`instrument`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer_arn: Option<String>,
    /// The write policy attached to roles (`instrument`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<String>,
    /// The stream the functions' telemetry goes to (`instrument`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// Each function, in the order selected.
    pub functions: Vec<FunctionReport>,
}

impl RunReport {
    /// How many functions ended with `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.functions
            .iter()
            .filter(|function| function.outcome == outcome)
            .count()
    }
}

impl RunReport {
    /// Prints the report on stdout: text, or one JSON document.
    pub fn print(&self, json: bool) -> miette::Result<()> {
        let text = if json {
            let mut text = serde_json::to_string_pretty(self)
                .map_err(|error| miette::miette!("cannot write the report as JSON: {error}"))?;
            text.push('\n');
            text
        } else {
            self.to_string()
        };
        crate::output::print_stdout(&text)
    }

    /// The run's end: an error (exit 1) when any function was refused or failed.
    pub fn finish(&self) -> Result<(), super::NotAllDone> {
        let refused = self.count(Outcome::Refused);
        let failed = self.count(Outcome::Failed);
        if refused + failed > 0 {
            return Err(super::NotAllDone {
                what: self.command,
                refused,
                failed,
            });
        }
        Ok(())
    }
}

fn write_changes(f: &mut fmt::Formatter<'_>, changes: &Changes) -> fmt::Result {
    if let Some(layers) = &changes.layers {
        let mut label = "layers";
        for removed in layers.before.iter().filter(|l| !layers.after.contains(l)) {
            writeln!(f, "    {label:<10} - {removed}")?;
            label = "";
        }
        for added in layers.after.iter().filter(|l| !layers.before.contains(l)) {
            writeln!(f, "    {label:<10} + {added}")?;
            label = "";
        }
    }
    let mut label = "variables";
    for variable in &changes.variables {
        let quoted = |value: &str| serde_json::Value::String(value.to_owned()).to_string();
        match (&variable.before, &variable.after) {
            (None, Some(after)) => {
                writeln!(f, "    {label:<10} + {}={}", variable.name, quoted(after))?
            }
            (Some(before), None) => {
                writeln!(
                    f,
                    "    {label:<10} - {} (was {})",
                    variable.name,
                    quoted(before)
                )?;
            }
            (Some(before), Some(after)) => writeln!(
                f,
                "    {label:<10} ~ {}={} (was {})",
                variable.name,
                quoted(after),
                quoted(before)
            )?,
            (None, None) => {}
        }
        label = "";
    }
    match &changes.policy {
        Some(PolicyAction::Attach { policy, role }) => {
            writeln!(f, "    {:<10} + attach {policy} to {role}", "policy")
        }
        Some(PolicyAction::Detach { policy, role }) => {
            writeln!(f, "    {:<10} - detach {policy} from {role}", "policy")
        }
        None => Ok(()),
    }
}

/// The changes about to be made, by function, shown before asking whether to make them.
pub fn preview<'a>(changes: impl IntoIterator<Item = (&'a str, &'a Change)>) -> String {
    struct Preview(Vec<(String, Changes)>);
    impl fmt::Display for Preview {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for (function, changes) in &self.0 {
                writeln!(f, "{function}")?;
                write_changes(f, changes)?;
            }
            Ok(())
        }
    }
    let changes = changes
        .into_iter()
        .map(|(function, change)| (function.to_owned(), Changes::from(change)))
        .collect();
    Preview(changes).to_string()
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for function in &self.functions {
            write!(f, "{}  {}", function.function, function.outcome.text())?;
            match &function.reason {
                Some(reason) => writeln!(f, ": {reason}")?,
                None => writeln!(f)?,
            }
            if let Some(changes) = &function.changes {
                write_changes(f, changes)?;
            }
            for note in &function.notes {
                writeln!(f, "    {note}")?;
            }
            if let Some(template) = &function.template {
                for line in template.cloudformation.lines().chain(template.cdk.lines()) {
                    writeln!(f, "    {line}")?;
                }
            }
        }
        let mut counts = Vec::new();
        let mut outcomes: Vec<Outcome> = self.functions.iter().map(|f| f.outcome).collect();
        outcomes.sort_unstable();
        outcomes.dedup();
        for outcome in outcomes {
            counts.push(format!("{} {}", self.count(outcome), outcome.text()));
        }
        let what = plural(self.functions.len(), "function");
        if counts.is_empty() {
            writeln!(f, "{what}")
        } else {
            writeln!(f, "{what}: {}", counts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn the_text_report_shows_each_change() {
        let change = Change {
            layers_before: vec!["a:1".to_owned(), "ext:2".to_owned()],
            layers_after: vec!["a:1".to_owned(), "ext:4".to_owned()],
            variables_before: BTreeMap::from([("F".to_owned(), "end".to_owned())]),
            variables_after: BTreeMap::from([
                ("F".to_owned(), "background".to_owned()),
                ("S".to_owned(), "s".to_owned()),
            ]),
            policy: Some(PolicyAction::Attach {
                policy: "p".to_owned(),
                role: "r".to_owned(),
            }),
            ..Change::default()
        };
        let mut report = FunctionReport::new("f1", Outcome::WouldInstrument);
        report.changes = Some(Changes::from(&change));
        let run = RunReport {
            command: "instrument",
            stack_name: "s".to_owned(),
            region: "eu-west-3".to_owned(),
            dry_run: true,
            layer_arn: None,
            policy_arn: None,
            stream: None,
            functions: vec![
                report,
                FunctionReport::new("f2", Outcome::Refused).because("no room"),
            ],
        };
        assert_eq!(
            run.to_string(),
            "f1  would be instrumented\n\
             \x20   layers     - ext:2\n\
             \x20              + ext:4\n\
             \x20   variables  ~ F=\"background\" (was \"end\")\n\
             \x20              + S=\"s\"\n\
             \x20   policy     + attach p to r\n\
             f2  refused: no room\n\
             2 functions: 1 would be instrumented, 1 refused\n"
        );
        let json = serde_json::to_value(&run).unwrap();
        assert_eq!(json["functions"][0]["outcome"], "would_instrument");
        assert_eq!(
            json["functions"][0]["changes"]["policy"]["action"],
            "attach"
        );
        assert_eq!(json["functions"][1]["reason"], "no room");
    }
}
