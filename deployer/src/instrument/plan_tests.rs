use std::collections::BTreeMap;

use super::*;
use crate::instrument::record::RECORD_TAG;

pub const LAYER: &str = "arn:aws:lambda:eu-west-3:123456789012:layer:stack-ext";
const ROLE: &str = "arn:aws:iam::123456789012:role/app-role";
const STREAM: &str = "TELEMETRY_KINESIS_STREAM_NAME";

pub fn desired() -> Desired {
    Desired {
        stack: "stack".to_owned(),
        layer: format!("{LAYER}:4").parse().unwrap(),
        layer_architectures: vec!["x86_64".to_owned()],
        policy: "arn:aws:iam::123456789012:policy/write".to_owned(),
        variables: BTreeMap::from([(STREAM.to_owned(), "s".to_owned())]),
        account: "123456789012".to_owned(),
        force: false,
    }
}

pub fn function() -> FunctionState {
    FunctionState {
        name: "f".to_owned(),
        arn: "arn:aws:lambda:eu-west-3:123456789012:function:f".to_owned(),
        runtime: Some("python3.13".to_owned()),
        layers: vec!["arn:aws:lambda:eu-west-3:123456789012:layer:other:1".to_owned()],
        variables: BTreeMap::from([("APP".to_owned(), "x".to_owned())]),
        role: ROLE.to_owned(),
        tags: BTreeMap::from([("team".to_owned(), "a".to_owned())]),
        ..FunctionState::default()
    }
}

fn planned(function: &FunctionState, desired: &Desired, attached: bool) -> Change {
    let record = check(function, desired).unwrap();
    plan(function, desired, record, attached).unwrap()
}

/// The function after `change`.
fn apply(mut function: FunctionState, change: &Change) -> FunctionState {
    function.layers.clone_from(&change.layers_after);
    function.variables.clone_from(&change.variables_after);
    function.tags.extend(change.set_tags.clone());
    for key in &change.remove_tags {
        function.tags.remove(key);
    }
    function
}

#[test]
fn the_layer_is_appended_variables_set_policy_attached_and_recorded() {
    let function = function();
    let change = planned(&function, &desired(), false);
    assert_eq!(
        change.layers_after,
        [function.layers[0].clone(), format!("{LAYER}:4")]
    );
    assert_eq!(change.variables_after[STREAM], "s");
    assert_eq!(change.variables_after["APP"], "x");
    assert!(matches!(change.policy, Some(PolicyAction::Attach { .. })));
    assert!(change.set_tags.contains_key(RECORD_TAG));
    let record = Record::from_tags(&apply(function, &change).tags)
        .unwrap()
        .unwrap();
    assert_eq!(
        record.variables,
        BTreeMap::from([(STREAM.to_owned(), None)])
    );
    assert_eq!(record.policy.as_deref(), Some(desired().policy.as_str()));
    assert_eq!(record.layer.unwrap().replaced, None);
}

#[test]
fn a_second_run_changes_nothing() {
    let function = function();
    let change = planned(&function, &desired(), false);
    let after = apply(function, &change);
    assert!(planned(&after, &desired(), true).is_empty());
}

#[test]
fn an_older_version_is_replaced_in_place_and_remembered() {
    let mut function = function();
    function.layers.insert(0, format!("{LAYER}:2"));
    let change = planned(&function, &desired(), true);
    assert_eq!(change.layers_after[0], format!("{LAYER}:4"));
    assert_eq!(change.layers_after.len(), 2);
    assert_eq!(change.policy, None);
    let after = apply(function, &change);
    let record = Record::from_tags(&after.tags).unwrap().unwrap();
    assert_eq!(
        record.layer.as_ref().unwrap().replaced.as_deref(),
        Some(format!("{LAYER}:2").as_str())
    );
    assert_eq!(record.policy, None);

    // The stack moves on: the next version replaces ours, and the record keeps version 2.
    let mut newer = desired();
    newer.layer = format!("{LAYER}:5").parse().unwrap();
    newer
        .variables
        .insert("TELEMETRY_KINESIS_FLUSH".to_owned(), "end".to_owned());
    let change = planned(&after, &newer, true);
    assert_eq!(change.layers_after[0], format!("{LAYER}:5"));
    let record = Record::from_tags(&apply(after, &change).tags)
        .unwrap()
        .unwrap();
    assert_eq!(record.layer.unwrap().replaced, Some(format!("{LAYER}:2")));
    assert_eq!(record.variables.len(), 2);
}

