//! The whole way back: the real extension, in the sandbox, cannot reach Kinesis through
//! SHUTDOWN and spills every event to its output; the lines go to the function's log group
//! (moto's CloudWatch Logs, as Lambda would put them); `deployer recover` puts every event on
//! the stream, byte for byte, with its partition key.

use std::collections::BTreeSet;
use std::time::Duration;

use sandbox::{Function, Layer, LineFormat, Sandbox, SandboxConfig, Script};
use serde_json::Value;
use telemetry_kinesis_contract::names::EXTENSION_NAME;
use telemetry_kinesis_contract::spill::Reader;
use test_support::{moto, unique_name};

use crate::invoke_support::{extension_copy, listener_port};
use crate::recover::{put_log_lines, records, recover_args};
use crate::up_support::{World, deployer};

#[tokio::test]
async fn spilled_by_the_extension_recovered_by_the_deployer() {
    let moto = moto();
    let world = World::new("recover-e2e");
    let stream = unique_name("recover-e2e");
    moto.create_stream(&stream, 1).await;
    let function = unique_name("recover-e2e-fn");

    // The extension, with Kinesis unreachable: nothing listens on port 1.
    let dir = tempfile::tempdir().unwrap();
    let extensions = dir.path().join("extensions");
    std::fs::create_dir_all(&extensions).unwrap();
    extension_copy(&extensions);
    let script = Script {
        lines_per_invoke: 4,
        line_bytes: 80,
        format: LineFormat::Text,
        duration: Duration::ZERO,
    };
    let config = SandboxConfig::new(
        Layer::Directory(dir.path().to_owned()),
        Function::Scripted(script),
    )
    .envs(moto.env())
    .env("AWS_ENDPOINT_URL_KINESIS", "http://127.0.0.1:1")
    .env("TELEMETRY_KINESIS_STREAM_NAME", &stream)
    .env("TELEMETRY_KINESIS_LISTENER_HOST", "127.0.0.1")
    .env("TELEMETRY_KINESIS_LISTENER_PORT", listener_port())
    .with_function_name(&function);
    let mut sandbox = Sandbox::start(config).await.unwrap();
    for _ in 0..3 {
        sandbox.invoke(serde_json::json!({})).await.unwrap();
    }
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met);
    let output = &report.process(EXTENSION_NAME).unwrap().output;
    let stderr = output.stderr.join("\n");
    assert!(stderr.contains(" 0 lost)"), "{stderr}");

    // What the extension spilled, as the reader of the contract reads it back.
    let mut reader = Reader::default();
    let spilled: BTreeSet<(String, String)> = output
        .stdout
        .iter()
        .filter_map(|line| reader.read(line).unwrap())
        .map(|event| (event.partition_key, event.payload))
        .collect();
    let function_lines = spilled
        .iter()
        .filter(|(_, payload)| {
            serde_json::from_str::<Value>(payload).unwrap()["type"] == "function"
        })
        .count();
    assert_eq!(function_lines, 12, "every line of 3 invocations spilled");

    // Lambda sends the extension's output, with the other lines, to the function's log group.
    let mut lines = output.stderr.clone();
    lines.extend(output.stdout.iter().cloned());
    put_log_lines(&format!("/aws/lambda/{function}"), &lines).await;

    let run = deployer(&recover_args(&world, &function, &[]), &world.env()).await;
    assert_eq!(run.code, Some(0), "{run}");
    let summary = run.json();
    assert_eq!(
        summary["found"].as_u64(),
        Some(spilled.len() as u64),
        "{run}"
    );
    assert_eq!(
        summary["sent"].as_u64(),
        Some(spilled.len() as u64),
        "{run}"
    );
    assert_eq!(
        records(&stream).await,
        spilled,
        "byte for byte, with their keys"
    );
}
