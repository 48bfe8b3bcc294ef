//! The edges real fleets hit, counted: a hot shard through SHUTDOWN, an outage inside the
//! shutdown budget, Kinesis down through SHUTDOWN, and a termination signal. Every event
//! sent must end on the stream or spilled to the extension's output, in both formats.

use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use test_support::fake_kinesis::{Behaviour, EntryError, FakeKinesis};

use crate::control_plane::ControlPlane;
use crate::launch::{Launch, launch};
use crate::process::{Extension, body, function_events, post_batch};
use crate::tally::{Tally, invocation, tally};

const WAIT: Duration = Duration::from_secs(30);
/// Lambda's SHUTDOWN budget with external extensions.
const SHUTDOWN_BUDGET: Duration = Duration::from_millis(2000);
/// The extension gives itself 500 ms after a signal; exiting within 1 s is the requirement.
/// Between them, room for a loaded machine's scheduling, not for waiting on a stalled call.
const SIGNAL_EXIT: Duration = Duration::from_millis(750);
const HOT_SHARD: Behaviour = Behaviour::FailPercent {
    percent: 30,
    error: EntryError::Throttled,
};

async fn start(kinesis: &FakeKinesis, format: &str) -> (ControlPlane, Extension, u16) {
    launch(
        kinesis,
        Launch::with_env(&[("TELEMETRY_KINESIS_RECORD_FORMAT", format)]),
    )
    .await
}

/// 50 busy invocations of 20 lines (1,150 events), then SHUTDOWN with Lambda's budget.
async fn busy_then_shutdown(kinesis: &FakeKinesis, format: &str) -> (Tally, Extension) {
    let (control, mut extension, port) = start(kinesis, format).await;
    let mut sent = Vec::new();
    for index in 0..50 {
        let request_id = format!("{format}-{index}");
        control.invoke(&request_id);
        let events = invocation(&request_id, 20);
        assert_eq!(post_batch(port, body(&events)).await, 200);
        sent.extend(events);
    }
    control.shutdown(SHUTDOWN_BUDGET);
    assert!(extension.wait(WAIT).await.success());
    let tally = tally(&sent, kinesis, &extension);
    eprintln!("{format}: {tally:?}");
    assert_eq!(tally.sent, 1150);
    (tally, extension)
}

#[tokio::test]
async fn a_hot_shard_through_shutdown_loses_nothing_from_the_stream() {
    for format in ["json", "kpl"] {
        let kinesis = FakeKinesis::start();
        kinesis.set_behaviour(HOT_SHARD);
        let (tally, _) = busy_then_shutdown(&kinesis, format).await;
        assert_eq!(tally.on_stream, tally.sent, "{format}: {tally:?}");
        assert!(kinesis.failed_entries() > 0);
    }
}

#[tokio::test]
async fn an_outage_inside_the_shutdown_budget_ends_on_the_stream_or_spilled() {
    for format in ["json", "kpl"] {
        let kinesis = FakeKinesis::start();
        kinesis.set_behaviour(HOT_SHARD);
        kinesis.schedule([
            (Duration::from_millis(500), Behaviour::Status(500)),
            (Duration::from_millis(3000), HOT_SHARD),
        ]);
        let (tally, _) = busy_then_shutdown(&kinesis, format).await;
        assert_eq!(tally.lost, 0, "{format}: {tally:?}");
    }
}

#[tokio::test]
async fn kinesis_down_through_shutdown_spills_every_event() {
    for format in ["json", "kpl"] {
        let kinesis = FakeKinesis::start();
        kinesis.set_behaviour(Behaviour::Refuse);
        let (tally, extension) = busy_then_shutdown(&kinesis, format).await;
        assert_eq!(tally.on_stream, 0);
        assert_eq!(tally.spilled, tally.sent, "{format}: {tally:?}");
        let log = extension.stderr().join("\n");
        assert!(log.contains("spilled to the log, 0 lost"), "{log}");
    }
}

#[tokio::test]
async fn sigterm_with_kinesis_stalled_exits_within_a_second_with_every_event_kept() {
    for format in ["json", "kpl"] {
        let kinesis = FakeKinesis::start();
        let (control, mut extension, port) = start(&kinesis, format).await;
        kinesis.set_behaviour(Behaviour::Stall);
        control.invoke("r1");
        let sent: Vec<Value> = function_events(&format!("{format}-signal"), 500, 100);
        assert_eq!(post_batch(port, body(&sent)).await, 200);
        let signalled = Instant::now();
        kill(Pid::from_raw(extension.pid() as i32), Signal::SIGTERM).unwrap();
        let status = extension.wait(WAIT).await;
        let took = extension.exited_at().unwrap() - signalled;
        eprintln!("{format}: exit {took:?} after SIGTERM");
        assert!(status.success(), "{status}");
        assert!(took < SIGNAL_EXIT, "{format}: exit took {took:?}");
        let tally = tally(&sent, &kinesis, &extension);
        assert_eq!(tally.lost, 0, "{format}: {tally:?}");
        let log = extension.stderr().join("\n");
        assert!(
            log.contains("reason=\"SIGTERM\"") || log.contains("reason=SIGTERM"),
            "{log}"
        );
        kinesis.set_behaviour(Behaviour::Healthy);
    }
}
