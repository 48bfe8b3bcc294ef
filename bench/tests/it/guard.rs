//! Throughput against a baseline measured in the same run, memory against the cap with
//! every event accounted for, and a hot shard that must lose nothing.
//!
//! They run on the debug build under `cargo test --workspace`, so the limits are loose:
//! they catch a 3x slowdown, a buffer that stops honouring its cap or an event that goes
//! missing, not noise.

use bench::artifacts::ExtensionLayer;
use bench::baseline::Baseline;
use bench::harness;
use bench::suites::faults::{self, Scenario, Verdict};
use bench::suites::pressure::{self, MIB, StalledPlan};
use bench::suites::throughput;
use std::time::Duration;

/// Serialises the guard's tests: they measure, so they must not share the CPUs.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Extension throughput over baseline throughput, as measured on the debug build (2 CPUs,
/// AMD EPYC; see BENCHMARKS.md), per (format, figure). `delivered`: events acknowledged by
/// the Kinesis stand-in per second; `accepted`: events the listener took in (parsed,
/// encoded, buffered) per second. Measured again once the extension spilled what its cap
/// evicts instead of dropping it (0.016, 0.11 and 0.055 before): the load outruns delivery,
/// and the spill lines, written on the same core, come back as `extension` telemetry. The
/// guard fails below a third of these.
const EXPECTED_RATIOS: [(&str, Figure, f64); 3] = [
    ("json", Figure::Delivered, 0.007),
    ("json", Figure::Accepted, 0.05),
    ("kpl", Figure::Delivered, 0.029),
];
/// The regression factor that fails the guard.
const SLOWDOWN_LIMIT: f64 = 3.0;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Figure {
    Delivered,
    Accepted,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_is_not_grossly_below_the_same_run_baseline() {
    let _serial = SERIAL.lock().await;
    let layer = layer();
    let (bodies, _) = throughput::bodies();
    let baseline = Baseline::start()
        .unwrap()
        .events_per_second(bodies, throughput::CONNECTIONS, WINDOW)
        .await
        .unwrap();
    let mut failures = Vec::new();
    for format in ["json", "kpl"] {
        let plan = throughput::Plan {
            format,
            warm_up: Duration::from_secs(1),
            window: WINDOW,
            pin: false,
        };
        let (figures, ()) = throughput::run(&layer, &plan, |_, _| async {})
            .await
            .unwrap();
        eprintln!(
            "guard: {format}: delivered {:.0}/s, accepted {:.0}/s, baseline {baseline:.0}/s",
            figures.events_per_second, figures.posted_per_second
        );
        for (expected_format, figure, expected) in EXPECTED_RATIOS {
            if expected_format != format {
                continue;
            }
            let measured = match figure {
                Figure::Delivered => figures.events_per_second,
                Figure::Accepted => figures.posted_per_second,
            };
            let ratio = measured / baseline;
            if ratio < expected / SLOWDOWN_LIMIT {
                failures.push(format!(
                    "{format} {figure:?}: {measured:.0} events/s is {ratio:.4} of the baseline's \
                     {baseline:.0}/s, under {expected}/{SLOWDOWN_LIMIT}"
                ));
            }
        }
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
