//! Instrumenting one function, decided without calling anything: the checks that refuse it
//! ([`check`]), then the change that adds the layer, sets the variables, attaches the
//! policy and records all of it ([`plan`]). A function already instrumented gives an empty
//! change; one instrumented before with other values gives only the difference, and its
//! record keeps what was there before the first run.

use std::collections::BTreeMap;

use super::arn::{LayerVersionArn, account_of};
use super::function::{Change, FunctionState, PolicyAction, variables_size};
use super::record::{LayerChange, MAX_TAGS, Record, record_keys};
use super::refusal::{CLOUDFORMATION_STACK_TAG, MAX_LAYERS, MAX_VARIABLES_BYTES, Refusal};
use super::runtimes::without_extensions;

/// What instrumenting puts on a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The stack whose layer and policy these are.
    pub stack: String,
    /// The layer version.
    pub layer: LayerVersionArn,
    /// The layer's compatible architectures (empty: not stated, not checked).
    pub layer_architectures: Vec<String>,
    /// The write policy.
    pub policy: String,
    /// The variables to set.
    pub variables: BTreeMap<String, String>,
    /// The caller's account: the role must be in it to attach the policy.
    pub account: String,
    /// Instrument functions a CloudFormation stack manages anyway.
    pub force: bool,
}

/// The checks that need nothing but the function: the reason to leave it alone, or its
/// record (when an earlier run of this stack left one).
pub fn check(function: &FunctionState, desired: &Desired) -> Result<Option<Record>, Refusal> {
    let record = Record::from_tags(&function.tags).map_err(Refusal::Unreadable)?;
    if function.image {
        return Err(Refusal::Image);
    }
    if let Some(entry) = function.runtime.as_deref().and_then(without_extensions) {
        return Err(Refusal::Runtime {
            runtime: entry.runtime.to_owned(),
            instead: entry.instead,
        });
    }
    let architectures = function.architectures();
    if !desired.layer_architectures.is_empty()
        && !architectures
            .iter()
            .all(|architecture| desired.layer_architectures.contains(architecture))
    {
        return Err(Refusal::Architecture {
            function: architectures,
            layer: desired.layer_architectures.clone(),
        });
    }
    if account_of(&function.role) != Some(desired.account.as_str()) {
        return Err(Refusal::RoleInAnotherAccount {
            role: function.role.clone(),
            account: desired.account.clone(),
        });
    }
    if let Some(record) = &record {
        if record.stack != desired.stack {
            return Err(Refusal::OtherStack {
                stack: record.stack.clone(),
            });
        }
        if let Some(layer) = &record.layer
            && layer.layer != desired.layer.layer
        {
            return Err(Refusal::OtherLayer {
                layer: layer.layer.clone(),
            });
        }
    }
    if let Some(stack) = function.tags.get(CLOUDFORMATION_STACK_TAG)
        && !desired.force
    {
        return Err(Refusal::CloudFormation {
            stack: stack.clone(),
        });
    }
    Ok(record)
}

/// The change that instruments `function`, given its `record` (from [`check`]) and whether
/// its role has the policy already.
pub fn plan(
    function: &FunctionState,
    desired: &Desired,
    record: Option<Record>,
    policy_attached: bool,
) -> Result<Change, Refusal> {
    let mut change = Change::from(function);
    let mut record = record.unwrap_or_else(|| Record {
        stack: desired.stack.clone(),
        ..Record::default()
    });

    let wanted = desired.layer.arn();
    let layers = &mut change.layers_after;
    match layers
        .iter()
        .position(|arn| desired.layer.is_same_layer(arn))
    {
        Some(index) if layers[index] == wanted => {}
        Some(index) => {
            let replaced = std::mem::replace(&mut layers[index], wanted);
            record.layer.get_or_insert(LayerChange {
                layer: desired.layer.layer.clone(),
                replaced: Some(replaced),
            });
        }
        None => {
            layers.push(wanted);
            record.layer.get_or_insert(LayerChange {
                layer: desired.layer.layer.clone(),
                replaced: None,
            });
        }
    }
    if change.layers_after.len() > MAX_LAYERS {
        return Err(Refusal::TooManyLayers {
            count: function.layers.len(),
        });
    }

    for (name, value) in &desired.variables {
        let before = change.variables_after.insert(name.clone(), value.clone());
        if before.as_ref() != Some(value) {
            // The first value seen is the one to restore; a later run keeps it.
            record.variables.entry(name.clone()).or_insert(before);
        }
    }
    let bytes = variables_size(&change.variables_after);
    if bytes > MAX_VARIABLES_BYTES {
        return Err(Refusal::VariablesTooLarge { bytes });
    }

    if !policy_attached {
        change.policy = Some(PolicyAction::Attach {
            policy: desired.policy.clone(),
            role: function.role.clone(),
        });
        record.policy = Some(desired.policy.clone());
    }

    let tags = record.to_tags();
    let old_keys = record_keys(&function.tags);
    change.set_tags = tags
        .iter()
        .filter(|(key, value)| function.tags.get(*key) != Some(*value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    change.remove_tags = old_keys
        .into_iter()
        .filter(|key| !tags.contains_key(key))
        .collect();
    let count = function.tags.len() - change.remove_tags.len()
        + tags
            .keys()
            .filter(|key| !function.tags.contains_key(*key))
            .count();
    if count > MAX_TAGS {
        return Err(Refusal::TooManyTags { count });
    }
    Ok(change)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
pub(crate) mod tests;
