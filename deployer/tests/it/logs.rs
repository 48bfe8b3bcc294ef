//! `deployer logs` against moto: both record formats, several shards, reshardings,
//! filters, `--json` round trips, undecodable records and missing streams.

use std::collections::BTreeMap;

use serde_json::json;
use test_support::{moto, unique_name};

use crate::logs_support::{
    Written, event, invocation, lines, logs, parsed, put_json, put_kpl, put_raw, split_first_shard,
};

/// Per partition key, the ids in the order they were written.
fn ids_by_key(events: &[Written]) -> BTreeMap<String, Vec<String>> {
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for event in events {
        by_key
            .entry(event.partition_key.clone())
            .or_default()
            .push(event.id());
    }
    by_key
}

/// Per partition key (the request id), the ids in the order `--json` printed them.
fn printed_ids_by_key(lines: &[String], written: &[Written]) -> BTreeMap<String, Vec<String>> {
    let key_of: BTreeMap<String, String> = written
        .iter()
        .map(|event| (event.id(), event.partition_key.clone()))
        .collect();
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for value in parsed(lines) {
        let id = value["id"].as_str().unwrap().to_owned();
        by_key.entry(key_of[&id].clone()).or_default().push(id);
    }
    by_key
}

#[tokio::test]
async fn both_formats_across_shards_come_out_complete_in_order_and_verbatim() {
    let moto = moto();
    let stream = unique_name("logs-formats");
    moto.create_stream(&stream, 4).await;
    let kinesis = moto.kinesis().await;

    let mut written = Vec::new();
    for n in 0..12 {
        let events = invocation(&format!("j{n}"), "sample", &format!("req-json-{n}"));
        put_json(&kinesis, &stream, &events).await;
        written.extend(events);
    }
    for n in 0..12 {
        // One aggregate per invocation, as the extension's partition key groups them.
        let events = invocation(&format!("k{n}"), "sample", &format!("req-kpl-{n}"));
        put_kpl(&kinesis, &stream, &events, 3).await;
        written.extend(events);
    }

    let output = logs(&stream, &["--from-start", "--json"]);
    let printed = lines(&output);
    assert_eq!(printed.len(), written.len());
    // Exactly as stored: every line is one written payload, byte for byte.
    let mut expected_data: Vec<&str> = written.iter().map(|event| event.data.as_str()).collect();
    let mut printed_data: Vec<&str> = printed.iter().map(String::as_str).collect();
    expected_data.sort_unstable();
    printed_data.sort_unstable();
    assert_eq!(printed_data, expected_data);
    // In order per partition key, hence per shard.
    assert_eq!(printed_ids_by_key(&printed, &written), ids_by_key(&written));

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("72 events (function 24, platform.report 24, platform.start 24)"),
        "{stderr}"
    );
    assert!(stderr.contains("lag from event to arrival"), "{stderr}");
}

#[tokio::test]
async fn children_of_a_split_are_read_after_their_parent() {
    let moto = moto();
    let stream = unique_name("logs-split");
    moto.create_stream(&stream, 1).await;
    let kinesis = moto.kinesis().await;

    let mut written = Vec::new();
    for n in 0..6 {
        let events = invocation(&format!("a{n}"), "sample", &format!("req-{n}"));
        put_json(&kinesis, &stream, &events).await;
        written.extend(events);
    }
    split_first_shard(&kinesis, &stream).await;
    for n in 0..6 {
        // The same keys again: they now go to the children.
        let events = invocation(&format!("b{n}"), "sample", &format!("req-{n}"));
        put_kpl(&kinesis, &stream, &events, 3).await;
        written.extend(events);
    }
    let shards = kinesis
        .list_shards()
        .stream_name(&stream)
        .send()
        .await
        .unwrap();
    assert_eq!(shards.shards().len(), 3);

    let printed = lines(&logs(&stream, &["--from-start", "--json"]));
    assert_eq!(printed.len(), written.len());
    assert_eq!(printed_ids_by_key(&printed, &written), ids_by_key(&written));
}

/// A mix of functions, types and invocations for the filter tests.
fn filter_fixture() -> Vec<Written> {
    let mut events = Vec::new();
    events.push(event(
        "init",
        "platform.initStart",
        "fa",
        "init-env",
        json!({"phase": "init"}),
    ));
    for n in 0..3 {
        events.extend(invocation(&format!("fa{n}"), "fa", &format!("req-a{n}")));
        events.extend(invocation(&format!("fb{n}"), "fb", &format!("req-b{n}")));
    }
    events.push(event(
        "ext",
        "extension",
        "fb",
        "req-b1",
        json!("extension line"),
    ));
    events.push(event(
        "jsonlog",
        "function",
        "fa",
        "req-a2",
        json!({"requestId": "req-a1", "level": "INFO", "message": "logged in JSON"}),
    ));
    events
}

