//! Kinesis faults: partial failures, 5xx, stalls and refused connections lose nothing,
//! and a SHUTDOWN during an outage ends before the deadline with the count logged.

use std::time::{Duration, Instant};

use test_support::fake_kinesis::{Behaviour, EntryError, FakeKinesis};

use crate::control_plane::ControlPlane;
use crate::launch::{Launch, launch};
use crate::process::{Extension, body, function_events, function_records, payloads, post_batch};

const WAIT: Duration = Duration::from_secs(20);

async fn start(kinesis: &FakeKinesis, extra: &[(&str, &str)]) -> (ControlPlane, Extension, u16) {
    let started = launch(kinesis, Launch::with_env(extra)).await;
    // The call that prepares the connection (nothing is buffered yet), so that the calls
    // counted below are the ones carrying events.
    assert!(kinesis.wait_for_calls(1, WAIT).await);
    started
}

#[tokio::test]
async fn every_event_arrives_through_partial_failures_errors_stalls_and_refusals() {
    let kinesis = FakeKinesis::start();
    let (control, mut extension, port) =
        start(&kinesis, &[("TELEMETRY_KINESIS_FLUSH", "background")]).await;
    let phases = [
        Behaviour::PartialFailure {
            every: 3,
            error: EntryError::Throttled,
        },
        Behaviour::PartialFailure {
            every: 2,
            error: EntryError::InternalFailure,
        },
        Behaviour::Status(500),
        Behaviour::Status(503),
        Behaviour::Stall,
        Behaviour::Refuse,
    ];
    // As in Lambda, the invocation starts before its telemetry arrives.
    control.invoke("r1");
    let mut expected = Vec::new();
    for (phase, behaviour) in phases.iter().enumerate() {
        kinesis.set_behaviour(*behaviour);
        let events = function_events(&format!("phase-{phase}"), 40, 100);
        expected.extend(
            events
                .iter()
                .map(|event| event["record"].as_str().unwrap().to_owned()),
        );
        let calls = kinesis.calls();
        assert_eq!(post_batch(port, body(&events)).await, 200);
        if !matches!(behaviour, Behaviour::Refuse) {
            // Let the dispatcher meet the fault at least once before the next phase.
            assert!(kinesis.wait_for_calls(calls + 1, WAIT).await);
        }
    }
    kinesis.set_behaviour(Behaviour::Healthy);
    assert!(kinesis.wait_for_records(expected.len(), WAIT).await);
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());
    let mut delivered = function_records(&payloads(&kinesis.records()));
    delivered.sort();
    expected.sort();
    assert_eq!(delivered, expected);
    assert!(kinesis.failed_entries() > 0);
    let log = extension.stderr().join("\n");
    assert!(log.contains("shutdown: 0 events undelivered"), "{log}");
}

#[tokio::test]
async fn shutdown_during_an_outage_ends_before_the_deadline_with_the_count_logged() {
    for outage in [Behaviour::Stall, Behaviour::Refuse, Behaviour::Status(503)] {
        let kinesis = FakeKinesis::start();
        let (control, mut extension, port) = start(&kinesis, &[]).await;
        kinesis.set_behaviour(outage);
        assert_eq!(
            post_batch(port, body(&function_events("outage", 37, 80))).await,
            200
        );
        let budget = Duration::from_millis(2000);
        let started = Instant::now();
        control.shutdown(budget);
        let status = extension.wait(WAIT).await;
        let took = started.elapsed();
        assert!(status.success(), "{outage:?}: {status}");
        assert!(took < budget, "{outage:?}: shutdown took {took:?}");
        let log = extension.stderr().join("\n");
        assert!(
            log.contains("shutdown: 37 events undelivered"),
            "{outage:?}: {log}"
        );
        assert!(kinesis.records().is_empty());
    }
}

#[tokio::test]
async fn end_strategy_flushes_after_runtime_done_before_next() {
    let kinesis = FakeKinesis::start();
    let (control, mut extension, port) =
        start(&kinesis, &[("TELEMETRY_KINESIS_FLUSH", "end")]).await;
    control.invoke("request-1");
    let mut events = function_events("request-1", 5, 50);
    events.insert(0, serde_json::json!({"time": "t", "type": "platform.start", "record": {"requestId": "request-1"}}));
    events.push(serde_json::json!({"time": "t", "type": "platform.runtimeDone", "record": {"requestId": "request-1", "status": "success"}}));
    assert_eq!(post_batch(port, body(&events)).await, 200);
    // `next` is called again only after the flush: everything is on Kinesis by then.
    control.wait_next_polls(2, WAIT).await;
    assert_eq!(kinesis.records().len(), 7);
    let payloads = payloads(&kinesis.records());
    assert!(
        payloads
            .iter()
            .all(|payload| payload["functionName"] == "test-function")
    );
    let keys: std::collections::HashSet<_> = kinesis
        .records()
        .iter()
        .map(|record| record.partition_key.clone())
        .collect();
    assert_eq!(keys.len(), 1, "one invocation, one partition key");
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());
}

#[tokio::test]
async fn shutdown_waits_for_the_last_invocations_telemetry() {
    let kinesis = FakeKinesis::start();
    let (control, mut extension, port) = start(
        &kinesis,
        &[
            ("TELEMETRY_KINESIS_FLUSH", "background"),
            ("TELEMETRY_KINESIS_BUFFERING_TIMEOUT_MS", "25"),
        ],
    )
    .await;
    control.invoke("last");
    control.wait_next_polls(2, WAIT).await;
    control.shutdown(Duration::from_secs(2));
    control.wait_events_taken(2, WAIT).await;
    // The last invocation's telemetry arrives after SHUTDOWN, as it can on Lambda.
    let mut events = function_events("last", 3, 40);
    events.push(serde_json::json!({"time": "t", "type": "platform.runtimeDone", "record": {"requestId": "last", "status": "success"}}));
    assert_eq!(post_batch(port, body(&events)).await, 200);
    assert!(extension.wait(WAIT).await.success());
    let delivered = function_records(&payloads(&kinesis.records()));
    assert_eq!(delivered.len(), 3, "{delivered:?}");
}
