//! Uninstrumenting one function, decided without calling anything: exactly what its record
//! says `instrument` changed is put back (the layer version it replaced, in its place, or
//! no layer; each variable's previous value, or none), the policy it attached is to be
//! detached, and the record's tags go. Everything else stays as it is now.

use super::arn::is_version_of;
use super::function::{Change, FunctionState, PolicyAction};
use super::record::{Record, record_keys};
use super::refusal::Refusal;

/// The change that uninstruments `function` for stack `stack`: `None` when it holds no
/// record (never instrumented, or already uninstrumented).
pub fn plan_undo(function: &FunctionState, stack: &str) -> Result<Option<Change>, Refusal> {
    let Some(record) = Record::from_tags(&function.tags).map_err(Refusal::Unreadable)? else {
        return Ok(None);
    };
    if record.stack != stack {
        return Err(Refusal::OtherStack {
            stack: record.stack,
        });
    }
    let mut change = Change::from(function);
    if let Some(layer) = &record.layer {
        let layers = &mut change.layers_after;
        if let Some(index) = layers
            .iter()
            .position(|arn| is_version_of(arn, &layer.layer))
        {
            match &layer.replaced {
                Some(replaced) => layers[index].clone_from(replaced),
                None => {
                    layers.remove(index);
                }
            }
        }
    }
    for (name, previous) in &record.variables {
        match previous {
            Some(value) => {
                change.variables_after.insert(name.clone(), value.clone());
            }
            None => {
                change.variables_after.remove(name);
            }
        }
    }
    change.policy = record.policy.map(|policy| PolicyAction::Detach {
        policy,
        role: function.role.clone(),
    });
    change.remove_tags = record_keys(&function.tags);
    Ok(Some(change))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::instrument::plan::tests::{LAYER, desired, function};
    use crate::instrument::plan::{check, plan};

    fn instrumented(mut function: FunctionState, attached: bool) -> FunctionState {
        let desired = desired();
        let record = check(&function, &desired).unwrap();
        let change = plan(&function, &desired, record, attached).unwrap();
        function.layers = change.layers_after;
        function.variables = change.variables_after;
        function.tags.extend(change.set_tags);
        function
    }

    #[test]
    fn undo_restores_layers_and_variables_exactly() {
        let mut before = function();
        before.layers = vec![
            "arn:aws:lambda:eu-west-3:1:layer:a:1".to_owned(),
            format!("{LAYER}:2"),
            "arn:aws:lambda:eu-west-3:1:layer:b:1".to_owned(),
        ];
        before.variables = BTreeMap::from([
            ("APP".to_owned(), "x".to_owned()),
            (
                "TELEMETRY_KINESIS_FLUSH".to_owned(),
                "background".to_owned(),
            ),
        ]);
        let after = instrumented(before.clone(), false);
        assert_ne!(after.layers, before.layers);
        let undo = plan_undo(&after, "stack").unwrap().unwrap();
        assert_eq!(undo.layers_after, before.layers);
        assert_eq!(undo.variables_after, before.variables);
        assert_eq!(
            undo.policy,
            Some(PolicyAction::Detach {
                policy: "arn:aws:iam::123456789012:policy/write".to_owned(),
                role: before.role.clone(),
            })
        );
        assert_eq!(undo.remove_tags.len(), after.tags.len() - before.tags.len());
        assert!(!undo.remove_tags.contains(&"team".to_owned()));
    }

    #[test]
    fn an_added_layer_is_removed_and_a_policy_found_attached_stays() {
        let before = function();
        let after = instrumented(before.clone(), true);
        let undo = plan_undo(&after, "stack").unwrap().unwrap();
        assert_eq!(undo.layers_after, before.layers);
        assert_eq!(undo.variables_after, before.variables);
        assert_eq!(undo.policy, None);
    }

    #[test]
    fn what_changed_since_is_kept() {
        let mut after = instrumented(function(), false);
        after.variables.insert("LATER".to_owned(), "1".to_owned());
        after
            .layers
            .push("arn:aws:lambda:eu-west-3:1:layer:later:1".to_owned());
        let undo = plan_undo(&after, "stack").unwrap().unwrap();
        assert_eq!(
            undo.variables_after.get("LATER").map(String::as_str),
            Some("1")
        );
        assert_eq!(
            undo.layers_after,
            [
                function().layers[0].as_str(),
                "arn:aws:lambda:eu-west-3:1:layer:later:1"
            ]
        );
    }

    #[test]
    fn without_a_record_nothing_and_another_stacks_record_is_refused() {
        assert_eq!(plan_undo(&function(), "stack"), Ok(None));
        let after = instrumented(function(), false);
        assert_eq!(
            plan_undo(&after, "other"),
            Err(Refusal::OtherStack {
                stack: "stack".to_owned()
            })
        );
    }
}
