//! Malformed, oversized and unknown-type batches: the extension keeps running, answers
//! 200 so Lambda does not redeliver, counts them, and keeps every good event around them.

use std::time::Duration;

use serde_json::{Value, json};
use test_support::fake_kinesis::FakeKinesis;

use crate::control_plane::{ControlPlane, TelemetryAnswer};
use http::Method;

use crate::process::{
    Extension, body, free_port, function_events, lambda_env, payloads, post_batch, try_post,
};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn bad_batches_are_answered_counted_and_good_events_kept() {
    let kinesis = FakeKinesis::start();
    let control = ControlPlane::start(TelemetryAnswer::Ok).await;
    let port = free_port();
    let mut env = lambda_env(&control, port);
    env.extend(kinesis.env());
    env.push(("TELEMETRY_KINESIS_FLUSH".into(), "background".into()));
    let mut extension = Extension::spawn(env);
    control.wait_subscribed(WAIT).await;

    let before = function_events("before", 10, 60);
    let after = function_events("after", 10, 60);
    let big_record = "y".repeat(2 * 1024 * 1024);
    let mixed = vec![
        json!({"time": "t1", "type": "platform.restoreStart", "record": {"runtimeVersion": "v"}}),
        json!({"time": "t2", "type": "platform.fromTheFuture", "record": [1, {"two": 2}]}),
        json!(42),
        json!({"time": "t3", "type": "function", "record": {"level": "INFO", "message": {"nested": true}}}),
        json!({"time": "t4", "type": "function", "record": big_record}),
    ];
    // As in Lambda, the invocation starts before its telemetry arrives.
    control.invoke("r1");
    assert_eq!(post_batch(port, body(&before)).await, 200);
    assert_eq!(
        post_batch(port, b"{\"not\": \"an array\"}".to_vec()).await,
        200
    );
    assert_eq!(
        post_batch(port, b"[{\"time\": \"t\", \"type\"".to_vec()).await,
        200
    );
    // Too large to read: refused before its body is read (the client may see the refusal
    // or a closed connection while still writing).
    let oversized = try_post(port, Method::POST, vec![b'['; 5 * 1024 * 1024]).await;
    assert!(
        oversized.as_ref().is_err() || oversized.as_ref().is_ok_and(|status| *status == 413),
        "{oversized:?}"
    );
    // Not a batch: refused, not counted.
    assert_eq!(try_post(port, Method::GET, Vec::new()).await.unwrap(), 405);
    assert_eq!(
        try_post(port, Method::DELETE, Vec::new()).await.unwrap(),
        405
    );
    // An event that is not UTF-8 is dropped alone.
    let mut invalid_utf8 = body(&before[..1]);
    invalid_utf8.pop();
    invalid_utf8.extend_from_slice(b",{\"time\":\"t\",\"type\":\"function\",\"record\":\"\xff\"}]");
    assert_eq!(post_batch(port, invalid_utf8).await, 200);
    assert_eq!(post_batch(port, body(&mixed)).await, 200);
    assert_eq!(post_batch(port, body(&after)).await, 200);

    // 10 + 1 + 4 good mixed + 10, and one self-telemetry event about the drops.
    assert!(kinesis.wait_for_records(26, WAIT).await);
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());

    let payloads = payloads(&kinesis.records());
    let of_type = |kind: &str| -> Vec<&Value> {
        payloads
            .iter()
            .filter(|payload| payload["type"] == kind)
            .collect()
    };
    assert_eq!(of_type("function").len(), 23);
    assert_eq!(
        of_type("platform.restoreStart")[0]["record"],
        json!({"runtimeVersion": "v"})
    );
    assert_eq!(
        of_type("platform.fromTheFuture")[0]["record"],
        json!([1, {"two": 2}])
    );
    let json_log = of_type("function")
        .into_iter()
        .find(|payload| payload["time"] == "t3")
        .unwrap();
    assert_eq!(json_log["record"]["message"], json!({"nested": true}));
    let truncated = payloads
        .iter()
        .find(|payload| payload["time"] == "t4")
        .unwrap();
    assert_eq!(
        truncated["truncated"]["originalBytes"],
        big_record.len() + 2
    );
    assert!(truncated["record"].as_str().unwrap().starts_with("\"yyyy"));
    // Reports carry running totals; the last one (at SHUTDOWN at the latest) has them all.
    let drops = of_type("telemetryKinesis.drops");
    let total = &drops.last().unwrap()["record"]["total"];
    assert_eq!(total["malformedBatches"], 3, "{drops:?}");
    assert_eq!(total["invalidEvents"], 2, "{drops:?}");
    assert_eq!(total["bufferFull"], 0);
    let log = extension.stderr().join("\n");
    assert_eq!(log.matches("dropped a telemetry batch").count(), 2, "{log}");
    assert_eq!(log.matches("refused a telemetry batch").count(), 1, "{log}");
    assert!(
        !log.contains("an array\""),
        "batch contents must not be logged: {log}"
    );
}
