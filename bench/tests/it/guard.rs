//! Throughput against a baseline measured in the same run, and memory against the cap.
//!
//! Both run on the debug build under `cargo test --workspace`, so the limits are loose:
//! they catch a 3x slowdown or a buffer that stops honouring its cap, not noise.

use bench::artifacts::{self, ExtensionLayer, Profile};
use bench::baseline::Baseline;
use bench::harness;
use bench::suites::{memory, throughput};
use std::time::Duration;

/// Serialises the guard's tests: they measure, so they must not share the CPUs.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Extension throughput over baseline throughput measured on the debug build when the
/// guard was written (see BENCHMARKS.md); the guard fails below a third of it.
const EXPECTED_RATIO: f64 = 0.25;
/// The regression factor that fails the guard.
const SLOWDOWN_LIMIT: f64 = 3.0;
/// Idle peak RSS allowed to the debug build: the release target (10 MiB) plus what the
/// unoptimised binary adds.
const IDLE_RSS_LIMIT_KIB: u64 = 10 * 1024 + 20 * 1024;
/// Peak RSS growth allowed over the byte cap with Kinesis stalled: the listener's
/// request buffers and allocator slack.
const CAP_SLACK_BYTES: u64 = 8 * 1024 * 1024;
/// Throughput windows.
const WINDOW: Duration = Duration::from_secs(4);

fn layer() -> ExtensionLayer {
    let binary = artifacts::extension_binary(Profile::Debug).unwrap();
    ExtensionLayer::new(&binary).unwrap()
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
    let plan = throughput::Plan {
        format: "json",
        warm_up: Duration::from_secs(1),
        window: WINDOW,
        pin: false,
    };
    let (figures, ()) = throughput::run(&layer, &plan, |_, _| async {})
        .await
        .unwrap();
    let ratio = figures.events_per_second / baseline;
    eprintln!(
        "guard: extension {:.0} events/s, baseline {baseline:.0} events/s, ratio {ratio:.3} (expected {EXPECTED_RATIO})",
        figures.events_per_second
    );
    assert!(
        ratio >= EXPECTED_RATIO / SLOWDOWN_LIMIT,
        "throughput regressed: {:.0} events/s is {ratio:.3} of the baseline's {baseline:.0}, \
         below {EXPECTED_RATIO}/{SLOWDOWN_LIMIT}: {figures:#?}",
        figures.events_per_second
    );
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

    let cap = memory::cap_holds(&layer).await.unwrap();
    eprintln!("guard: stalled Kinesis: {cap:?}");
    assert!(
        cap.posted_bytes > 4 * cap.cap_bytes,
        "the run must post well over the cap: {cap:?}"
    );
    assert!(
        cap.growth_bytes() <= cap.cap_bytes + CAP_SLACK_BYTES,
        "peak RSS grew {} bytes over idle with a {}-byte cap: {cap:?}",
        cap.growth_bytes(),
        cap.cap_bytes
    );
    assert!(
        cap.dropped.unwrap_or(0) > 0,
        "a full buffer must drop: {cap:?}"
    );
}
