//! What each execution model tells the processes, and which Telemetry API schema versions it
//! accepts: awslambdaric (which forks a worker per concurrent invocation on Lambda Managed
//! Instances and asks for `restore/next` under SnapStart) and the test extension.

use crate::support::{EXTENSION, extension_layer, python_function};
use sandbox::{ExecutionModel, InvokeStatus, Sandbox, SandboxConfig, SandboxError};
use serde_json::{Value, json};
use std::num::NonZeroU32;
use std::path::Path;

const VARIABLES: [&str; 3] = [
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_MAX_CONCURRENCY",
    "AWS_LAMBDA_LOG_GROUP_NAME",
];

fn managed(concurrency: u32) -> ExecutionModel {
    ExecutionModel::ManagedInstances {
        max_concurrency: NonZeroU32::new(concurrency).unwrap(),
    }
}

/// Runs INIT, one invocation and SHUTDOWN under `model`; asserts both processes saw
/// `expected` (name, value or `None` for unset) and that the run ended cleanly.
async fn assert_variables(model: ExecutionModel, expected: [(&str, Option<&str>); 3]) {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig::new(extension_layer(dir.path(), &[EXTENSION]), python_function())
        .env("TEST_EXTENSION_PRINT_ENV", VARIABLES.join(","))
        .with_execution_model(model);
    let mut sandbox = Sandbox::start(config).await.unwrap();
    assert_eq!(sandbox.execution_model(), model);
    let invoke = sandbox.invoke(json!({"env": VARIABLES})).await.unwrap();
    assert_eq!(invoke.status, InvokeStatus::Success, "{invoke:#?}");
    if model != ExecutionModel::SnapStart {
        let refused = sandbox.restore().await.unwrap_err();
        assert!(
            matches!(
                refused,
                SandboxError::Unsupported {
                    operation: "restore",
                    ..
                }
            ),
            "{refused:?}"
        );
    }
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");

    let function_saw = &invoke.payload.as_ref().unwrap()["env"];
    let extension = report.process(EXTENSION).unwrap();
    for (name, value) in expected {
        assert_eq!(
            function_saw[name],
            value.map_or(Value::Null, Value::from),
            "{name}"
        );
        let line = format!("env {name}={}", value.unwrap_or("<unset>"));
        assert!(
            extension.output.stdout.contains(&line),
            "{line}: {:?}",
            extension.output.stdout
        );
    }
}

#[tokio::test]
async fn on_demand_processes_are_told_on_demand() {
    assert_variables(
        ExecutionModel::OnDemand,
        [
            (VARIABLES[0], Some("on-demand")),
            (VARIABLES[1], None),
            (VARIABLES[2], Some("/aws/lambda/test-function")),
        ],
    )
    .await;
}

#[tokio::test]
async fn provisioned_concurrency_processes_are_told_so() {
    assert_variables(
        ExecutionModel::ProvisionedConcurrency,
        [
            (VARIABLES[0], Some("provisioned-concurrency")),
            (VARIABLES[1], None),
            (VARIABLES[2], Some("/aws/lambda/test-function")),
        ],
    )
    .await;
}

#[tokio::test]
async fn snapstart_processes_are_told_so_and_get_no_log_group() {
    assert_variables(
        ExecutionModel::SnapStart,
        [
            (VARIABLES[0], Some("snap-start")),
            (VARIABLES[1], None),
            (VARIABLES[2], None),
        ],
    )
    .await;
}

#[tokio::test]
async fn managed_instances_processes_are_told_so_and_their_concurrency() {
    assert_variables(
        managed(3),
        [
            (VARIABLES[0], Some("lambda-managed-instances")),
            (VARIABLES[1], Some("3")),
            (VARIABLES[2], Some("/aws/lambda/test-function")),
        ],
    )
    .await;
}

/// Starts the test extension subscribing with `schema` under `model`; returns the sandbox's
/// subscriptions and the extension's output.
async fn subscribe_with(dir: &Path, model: ExecutionModel, schema: &str) -> (usize, Vec<String>) {
    let config = SandboxConfig::new(
        extension_layer(dir, &[EXTENSION]),
        crate::support::scripted(sandbox::Script::default()),
    )
    .env(
        "TEST_EXTENSION_EVENTS_FILE",
        dir.join("events.jsonl").display().to_string(),
    )
    .env("TEST_EXTENSION_SCHEMA", schema)
    .with_execution_model(model);
    let sandbox = Sandbox::start(config).await.unwrap();
    let subscriptions = sandbox.subscriptions().len();
    let report = sandbox.shutdown().await.unwrap();
    let stdout = report.process(EXTENSION).unwrap().output.stdout.clone();
    (subscriptions, stdout)
}

/// The JSON body of the `subscribe refused <status> <body>` line, if there is one.
fn refusal(stdout: &[String], status: &str) -> Option<Value> {
    let prefix = format!("subscribe refused {status} ");
    stdout
        .iter()
        .find_map(|line| line.strip_prefix(&prefix))
        .map(|body| serde_json::from_str(body).unwrap())
}

#[tokio::test]
async fn managed_instances_refuse_an_older_schema_version_and_accept_2025_01_29() {
    let dir = tempfile::tempdir().unwrap();
    let (subscriptions, stdout) = subscribe_with(dir.path(), managed(2), "2022-12-13").await;
    assert_eq!(subscriptions, 0, "{stdout:?}");
    let body = refusal(&stdout, "400").unwrap_or_else(|| panic!("{stdout:?}"));
    assert_eq!(body["errorType"], "ValidationError");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("schema validation error: ") && message.contains("2022-12-13"),
        "{message}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (subscriptions, stdout) = subscribe_with(dir.path(), managed(2), "2025-01-29").await;
    assert_eq!(subscriptions, 1, "{stdout:?}");
}

#[tokio::test]
async fn other_models_accept_every_schema_version_lambda_knows_and_refuse_others() {
    for (model, schema) in [
        (ExecutionModel::OnDemand, "2025-01-29"),
        (ExecutionModel::OnDemand, "2022-07-01"),
        (ExecutionModel::ProvisionedConcurrency, "2022-12-13"),
        (ExecutionModel::SnapStart, "2025-01-29"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (subscriptions, stdout) = subscribe_with(dir.path(), model, schema).await;
        assert_eq!(subscriptions, 1, "{model:?} {schema}: {stdout:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (subscriptions, stdout) =
        subscribe_with(dir.path(), ExecutionModel::OnDemand, "2021-01-01").await;
    assert_eq!(subscriptions, 0);
    assert_eq!(
        refusal(&stdout, "400").unwrap()["errorType"],
        "ValidationError"
    );
}
