//! Instructions per event counted by callgrind, throughput against a baseline measured
//! in the same run, memory against the cap with every event accounted for, and a hot
//! shard that must lose nothing.
//!
//! They run on the debug build under `cargo test --workspace`, so the limits are loose:
//! they catch a 2x slowdown, a buffer that stops honouring its cap or an event that goes
//! missing, not noise.

use bench::artifacts::ExtensionLayer;
use bench::baseline::Baseline;
use bench::harness;
use bench::suites::faults::{self, Scenario, Verdict};
use bench::suites::instructions;
use bench::suites::pressure::{self, MIB, StalledPlan};
use bench::suites::throughput;
use std::time::Duration;

/// Serialises the guard's tests: they measure, so they must not share the CPUs.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Instructions per event of the debug build without SHA-256 (see BENCHMARKS.md), per
/// format, as callgrind counts them: the same on any machine of this kind whatever else
/// it runs. The guard fails above twice these (a 2x slowdown of the extension's code).
const EXPECTED_INSTRUCTIONS: [(&str, f64); 2] = [("json", 89_000.0), ("kpl", 106_000.0)];
/// The regression factor that fails the instructions guard.
const SLOWDOWN_LIMIT: f64 = 2.0;
/// Batches of the two callgrind runs (1,000 events each): one event's cost is their
/// difference over 1,000 events.
const CALLGRIND_BATCHES: (usize, usize) = (1, 2);
/// Delivered events per second over the baseline's (a listener in this process that only
/// parses), paced runs of the debug build: these catch a regression that waits rather
/// than computes, which instructions do not show. Loose (3x): events per second depend on
/// what else the machine runs.
const EXPECTED_RATE_RATIOS: [(&str, f64); 2] = [("json", 0.069), ("kpl", 0.080)];
/// The regression factor of the rate ratio that fails the guard.
const RATE_SLOWDOWN_LIMIT: f64 = 3.0;
/// Idle peak RSS allowed to the debug build: the release target (10 MiB) plus what the
/// unoptimised binary adds.
const IDLE_RSS_LIMIT_KIB: u64 = 10 * 1024 + 20 * 1024;
/// Peak RSS growth allowed over the byte cap with Kinesis stalled: the listener's
/// request buffers and allocator slack.
const CAP_SLACK_BYTES: u64 = 8 * MIB;
/// The stalled run: about 11 MB (five times the cap) over 2 connections; the spill lines
/// stay under the sandbox's capture cap, so every event is read back.
const STALLED: StalledPlan = StalledPlan {
    cap_bytes: 2 * MIB,
    bytes: 11_000_000,
    connections: 2,
};
/// Throughput windows.
const WINDOW: Duration = Duration::from_secs(4);

fn layer() -> ExtensionLayer {
    let binary = test_support::built_binary(
        "telemetry-kinesis-extension",
        telemetry_kinesis_contract::names::EXTENSION_NAME,
    );
    ExtensionLayer::new(&binary).unwrap()
}

fn expected(table: &[(&str, f64)], format: &str) -> f64 {
    table
        .iter()
        .find(|(name, _)| *name == format)
        .map(|(_, value)| *value)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instructions_per_event_stay_within_twice_the_measured() {
    let _serial = SERIAL.lock().await;
    let layer = layer();
    let mut failures = Vec::new();
    for format in ["json", "kpl"] {
        let figures = instructions::run(layer.binary(), "debug", format, CALLGRIND_BATCHES)
            .await
            .unwrap();
        let measured = figures
            .without_sha256_per_event
            .expect("the debug build has symbols");
        let limit = expected(&EXPECTED_INSTRUCTIONS, format) * SLOWDOWN_LIMIT;
        eprintln!(
            "guard: {format}: {measured:.0} instructions per event without SHA-256 ({:.0} in \
             all), limit {limit:.0}; {:.1} s",
            figures.per_event, figures.seconds
        );
        if measured > limit {
            failures.push(format!(
                "{format}: {measured:.0} instructions per event (without SHA-256), over \
                 {limit:.0}: {:?}",
                figures.groups
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "instructions per event regressed: {failures:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_is_not_grossly_below_the_same_run_baseline() {
    let _serial = SERIAL.lock().await;
    let layer = layer();
    let (bodies, _) = throughput::bodies();
    let baseline = Baseline::start()
        .unwrap()
        .measure(bodies, throughput::CONNECTIONS, WINDOW)
        .await
        .unwrap();
    let mut failures = Vec::new();
    for format in ["json", "kpl"] {
        let plan = throughput::Plan {
            format,
            warm_up: Duration::from_secs(1),
            window: WINDOW,
            pin: false,
            paced: true,
        };
        let figures = throughput::run(&layer, &plan).await.unwrap();
        let ratio = figures.events_per_second / baseline.events_per_second;
        eprintln!(
            "guard: {format}: delivered {:.0}/s ({:?} µs of CPU per event); baseline {:.0}/s \
             ({:?}); ratio {ratio:.4}",
            figures.events_per_second,
            figures.cpu_per_event.map(|cpu| cpu.micros),
            baseline.events_per_second,
            baseline.cpu_per_event.map(|cpu| cpu.micros),
        );
        let limit = expected(&EXPECTED_RATE_RATIOS, format) / RATE_SLOWDOWN_LIMIT;
        if ratio < limit {
            failures.push(format!(
                "{format}: {:.0} events/s delivered, {ratio:.4} of the baseline's, under \
                 {limit:.4}",
                figures.events_per_second
            ));
        }
        assert_eq!(figures.missing, 0, "{figures:#?}");
    }
    assert!(failures.is_empty(), "throughput regressed: {failures:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_under_its_limits() {
    let _serial = SERIAL.lock().await;
    let layer = layer();
    let running = harness::start(&layer, harness::Setup::driven())
        .await
        .unwrap();
    let idle = harness::memory(running.pid).unwrap().peak_kib;
    running.sandbox.shutdown().await.unwrap();
    eprintln!("guard: idle peak RSS {idle} KiB");
    assert!(
        idle <= IDLE_RSS_LIMIT_KIB,
        "idle peak RSS {idle} KiB over {IDLE_RSS_LIMIT_KIB} KiB"
    );

    let stalled = pressure::stalled(&layer, STALLED).await.unwrap();
    let cap = stalled.plan.cap_bytes;
    eprintln!("guard: stalled Kinesis: {stalled:?}");
    assert!(
        stalled.posted_bytes > 4 * cap,
        "the run must post well over the cap: {stalled:?}"
    );
    assert!(
        stalled.growth_bytes() <= cap + CAP_SLACK_BYTES,
        "peak RSS grew {} bytes over idle with a {cap}-byte cap: {stalled:?}",
        stalled.growth_bytes(),
    );
    let spilled = stalled.spilled.expect("the sandbox kept every spill line");
    assert!(spilled > 0, "a full buffer must spill: {stalled:?}");
    assert_eq!(
        stalled.delivered + spilled,
        stalled.posted_events,
        "every event delivered or spilled: {stalled:?}"
    );
    let log = stalled
        .shutdown_log
        .expect("the extension logged its counts");
    assert_eq!(log.lost_total(), 0, "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_shard_loses_nothing() {
    let _serial = SERIAL.lock().await;
    let figures = faults::run(&layer(), Scenario::HotShard, "json")
        .await
        .unwrap();
    eprintln!("guard: {:?}", figures.row());
    assert_eq!(figures.verdict, Verdict::Met, "{figures:#?}");
    assert!(figures.failed_entries > 0, "{figures:#?}");
}
