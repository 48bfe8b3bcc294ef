//! Delete behaviour moto does not reproduce: `DELETE_FAILED` with per-resource reasons.

use deployer::deploy::{DeleteReport, DeployError};

use crate::replay::*;

#[tokio::test]
async fn gap_delete_failed_lists_the_failing_resources_and_a_retry_path() {
    let (engine, replay) = engine(vec![
        stack("UPDATE_COMPLETE", &[], &[]),
        events(
            &[event(
                "h1",
                "app",
                "AWS::CloudFormation::Stack",
                "UPDATE_COMPLETE",
                None,
            )],
            None,
        ),
        stack_deleted(),
        stack("DELETE_FAILED", &[], &[]),
        events(
            &[
                event(
                    "d4",
                    "app",
                    "AWS::CloudFormation::Stack",
                    "DELETE_FAILED",
                    Some("The following resource(s) failed to delete: [Bucket]."),
                ),
                event(
                    "d3",
                    "Bucket",
                    "AWS::S3::Bucket",
                    "DELETE_FAILED",
                    Some("The bucket you tried to delete is not empty"),
                ),
                event(
                    "d2",
                    "Stream",
                    "AWS::Kinesis::Stream",
                    "DELETE_COMPLETE",
                    None,
                ),
                event(
                    "d1",
                    "app",
                    "AWS::CloudFormation::Stack",
                    "DELETE_IN_PROGRESS",
                    Some("User Initiated"),
                ),
                event(
                    "h1",
                    "app",
                    "AWS::CloudFormation::Stack",
                    "UPDATE_COMPLETE",
                    None,
                ),
            ],
            None,
        ),
    ]);
    let error = engine
        .delete("app", &mut Recorder::default())
        .await
        .unwrap_err();
    let DeployError::DeleteFailed { failures, hint, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].logical_id, "Bucket");
    assert_eq!(
        failures[0].reason,
        "The bucket you tried to delete is not empty"
    );
    assert!(hint.contains("--retain-resources"), "{hint}");
    assert!(hint.contains("run the command again"), "{hint}");
    // Deleted by ARN, so a new stack of the same name is never the one deleted.
    assert!(
        request_body(&replay, 2).contains("StackName=arn%3Aaws%3Acloudformation"),
        "{}",
        request_body(&replay, 2)
    );
}

#[tokio::test]
async fn a_delete_failed_stack_is_deleted_again_on_retry() {
    let (engine, replay) = engine(vec![
        stack("DELETE_FAILED", &[], &[]),
        events(&[], None),
        stack_deleted(),
        no_stack(),
        events(&[], None),
    ]);
    let report = engine
        .delete("app", &mut Recorder::default())
        .await
        .unwrap();
    assert!(matches!(report, DeleteReport::Deleted { .. }));
    assert_eq!(
        actions(&replay),
        [
            "DescribeStacks",
            "DescribeStackEvents",
            "DeleteStack",
            "DescribeStacks",
            "DescribeStackEvents"
        ]
    );
}

#[tokio::test]
async fn a_missing_stack_is_nothing_to_delete() {
    let (engine, replay) = engine(vec![no_stack()]);
    assert_eq!(
        engine
            .delete("app", &mut Recorder::default())
            .await
            .unwrap(),
        DeleteReport::NothingToDelete
    );
    assert_eq!(actions(&replay), ["DescribeStacks"]);
}
