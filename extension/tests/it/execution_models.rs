//! The extension in the sandbox's Lambda execution models, with Kinesis served by the
//! stand-in: Managed Instances running 8 invocations at once, a SnapStart restore, and
//! provisioned concurrency frozen longer than any of the extension's timers.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::time::Duration;

use sandbox::{ExecutionModel, Function, LineFormat, Sandbox, SandboxConfig, Script};
use serde_json::{Value, json};
use test_support::fake_kinesis::FakeKinesis;

use crate::moto::{EXTENSION, layer};
use crate::process::{free_port, payloads};

fn config(
    dir: &std::path::Path,
    kinesis: &FakeKinesis,
    model: ExecutionModel,
    script: Script,
) -> SandboxConfig {
    SandboxConfig::new(layer(dir), Function::Scripted(script))
        .envs(kinesis.env())
        .env("TELEMETRY_KINESIS_LISTENER_HOST", "127.0.0.1")
        .env("TELEMETRY_KINESIS_LISTENER_PORT", free_port().to_string())
        .with_execution_model(model)
}

fn ids_are_unique(stored: &[Value]) {
    let ids: Vec<&str> = stored
        .iter()
        .map(|payload| payload["id"].as_str().unwrap())
        .collect();
    let unique: HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "every event once, with its own id");
}

#[tokio::test]
async fn managed_instances_eight_concurrent_invocations_arrive_whole() {
    for format in ["json", "kpl"] {
        let kinesis = FakeKinesis::start();
        let dir = tempfile::tempdir().unwrap();
        let script = Script {
            lines_per_invoke: 20,
            line_bytes: 120,
            format: LineFormat::Json,
            duration: Duration::from_millis(50),
        };
        let model = ExecutionModel::ManagedInstances {
            max_concurrency: NonZeroU32::new(8).unwrap(),
        };
        let config = config(dir.path(), &kinesis, model, script)
            .env("TELEMETRY_KINESIS_RECORD_FORMAT", format);
        let mut sandbox = Sandbox::start(config).await.unwrap();
        let reports = sandbox
            .invoke_concurrently((0..8).map(|index| json!({"index": index})).collect())
            .await
            .unwrap();
        let report = sandbox.shutdown().await.unwrap();
        assert!(report.deadline_met, "{report:#?}");
        let stderr = report.process(EXTENSION).unwrap().output.stderr.join("\n");
        assert!(stderr.contains("registering for SHUTDOWN only"), "{stderr}");
        assert!(
            stderr.contains("shutdown: 0 events undelivered"),
            "{stderr}"
        );

        let stored = payloads(&kinesis.records());
        ids_are_unique(&stored);
        // Every invocation's 20 lines, its start and its report, each under its own key.
        let keys: HashMap<String, String> = kinesis
            .records()
            .iter()
            .flat_map(|record| {
                telemetry_kinesis_contract::kpl::decode(&record.partition_key, &record.data)
                    .unwrap()
            })
            .map(|(key, data)| {
                let payload: Value = serde_json::from_slice(&data).unwrap();
                (payload["id"].as_str().unwrap().to_owned(), key)
            })
            .collect();
        for invocation in &reports {
            let request_id = invocation.request_id.as_str();
            let of_invocation: Vec<&Value> = stored
                .iter()
                .filter(|payload| payload["record"]["requestId"] == request_id)
                .collect();
            let count = |kind: &str| {
                of_invocation
                    .iter()
                    .filter(|payload| payload["type"] == kind)
                    .count()
            };
            assert_eq!(count("function"), 20, "{format} {request_id}");
            assert_eq!(count("platform.start"), 1, "{format} {request_id}");
            assert_eq!(count("platform.report"), 1, "{format} {request_id}");
            for payload in of_invocation {
                let id = payload["id"].as_str().unwrap();
                assert_eq!(
                    keys[id], request_id,
                    "{format}: keyed by its own invocation"
                );
            }
        }
    }
}

#[tokio::test]
async fn after_a_snapstart_restore_telemetry_keeps_flowing_on_a_new_connection() {
    let kinesis = FakeKinesis::start();
    let dir = tempfile::tempdir().unwrap();
    let script = Script {
        lines_per_invoke: 5,
        ..Script::default()
    };
    let config = config(dir.path(), &kinesis, ExecutionModel::SnapStart, script);
    let mut sandbox = Sandbox::start(config).await.unwrap();
    sandbox.restore().await.unwrap();
    for _ in 0..2 {
        sandbox.invoke(json!({})).await.unwrap();
    }
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met);
    let stderr = report.process(EXTENSION).unwrap().output.stderr.join("\n");
    assert!(
        stderr.contains("restored from a snapshot: reconnecting to Kinesis"),
        "{stderr}"
    );
    assert!(
        stderr.contains("shutdown: 0 events undelivered"),
        "{stderr}"
    );
    let stored = payloads(&kinesis.records());
    ids_are_unique(&stored);
    let kinds: Vec<&str> = stored
        .iter()
        .filter_map(|payload| payload["type"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|kind| **kind == "function").count(), 10);
    for restore in [
        "platform.restoreStart",
        "platform.restoreRuntimeDone",
        "platform.restoreReport",
    ] {
        assert!(kinds.contains(&restore), "{kinds:?}");
    }
}

/// Longer than the listener's header timeout, the adaptive strategy's busy gap and the
/// drops report interval: nothing may misfire when the environment thaws.
const PROVISIONED_GAP: Duration = Duration::from_secs(12);

#[tokio::test]
async fn provisioned_concurrency_frozen_long_after_init_loses_nothing() {
    let kinesis = FakeKinesis::start();
    let dir = tempfile::tempdir().unwrap();
    let script = Script {
        lines_per_invoke: 5,
        ..Script::default()
    };
    let config = config(
        dir.path(),
        &kinesis,
        ExecutionModel::ProvisionedConcurrency,
        script,
    );
    let mut sandbox = Sandbox::start(config).await.unwrap();
    sandbox.idle(PROVISIONED_GAP).await;
    let first = sandbox.invoke(json!({})).await.unwrap();
    sandbox.idle(PROVISIONED_GAP).await;
    sandbox.invoke(json!({})).await.unwrap();
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met);
    let stderr = report.process(EXTENSION).unwrap().output.stderr.join("\n");
    assert!(
        stderr.contains("shutdown: 0 events undelivered"),
        "{stderr}"
    );
    let stored = payloads(&kinesis.records());
    ids_are_unique(&stored);
    let lines = stored
        .iter()
        .filter(|payload| payload["type"] == "function")
        .count();
    assert_eq!(lines, 10);
    // The first invocation after the long gap was flushed before the freeze (a rare one).
    assert!(
        stored
            .iter()
            .any(|payload| payload["record"]["requestId"] == first.request_id.as_str()),
        "{stored:#?}"
    );
}
