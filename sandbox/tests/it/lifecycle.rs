//! INIT, invocations and SHUTDOWN through the sandbox, with awslambdaric and the scripted
//! function.

use crate::support::{EXTENSION, extension_layer, of_type, python_function, read_events, scripted};
use sandbox::{InvokeStatus, LineFormat, RUNTIME_NAME, Sandbox, SandboxConfig, Script};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn awslambdaric_handler_lines_reach_the_subscriber_as_function_events() {
    let dir = tempfile::tempdir().unwrap();
    let events_file = dir.path().join("events.jsonl");
    let config = SandboxConfig::new(extension_layer(dir.path(), &[EXTENSION]), python_function())
        .env(
            "TEST_EXTENSION_EVENTS_FILE",
            events_file.display().to_string(),
        );
    let mut sandbox = Sandbox::start(config).await.unwrap();

    let init = sandbox.init_report().clone();
    assert_eq!(init.extensions.len(), 1);
    assert_eq!(init.extensions[0].name, EXTENSION);
    assert!(init.extensions[0].init_duration >= init.extensions[0].registered_after);
    assert!(init.init_duration >= init.runtime_init_duration);
    assert_eq!(
        sandbox.subscriptions(),
        vec![(
            EXTENSION.to_owned(),
            vec!["function".to_owned(), "platform".to_owned()]
        )]
    );

    let first = sandbox
        .invoke(json!({"text_lines": 3, "json_lines": 2}))
        .await
        .unwrap();
    assert_eq!(first.status, InvokeStatus::Success, "{first:#?}");
    assert_eq!(first.payload.as_ref().unwrap()["ok"], true);
    assert_eq!(
        first.payload.as_ref().unwrap()["request_id"],
        first.request_id.as_str()
    );
    assert_eq!(first.extensions.len(), 1);
    let second = sandbox.invoke(json!({"text_lines": 1})).await.unwrap();
    assert_eq!(second.status, InvokeStatus::Success);

    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met, "{report:#?}");
    assert!(report.duration < sandbox::SHUTDOWN_BUDGET);
    let extension = report.process(EXTENSION).unwrap();
    assert!(extension.exit.as_ref().unwrap().success(), "{extension:#?}");
    assert!(!extension.killed);
    assert!(extension.peak_rss_kib.unwrap() > 1000);
    assert!(
        extension
            .output
            .stdout
            .contains(&format!("invoke {}", first.request_id))
    );
    assert_eq!(extension.output.stdout.last().unwrap(), "shutdown spindown");
    let runtime = report.process(RUNTIME_NAME).unwrap();
    assert!(runtime.exit.is_some() && !runtime.killed, "{runtime:#?}");
    assert!(runtime.output.stdout.contains(&"text line 2".to_owned()));

    // Everything the function printed before SHUTDOWN reached the subscriber, in order,
    // text lines as strings and JSON lines as objects.
    let events = read_events(&events_file);
    let records: Vec<_> = of_type(&events, "function")
        .iter()
        .map(|event| event["record"].clone())
        .collect();
    assert_eq!(
        records,
        vec![
            json!("text line 0"),
            json!("text line 1"),
            json!("text line 2"),
            json!({"level": "INFO", "message": "json line 0"}),
            json!({"level": "INFO", "message": "json line 1"}),
            json!("text line 0"),
        ]
    );
    for event in of_type(&events, "function") {
        assert!(event["time"].as_str().unwrap().ends_with('Z'));
    }
    let starts = of_type(&events, "platform.start");
    assert!(!starts.is_empty(), "{events:#?}");
    assert_eq!(starts[0]["record"]["requestId"], first.request_id.as_str());
    assert!(
        !of_type(&events, "platform.initStart").is_empty()
            || !of_type(&events, "platform.telemetrySubscription").is_empty()
    );
}

#[tokio::test]
async fn scripted_function_lines_and_extension_output_reach_the_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    let events_file = dir.path().join("events.jsonl");
    let script = Script {
        lines_per_invoke: 50,
        line_bytes: 120,
        format: LineFormat::Json,
        duration: Duration::from_millis(20),
    };
    let config = SandboxConfig::new(extension_layer(dir.path(), &[EXTENSION]), scripted(script))
        .env(
            "TEST_EXTENSION_EVENTS_FILE",
            events_file.display().to_string(),
        )
        .env("TEST_EXTENSION_TYPES", "platform,function,extension")
        .env("TEST_EXTENSION_POST_INVOKE_MS", "150");
    let mut sandbox = Sandbox::start(config).await.unwrap();
    for _ in 0..3 {
        let invoke = sandbox.invoke(json!({})).await.unwrap();
        assert_eq!(invoke.payload, Some(json!({"lines": 50})));
        assert!(
            invoke.runtime_duration >= Duration::from_millis(20),
            "{invoke:#?}"
        );
        // The extension works 150 ms from INVOKE, in parallel with the 20 ms function. Lower
        // bounds only, which no load can break: the invocation lasts at least that work,
        // and whatever of it the runtime did not overlap comes after the response.
        let work = Duration::from_millis(150);
        assert!(invoke.duration >= work, "{invoke:#?}");
        assert!(
            invoke.post_runtime_extensions_duration >= work.saturating_sub(invoke.runtime_duration),
            "{invoke:#?}"
        );
        assert_eq!(
            invoke.extensions[0].post_runtime_duration,
            invoke.post_runtime_extensions_duration
        );
    }
    let report = sandbox.shutdown().await.unwrap();
    assert!(report.deadline_met);

    let events = read_events(&events_file);
    let function = of_type(&events, "function");
    assert_eq!(function.len(), 150);
    assert_eq!(
        function[0]["record"]["message"].as_str().unwrap(),
        sandbox::script_line(LineFormat::Json, 1, 0, 120)
            .split("\"message\":\"")
            .nth(1)
            .unwrap()
            .trim_end_matches("\"}")
    );
    let extension: Vec<_> = of_type(&events, "extension")
        .iter()
        .map(|event| event["record"].clone())
        .collect();
    assert!(
        extension.contains(&json!(format!("{EXTENSION} ready"))),
        "{extension:?}"
    );
    let delivered = &report.delivery[EXTENSION];
    assert_eq!(delivered.failed_batches, 0);
    assert!(
        delivered.events >= 150 && delivered.batches >= 3,
        "{delivered:?}"
    );
}
