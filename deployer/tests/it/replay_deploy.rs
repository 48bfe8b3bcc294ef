//! Deploy behaviour moto does not reproduce, against scripted AWS-shaped answers. Each test is
//! named for the moto gap it covers (listed in `tests/README.md`).

use std::collections::BTreeMap;

use deployer::deploy::{DeployError, StackSpec};

use crate::replay::*;

const TEMPLATE: &str =
    r#"{"Resources":{"Stream":{"Type":"AWS::Kinesis::Stream","Properties":{"ShardCount":1}}}}"#;

fn spec() -> StackSpec {
    StackSpec {
        stack_name: "app".to_owned(),
        template_body: TEMPLATE.to_owned(),
        parameters: BTreeMap::from([("RetentionHours".to_owned(), "24".to_owned())]),
        tags: BTreeMap::new(),
    }
}

const STREAM: &str = "AWS::Kinesis::Stream";
const ROLE: &str = "AWS::IAM::Role";
const STACK: &str = "AWS::CloudFormation::Stack";

#[tokio::test]
async fn gap_resource_events_are_shown_once_oldest_first_across_pages() {
    let (engine, replay) = engine(vec![
        no_stack(),
        change_set_created(),
        change_set("CREATE_PENDING", None),
        change_set("CREATE_COMPLETE", None),
        executed(),
        stack("CREATE_IN_PROGRESS", &[], &[]),
        // First poll: two pages, newest first.
        events(
            &[
                event("e3", "Role", ROLE, "CREATE_IN_PROGRESS", None),
                event("e2", "Stream", STREAM, "CREATE_IN_PROGRESS", None),
            ],
            Some("page-2"),
        ),
        events(
            &[event(
                "e1",
                "app",
                STACK,
                "CREATE_IN_PROGRESS",
                Some("User Initiated"),
            )],
            None,
        ),
        stack("CREATE_COMPLETE", &[], &[("StreamName", "telemetry")]),
        // Second poll: new events on top of seen ones; paging stops at the first seen.
        events(
            &[
                event("e6", "app", STACK, "CREATE_COMPLETE", None),
                event("e5", "Role", ROLE, "CREATE_COMPLETE", None),
                event("e4", "Stream", STREAM, "CREATE_COMPLETE", None),
                event("e3", "Role", ROLE, "CREATE_IN_PROGRESS", None),
            ],
            Some("never-fetched"),
        ),
    ]);
    let mut recorder = Recorder::default();
    let report = engine.deploy(&spec(), &mut recorder).await.unwrap();

    assert!(report.changed);
    assert_eq!(report.status, "CREATE_COMPLETE");
    assert_eq!(report.outputs["StreamName"], "telemetry");
    assert_eq!(recorder.event_ids(), ["e1", "e2", "e3", "e4", "e5", "e6"]);
    assert_eq!(
        actions(&replay),
        [
            "DescribeStacks",
            "CreateChangeSet",
            "DescribeChangeSet",
            "DescribeChangeSet",
            "ExecuteChangeSet",
            "DescribeStacks",
            "DescribeStackEvents",
            "DescribeStackEvents",
            "DescribeStacks",
            "DescribeStackEvents",
        ]
    );
    let create = request_body(&replay, 1);
    assert!(create.contains("ChangeSetType=CREATE"), "{create}");
    assert!(
        create.contains("CAPABILITY_IAM") && create.contains("CAPABILITY_NAMED_IAM"),
        "{create}"
    );
}

