//! `deployer invoke`: locally with the sandbox and moto, then read back with `logs`; on
//! "AWS" (moto) only the error path, since moto cannot run functions without docker (the
//! request's shape is unit-tested against a replayed client in `invoke::remote`).

use std::collections::BTreeSet;

use serde_json::Value;
use test_support::{moto, unique_name};

use crate::invoke_support::{extension_copy, listener_port, local_args};
use crate::logs_support::{deployer, lines, logs, parsed};

#[tokio::test]
async fn invoke_local_then_logs_shows_each_request() {
    let moto = moto();
    let stream = unique_name("invoke-local");
    moto.create_stream(&stream, 2).await;
    let directory = tempfile::tempdir().unwrap();
    let binary = extension_copy(directory.path());

    let mut args = vec![
        "invoke".to_owned(),
        "--count".into(),
        "3".into(),
        "--json".into(),
    ];
    args.extend(local_args(&stream, &binary));
    args.extend(["--payload".to_owned(), r#"{"n": 7}"#.to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = deployer(&args)
        .env("TELEMETRY_KINESIS_LISTENER_PORT", listener_port())
        .output()
        .unwrap();
    let invocations = parsed(&lines(&output));
    assert_eq!(invocations.len(), 3);
    let request_ids: BTreeSet<String> = invocations
        .iter()
        .map(|invocation| {
            assert_eq!(invocation["status"], "success", "{invocation}");
            invocation["requestId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(request_ids.len(), 3);

    // Everything the extension sent is on the stream once the local run has ended.
    let events = parsed(&lines(&logs(&stream, &["--from-start", "--json"])));
    for request_id in &request_ids {
        let of_request: Vec<&Value> = events
            .iter()
            .filter(|event| {
                event["record"]["requestId"] == request_id.as_str()
                    || event["record"]
                        .as_str()
                        .is_some_and(|text| text.contains(request_id.as_str()))
            })
            .collect();
        let reports: Vec<&&Value> = of_request
            .iter()
            .filter(|event| event["type"] == "platform.report")
            .collect();
        assert_eq!(reports.len(), 1, "{request_id}: {of_request:#?}");
        assert!(reports[0]["record"]["metrics"]["durationMs"].is_number());
        assert!(
            of_request.iter().any(|event| event["type"] == "function"
                && event["record"]
                    .as_str()
                    .is_some_and(|text| text.starts_with("hello from telemetry-kinesis-sample"))),
            "{request_id}: {of_request:#?}"
        );
        assert!(
            events
                .iter()
                .all(|event| event["functionName"] == "telemetry-kinesis-sample")
        );
    }

    // `--request-id` selects exactly one invocation: its text log lines (keyed by the
    // invocation in progress) and its platform events, nothing of the others.
    for request_id in &request_ids {
        let selected = parsed(&lines(&logs(
            &stream,
            &["--from-start", "--json", "--request-id", request_id],
        )));
        assert!(
            selected.iter().any(|event| event["type"] == "function"
                && event["record"]
                    .as_str()
                    .is_some_and(|text| text.contains(&format!("request {request_id}")))),
            "{request_id}: {selected:#?}"
        );
        assert!(
            selected
                .iter()
                .any(|event| event["type"] == "platform.report"
                    && event["record"]["requestId"] == request_id.as_str()),
            "{request_id}: {selected:#?}"
        );
        for other in request_ids.iter().filter(|other| *other != request_id) {
            assert!(
                !selected
                    .iter()
                    .any(|event| event.to_string().contains(other.as_str())),
                "{request_id} selected events of {other}: {selected:#?}"
            );
        }
    }

    // The readable view: each request's log line and its report.
    let text = lines(&logs(&stream, &["--from-start"]));
    for request_id in &request_ids {
        assert!(
            text.iter().any(|line| line.contains(&format!(
                " function             hello from telemetry-kinesis-sample, request {request_id}"
            ))),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|line| line
                .contains(&format!(" platform.report      {request_id} duration "))
                && line.contains(" billed ")
                && line.contains(" memory ")),
            "{text:#?}"
        );
    }
    assert!(
        text.iter()
            .any(|line| line.ends_with(" function             [INFO] sample event")),
        "{text:#?}"
    );
}

#[test]
fn invoking_a_missing_function_fails_clearly() {
    let output = deployer(&["invoke", "--function-name", "no-such-function"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("function `no-such-function` does not exist"),
        "{stderr}"
    );
}

#[test]
fn a_payload_must_be_json() {
    let output = deployer(&["invoke", "--function-name", "f", "--payload", "{nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid value '{nope' for '--payload <JSON>': not JSON"),
        "{stderr}"
    );
    assert!(stderr.contains(r#"--payload '{"a": 1}'"#), "{stderr}");
}