#[test]
fn a_variable_already_right_is_not_recorded() {
    let mut function = function();
    function.variables.insert(STREAM.to_owned(), "s".to_owned());
    let change = planned(&function, &desired(), true);
    let record = Record::from_tags(&apply(function, &change).tags)
        .unwrap()
        .unwrap();
    assert!(record.variables.is_empty());
}

fn refusal(function: &FunctionState, desired: &Desired) -> Refusal {
    match check(function, desired) {
        Err(refusal) => refusal,
        Ok(record) => plan(function, desired, record, false).unwrap_err(),
    }
}

#[test]
fn each_limit_refuses_with_its_reason() {
    let desired = desired();
    let mut arm = function();
    arm.architectures = vec!["arm64".to_owned()];
    let reason = refusal(&arm, &desired);
    assert!(matches!(reason, Refusal::Architecture { .. }));
    assert!(
        reason.to_string().contains("--architecture arm64"),
        "{reason}"
    );

    let mut full = function();
    full.layers = (0..5)
        .map(|n| format!("arn:aws:lambda:eu-west-3:1:layer:l{n}:1"))
        .collect();
    assert_eq!(
        refusal(&full, &desired),
        Refusal::TooManyLayers { count: 5 }
    );
    // Replacing our older version needs no room.
    full.layers[4] = format!("{LAYER}:1");
    assert!(plan(&full, &desired, None, true).is_ok());

    let mut old = function();
    old.runtime = Some("go1.x".to_owned());
    assert!(
        refusal(&old, &desired)
            .to_string()
            .contains("provided.al2023")
    );

    let mut image = function();
    image.image = true;
    image.runtime = None;
    assert!(
        refusal(&image, &desired)
            .to_string()
            .contains("examples/container/")
    );

    let mut foreign = function();
    foreign.role = "arn:aws:iam::999999999999:role/r".to_owned();
    assert!(matches!(
        refusal(&foreign, &desired),
        Refusal::RoleInAnotherAccount { .. }
    ));

    let mut large = function();
    large.variables.insert("BIG".to_owned(), "x".repeat(4070));
    let Refusal::VariablesTooLarge { bytes } = refusal(&large, &desired) else {
        panic!("not refused for its variables");
    };
    assert!(bytes > MAX_VARIABLES_BYTES);

    let mut tagged = function();
    tagged
        .tags
        .extend((0..49).map(|n| (format!("t{n}"), "v".to_owned())));
    assert!(matches!(
        refusal(&tagged, &desired),
        Refusal::TooManyTags { .. }
    ));
}

#[test]
fn a_cloudformation_function_needs_force() {
    let mut managed = function();
    managed
        .tags
        .insert(CLOUDFORMATION_STACK_TAG.to_owned(), "app".to_owned());
    let reason = refusal(&managed, &desired());
    assert_eq!(reason.cloudformation_stack(), Some("app"));
    let mut forced = desired();
    forced.force = true;
    assert!(!planned(&managed, &forced, false).is_empty());
}

#[test]
fn another_stacks_function_is_refused() {
    let function = function();
    let change = planned(&function, &desired(), false);
    let after = apply(function, &change);
    let mut other = desired();
    other.stack = "other".to_owned();
    assert_eq!(
        refusal(&after, &other),
        Refusal::OtherStack {
            stack: "stack".to_owned()
        }
    );
    let mut other_layer = desired();
    other_layer.layer = "arn:aws:lambda:eu-west-3:1:layer:else:1".parse().unwrap();
    assert!(matches!(
        refusal(&after, &other_layer),
        Refusal::OtherLayer { .. }
    ));
}
