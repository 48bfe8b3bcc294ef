//! Execution models the extension meets on the control plane's side: Managed Instances
//! (no INVOKE events, schema `2025-01-29` only), an environment that refuses INVOKE
//! registration whatever it says about itself, one that predates schema `2025-01-29`, and a
//! SnapStart restore.

use std::time::Duration;

use serde_json::json;
use test_support::fake_kinesis::FakeKinesis;

use crate::control_plane::{ControlPlane, Model};
use crate::launch::{Launch, launch};
use crate::process::{Extension, body, function_events, function_records, payloads, post_batch};
use crate::tally::invocation;

const WAIT: Duration = Duration::from_secs(30);

async fn start(model: Model, env: &[(&str, &str)]) -> (ControlPlane, Extension, FakeKinesis, u16) {
    let kinesis = FakeKinesis::start();
    let (control, extension, port) = launch(
        &kinesis,
        Launch {
            model,
            env,
            fd_limit: None,
        },
    )
    .await;
    (control, extension, kinesis, port)
}

/// Without INVOKE events everything goes out in the background, and SHUTDOWN still
/// flushes the rest.
async fn delivers_without_invoke_events(
    control: &ControlPlane,
    extension: &mut Extension,
    kinesis: &FakeKinesis,
    port: u16,
) {
    let first = function_events("background", 30, 80);
    assert_eq!(post_batch(port, body(&first)).await, 200);
    assert!(
        kinesis.wait_for_records(30, WAIT).await,
        "sent without any INVOKE"
    );
    let last = function_events("at-shutdown", 10, 80);
    assert_eq!(post_batch(port, body(&last)).await, 200);
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());
    let delivered = function_records(&payloads(&kinesis.records()));
    assert_eq!(delivered.len(), 40);
}

#[tokio::test]
async fn on_managed_instances_it_registers_for_shutdown_only_with_the_newest_schema() {
    let (control, mut extension, kinesis, port) = start(
        Model::ManagedInstances,
        &[("AWS_LAMBDA_INITIALIZATION_TYPE", "lambda-managed-instances")],
    )
    .await;
    assert_eq!(control.registrations(), [json!({"events": ["SHUTDOWN"]})]);
    let subscription = control.wait_subscribed(WAIT).await;
    assert_eq!(subscription["schemaVersion"], "2025-01-29");
    delivers_without_invoke_events(&control, &mut extension, &kinesis, port).await;
}

#[tokio::test]
async fn a_refused_invoke_registration_falls_back_to_shutdown_only_and_loses_nothing() {
    // Managed Instances' answers, without the variable that says so.
    let (control, mut extension, kinesis, port) = start(Model::ManagedInstances, &[]).await;
    assert_eq!(
        control.registrations(),
        [
            json!({"events": ["INVOKE", "SHUTDOWN"]}),
            json!({"events": ["SHUTDOWN"]})
        ]
    );
    let log = extension.stderr().join("\n");
    assert_eq!(log.matches("INVOKE events refused").count(), 1, "{log}");
    delivers_without_invoke_events(&control, &mut extension, &kinesis, port).await;
}

#[tokio::test]
async fn an_environment_without_the_newest_schema_gets_the_older_one() {
    let (control, mut extension, kinesis, port) = start(Model::OldSchemas, &[]).await;
    let subscription = control.wait_subscribed(WAIT).await;
    assert_eq!(subscription["schemaVersion"], "2022-12-13");
    let log = extension.stderr().join("\n");
    assert_eq!(log.matches("refused schema 2025-01-29").count(), 1, "{log}");
    control.invoke("r1");
    assert_eq!(post_batch(port, body(&invocation("r1", 5))).await, 200);
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());
    assert_eq!(function_records(&payloads(&kinesis.records())).len(), 5);
}

#[tokio::test]
async fn after_a_snapstart_restore_it_reconnects_and_keeps_delivering() {
    let (control, mut extension, kinesis, port) = start(
        Model::Default,
        &[("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")],
    )
    .await;
    let restore = vec![
        json!({"time": "t", "type": "platform.restoreStart", "record": {"functionName": "f", "functionVersion": "1"}}),
        json!({"time": "t", "type": "platform.restoreRuntimeDone", "record": {"status": "success"}}),
        json!({"time": "t", "type": "platform.restoreReport", "record": {"status": "success", "metrics": {"durationMs": 12.0}}}),
    ];
    control.invoke("r1");
    assert_eq!(post_batch(port, body(&restore)).await, 200);
    assert_eq!(post_batch(port, body(&invocation("r1", 5))).await, 200);
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());
    let log = extension.stderr().join("\n");
    assert!(
        log.contains("restored from a snapshot: reconnecting to Kinesis"),
        "{log}"
    );
    let stored = payloads(&kinesis.records());
    assert_eq!(function_records(&stored).len(), 5);
    let kinds: Vec<&str> = stored
        .iter()
        .filter_map(|payload| payload["type"].as_str())
        .filter(|kind| kind.starts_with("platform.restore"))
        .collect();
    assert_eq!(
        kinds,
        [
            "platform.restoreStart",
            "platform.restoreRuntimeDone",
            "platform.restoreReport"
        ]
    );
}