#[tokio::test]
async fn filters_select_exactly_the_right_events() {
    let moto = moto();
    let stream = unique_name("logs-filters");
    moto.create_stream(&stream, 2).await;
    let kinesis = moto.kinesis().await;
    let written = filter_fixture();
    put_json(&kinesis, &stream, &written).await;

    type Predicate = fn(&serde_json::Value, &str) -> bool;
    let cases: [(&[&str], Predicate); 9] = [
        (&["--type", "platform"], |event, _| {
            event["type"].as_str().unwrap().starts_with("platform")
        }),
        (
            &["--type", "platform.report", "--type", "extension"],
            |event, _| ["platform.report", "extension"].contains(&event["type"].as_str().unwrap()),
        ),
        (&["--function", "fb"], |event, _| {
            event["functionName"] == "fb"
        }),
        // The JSON log's own request id wins over its partition key.
        (&["--request-id", "req-a1"], |event, key| {
            event["record"]["requestId"] == "req-a1"
                || (key == "req-a1" && event["record"].get("requestId").is_none())
        }),
        (&["--function", "fa", "--type", "function"], |event, _| {
            event["functionName"] == "fa" && event["type"] == "function"
        }),
        (&["--type", "nothing"], |_, _| false),
        // --filter searches a text record's text, other records' JSON.
        (&["--filter", "hello from req-a"], |event, _| {
            event["record"]
                .as_str()
                .is_some_and(|text| text.starts_with("hello from req-a"))
        }),
        (&["--filter", "/^hello from req-b[02]/"], |event, _| {
            ["hello from req-b0\n", "hello from req-b2\n"]
                .contains(&event["record"].as_str().unwrap_or_default())
        }),
        (
            &["--filter", "logged in", "--type", "function"],
            |event, _| event["record"]["message"] == "logged in JSON",
        ),
    ];
    for (args, predicate) in cases {
        let mut all = vec!["--from-start", "--json"];
        all.extend_from_slice(args);
        let mut printed: Vec<String> = parsed(&lines(&logs(&stream, &all)))
            .iter()
            .map(|value| value["id"].as_str().unwrap().to_owned())
            .collect();
        let mut expected: Vec<String> = written
            .iter()
            .filter(|event| predicate(&event.value(), &event.partition_key))
            .map(Written::id)
            .collect();
        printed.sort();
        expected.sort();
        assert!(
            !expected.is_empty() || args.contains(&"nothing"),
            "{args:?}"
        );
        assert_eq!(printed, expected, "{args:?}");
    }

    let limited = lines(&logs(&stream, &["--from-start", "--json", "--limit", "4"]));
    assert_eq!(limited.len(), 4);

    // A type no event can have is said, not silently empty.
    let nothing = logs(&stream, &["--from-start", "--type", "nothing"]);
    let stderr = String::from_utf8_lossy(&nothing.stderr);
    assert!(
        stderr.contains("--type nothing: no event type starts with it"),
        "{stderr}"
    );
    assert!(lines(&nothing).is_empty());
}

#[tokio::test]
async fn readable_lines_show_reports_and_messages() {
    let moto = moto();
    let stream = unique_name("logs-text");
    moto.create_stream(&stream, 1).await;
    let kinesis = moto.kinesis().await;
    put_json(&kinesis, &stream, &invocation("t", "sample", "req-t")).await;

    let output = logs(&stream, &["--from-start"]);
    let printed = lines(&output);
    assert_eq!(printed.len(), 3, "{printed:#?}");
    assert!(printed[0].contains(" sample platform.start"));
    assert!(printed[0].ends_with("req-t version $LATEST"));
    assert!(printed[1].ends_with(" function             hello from req-t"));
    assert!(
        printed[2]
            .ends_with("platform.report      req-t duration 1.50 ms billed 2 ms memory 40/128 MB")
    );
    assert!(printed.iter().all(|line| !line.contains('\x1b')));
}

#[tokio::test]
async fn undecodable_records_are_reported_and_skipped() {
    let moto = moto();
    let stream = unique_name("logs-bad");
    moto.create_stream(&stream, 1).await;
    let kinesis = moto.kinesis().await;
    let good = invocation("g", "sample", "req-g");
    put_json(&kinesis, &stream, &good[..1]).await;
    put_raw(&kinesis, &stream, "k", b"not json at all").await;
    let mut corrupt = telemetry_kinesis_contract::kpl::Aggregator::default();
    corrupt.push("k", good[1].data.as_bytes());
    let mut corrupt = corrupt.finish().to_vec();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0xff;
    put_raw(&kinesis, &stream, "k", &corrupt).await;
    put_json(&kinesis, &stream, &good[2..]).await;

    let output = logs(&stream, &["--from-start", "--json"]);
    let printed = lines(&output);
    assert_eq!(printed, [good[0].data.clone(), good[2].data.clone()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr
            .matches("skipped a record that does not decode: shard shardId-000000000000 sequence ")
            .count(),
        2,
        "{stderr}"
    );
    assert!(stderr.contains("not a telemetry event"), "{stderr}");
    assert!(stderr.contains("digest mismatch"), "{stderr}");
    assert!(stderr.contains("2 undecodable records skipped"), "{stderr}");
}

#[test]
fn a_missing_stream_or_stack_fails_clearly() {
    let output = logs(&unique_name("no-such-stream"), &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(stderr.contains("deployer up"), "{stderr}");

    let stack = unique_name("no-such-stack");
    let output = crate::logs_support::deployer(&["logs", "--stack-name", &stack])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("stack `{stack}` does not exist")),
        "{stderr}"
    );
}

#[test]
fn since_must_be_a_duration_or_a_time() {
    let output = logs("any", &["--since", "yesterday"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`yesterday` is neither a duration"),
        "{stderr}"
    );
}