#[tokio::test]
async fn gap_create_failed_ends_with_the_first_failed_resource() {
    let (engine, _replay) = engine(vec![
        no_stack(),
        change_set_created(),
        change_set("CREATE_COMPLETE", None),
        executed(),
        stack("ROLLBACK_COMPLETE", &[], &[]),
        events(
            &[
                event("e7", "app", STACK, "ROLLBACK_COMPLETE", None),
                event("e6", "Stream", STREAM, "DELETE_COMPLETE", None),
                event(
                    "e5",
                    "app",
                    STACK,
                    "ROLLBACK_IN_PROGRESS",
                    Some("The following resource(s) failed to create: [Role, Stream]."),
                ),
                event(
                    "e4",
                    "Role",
                    ROLE,
                    "CREATE_FAILED",
                    Some("Resource creation cancelled"),
                ),
                event(
                    "e3",
                    "Stream",
                    STREAM,
                    "CREATE_FAILED",
                    Some("Resource handler returned message: \"Shard count 0 is invalid\""),
                ),
                event("e2", "Stream", STREAM, "CREATE_IN_PROGRESS", None),
                event(
                    "e1",
                    "app",
                    STACK,
                    "CREATE_IN_PROGRESS",
                    Some("User Initiated"),
                ),
            ],
            None,
        ),
    ]);
    let error = engine
        .deploy(&spec(), &mut Recorder::default())
        .await
        .unwrap_err();
    let DeployError::Failed {
        status,
        root_cause,
        hint,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(status, "ROLLBACK_COMPLETE");
    let root_cause = root_cause.as_ref().unwrap();
    assert_eq!(root_cause.logical_id, "Stream");
    assert!(root_cause.reason.contains("Shard count 0 is invalid"));
    assert!(hint.contains("next `deployer up`"), "{hint}");
    assert!(
        error
            .to_string()
            .contains("Stream (AWS::Kinesis::Stream) CREATE_FAILED"),
        "{error}"
    );
}

#[tokio::test]
async fn gap_rollback_complete_is_deleted_and_created_again() {
    let (engine, replay) = engine(vec![
        stack("ROLLBACK_COMPLETE", &[], &[]),
        events(
            &[event("old", "app", STACK, "ROLLBACK_COMPLETE", None)],
            None,
        ),
        stack_deleted(),
        stack("DELETE_COMPLETE", &[], &[]),
        events(
            &[
                event("d2", "app", STACK, "DELETE_COMPLETE", None),
                event("d1", "app", STACK, "DELETE_IN_PROGRESS", None),
            ],
            None,
        ),
        change_set_created(),
        change_set("CREATE_COMPLETE", None),
        executed(),
        stack("CREATE_COMPLETE", &[], &[]),
        events(&[event("c1", "app", STACK, "CREATE_COMPLETE", None)], None),
    ]);
    let mut recorder = Recorder::default();
    let report = engine.deploy(&spec(), &mut recorder).await.unwrap();
    assert!(report.recreated && report.changed);
    assert!(
        recorder.notes()[0]
            .contains("ROLLBACK_COMPLETE after a failed create: deleting it and creating it again")
    );
    assert_eq!(recorder.event_ids(), ["d1", "d2", "c1"]);
    assert_eq!(actions(&replay)[2], "DeleteStack");
    assert!(request_body(&replay, 5).contains("ChangeSetType=CREATE"));
}

#[tokio::test]
async fn gap_update_rollback_failed_says_continue_update_rollback() {
    let (engine, replay) = engine(vec![stack("UPDATE_ROLLBACK_FAILED", &[], &[])]);
    let error = engine
        .deploy(&spec(), &mut Recorder::default())
        .await
        .unwrap_err();
    let DeployError::NotUpdatable { status, hint, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(status, "UPDATE_ROLLBACK_FAILED");
    assert!(
        hint.contains("aws cloudformation continue-update-rollback --stack-name app"),
        "{hint}"
    );
    assert_eq!(
        actions(&replay).len(),
        1,
        "nothing attempted on a stuck stack"
    );
}

#[tokio::test]
async fn gap_stack_busy_with_another_operation_is_refused() {
    let (engine, _replay) = engine(vec![stack("UPDATE_IN_PROGRESS", &[], &[])]);
    let error = engine
        .deploy(&spec(), &mut Recorder::default())
        .await
        .unwrap_err();
    let DeployError::Busy { hint, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(
        hint.contains("aws cloudformation wait stack-update-complete --stack-name app"),
        "{hint}"
    );
}

#[tokio::test]
async fn gap_update_failure_rolls_back_with_root_cause_and_hides_history() {
    let (engine, replay) = engine(vec![
        stack("CREATE_COMPLETE", &[("RetentionHours", "48")], &[]),
        template(&TEMPLATE.replace('"', "&quot;")),
        change_set_created(),
        events(
            &[event("h1", "app", STACK, "CREATE_COMPLETE", None)],
            Some("history"),
        ),
        change_set("CREATE_COMPLETE", None),
        executed(),
        stack("UPDATE_ROLLBACK_COMPLETE", &[], &[]),
        events(
            &[
                event("u4", "app", STACK, "UPDATE_ROLLBACK_COMPLETE", None),
                event(
                    "u3",
                    "Function",
                    "AWS::Lambda::Function",
                    "UPDATE_FAILED",
                    Some(
                        "Layer version arn:aws:lambda:us-east-1:123456789012:layer:x:9 does not exist.",
                    ),
                ),
                event(
                    "u2",
                    "Function",
                    "AWS::Lambda::Function",
                    "UPDATE_IN_PROGRESS",
                    None,
                ),
                event(
                    "u1",
                    "app",
                    STACK,
                    "UPDATE_IN_PROGRESS",
                    Some("User Initiated"),
                ),
                event("h1", "app", STACK, "CREATE_COMPLETE", None),
            ],
            None,
        ),
    ]);
    let mut recorder = Recorder::default();
    let error = engine.deploy(&spec(), &mut recorder).await.unwrap_err();
    let DeployError::Failed {
        status,
        root_cause,
        hint,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(status, "UPDATE_ROLLBACK_COMPLETE");
    assert_eq!(root_cause.as_ref().unwrap().logical_id, "Function");
    assert!(hint.contains("previous state"), "{hint}");
    assert_eq!(recorder.event_ids(), ["u1", "u2", "u3", "u4"]);
    assert!(request_body(&replay, 2).contains("ChangeSetType=UPDATE"));
}

#[tokio::test]
async fn unchanged_template_and_parameters_skip_the_change_set() {
    let (engine, replay) = engine(vec![
        stack(
            "UPDATE_COMPLETE",
            &[("RetentionHours", "24")],
            &[("StreamName", "telemetry")],
        ),
        // Reformatted by CloudFormation: same document.
        template(&TEMPLATE.replace('"', "&quot;").replace(',', ", ")),
    ]);
    let report = engine
        .deploy(&spec(), &mut Recorder::default())
        .await
        .unwrap();
    assert!(!report.changed);
    assert_eq!(report.status, "UPDATE_COMPLETE");
    assert_eq!(report.outputs["StreamName"], "telemetry");
    assert_eq!(actions(&replay), ["DescribeStacks", "GetTemplate"]);
    assert!(request_body(&replay, 1).contains("TemplateStage=Original"));
}

#[tokio::test]
async fn empty_change_set_is_success_and_is_deleted() {
    let (engine, replay) = engine(vec![
        stack("UPDATE_COMPLETE", &[("RetentionHours", "24")], &[]),
        template("{}"),
        change_set_created(),
        events(&[], None),
        change_set(
            "FAILED",
            Some(
                "The submitted information didn't contain changes. Submit different information to create a change set.",
            ),
        ),
        change_set_deleted(),
        stack("UPDATE_COMPLETE", &[("RetentionHours", "24")], &[]),
    ]);
    let report = engine
        .deploy(&spec(), &mut Recorder::default())
        .await
        .unwrap();
    assert!(!report.changed);
    assert_eq!(actions(&replay)[5], "DeleteChangeSet");
}

#[tokio::test]
async fn a_rejected_change_set_reports_cloudformations_reason() {
    let (engine, _replay) = engine(vec![
        no_stack(),
        change_set_created(),
        change_set(
            "FAILED",
            Some(
                "Parameter validation failed: parameter value 0 for parameter name ShardCount does not match the minimum",
            ),
        ),
    ]);
    let error = engine
        .deploy(&spec(), &mut Recorder::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, DeployError::ChangeSetFailed { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("ShardCount does not match the minimum"),
        "{error}"
    );
}
