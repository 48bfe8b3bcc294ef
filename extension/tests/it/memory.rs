//! Memory stays within the buffer cap plus a constant under a burst far larger than the
//! cap, and every event is delivered, spilled to standard output, or (with spilling off)
//! counted as dropped.

use std::time::Duration;

use serde_json::Value;
use test_support::fake_kinesis::{Behaviour, FakeKinesis};

use crate::control_plane::{ControlPlane, TelemetryAnswer};
use crate::process::{
    Extension, body, free_port, function_events, lambda_env, payloads, post_batch,
};

const WAIT: Duration = Duration::from_secs(60);
const CAP: usize = 2 * 1024 * 1024;
/// Allowed growth beyond the cap: one batch body being read and parsed, allocator slack.
const CONSTANT_KIB: u64 = 12 * 1024;

#[tokio::test]
async fn burst_far_beyond_the_cap_stays_bounded_and_spills_what_it_cannot_keep() {
    burst(true).await;
}

#[tokio::test]
async fn without_spilling_the_drop_count_is_exact() {
    burst(false).await;
}

async fn burst(spill: bool) {
    let kinesis = FakeKinesis::start();
    kinesis.set_behaviour(Behaviour::Refuse);
    let control = ControlPlane::start(TelemetryAnswer::Ok).await;
    let port = free_port();
    let mut env = lambda_env(&control, port);
    env.extend(kinesis.env());
    env.push(("TELEMETRY_KINESIS_BUFFER_CAP_BYTES".into(), CAP.to_string()));
    if !spill {
        env.push(("TELEMETRY_KINESIS_SPILL".into(), "off".into()));
    }
    let mut extension = Extension::spawn(env);
    control.wait_subscribed(WAIT).await;
    control.wait_next_polls(1, WAIT).await;

    // Warm up with one batch so the baseline includes the listener's steady state.
    let batches = 60;
    let per_batch = 500;
    let warm = function_events("warm", per_batch, 1000);
    assert_eq!(post_batch(port, body(&warm)).await, 200);
    let baseline = extension.rss_kib();
    for batch in 0..batches {
        let events = function_events(&format!("burst-{batch}"), per_batch, 1000);
        assert_eq!(post_batch(port, body(&events)).await, 200);
    }
    let peak = extension.peak_rss_kib();
    let sent = (batches + 1) * per_batch;
    let burst_kib = (sent * 1000 / 1024) as u64;
    eprintln!("baseline {baseline} KiB, peak {peak} KiB, burst {burst_kib} KiB");
    assert!(
        peak <= baseline + (CAP / 1024) as u64 + CONSTANT_KIB,
        "peak {peak} KiB over baseline {baseline} KiB + cap + constant"
    );

    kinesis.set_behaviour(Behaviour::Healthy);
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());
    let payloads = payloads(&kinesis.records());
    let delivered = payloads
        .iter()
        .filter(|payload| payload["type"] == "function")
        .count();
    let drops: Vec<&Value> = payloads
        .iter()
        .filter(|payload| payload["type"] == "telemetryKinesis.drops")
        .collect();
    assert!(delivered > 0 && delivered < sent / 5, "{delivered}");
    let log = extension.stderr().join("\n");
    assert!(log.contains("shutdown: 0 events undelivered"), "{log}");
    let logged = |field: &str| -> usize {
        log.split(&format!("{field}="))
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|count| count.parse().ok())
            .unwrap()
    };
    let dropped = logged("dropped_buffer_full");
    let spilled = extension.spilled();
    let spilled_functions = spilled
        .iter()
        .filter(|(_, payload)| payload["type"] == "function")
        .count();
    if spill {
        assert_eq!(dropped, 0);
        assert_eq!(logged("spilled_before"), spilled.len());
        assert_eq!(
            delivered + spilled_functions,
            sent,
            "every event delivered or spilled"
        );
    } else {
        assert!(spilled.is_empty());
        assert_eq!(
            delivered + dropped,
            sent,
            "every event delivered or counted"
        );
    }
    // The stream carries the counts too: the last report's running total is exact up to
    // the report itself (pushing it may evict one more event).
    let field = if spill { "spilled" } else { "bufferFull" };
    let counted = if spill { spilled.len() } else { dropped };
    let reported = drops.last().unwrap()["record"]["total"][field]
        .as_u64()
        .unwrap() as usize;
    assert!(
        reported <= counted && reported + 1 >= counted,
        "{reported} vs {counted}"
    );
}
