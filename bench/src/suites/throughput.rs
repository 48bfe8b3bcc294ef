//! Throughput: events per second from Telemetry API POSTs through the extension's
//! listener, buffer and encoder into PutRecords, sustained, per record format; and the
//! extension's CPU time per event over the same window, which the machine's other load
//! hardly moves. The Kinesis stand-in only counts (it decodes nothing), and the load is
//! paced by delivery so the extension's buffer stays under its memory cap: what is
//! measured is delivery, not eviction and spilling.

use crate::accounting::{self, ShutdownLog};
use crate::artifacts::{ExtensionLayer, Flavour};
use crate::cpu::{self, PerEvent};
use crate::delivery::Tally;
use crate::error::BenchError;
use crate::events::{self, EventKind};
use crate::harness::{self, Running, Setup, StandIn};
use crate::load::{self, Feed};
use crate::stats::Summary;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use tokio::sync::watch;
use tokio::time::Instant;

/// Distinct batch bodies cycled through.
const DISTINCT_BODIES: usize = 16;
/// Parallel connections of the load generator.
pub const CONNECTIONS: usize = 2;
/// Paced load: accepted events that may be undelivered before the next batch waits,
/// well under the default memory cap (8 MiB at 128 MB) with the bodies being read and the
/// call being sent.
pub const PACE_AHEAD: u64 = 5_000;
/// After the window, how long delivery may make no progress before the run stops waiting
/// for the rest.
const DRAIN_STALL: Duration = Duration::from_secs(2);
/// The longest wait for the rest after the window.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// How to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `json` or `kpl` (the peer always sends JSON records).
    pub format: &'static str,
    /// Load before the measured window.
    pub warm_up: Duration,
    /// The measured window.
    pub window: Duration,
    /// Pin the extension to CPU 0 and this process to the others (when there are two or
    /// more), so the extension has exactly one core.
    pub pin: bool,
    /// Pace the load by delivery ([`PACE_AHEAD`]); otherwise post as fast as the listener
    /// answers.
    pub paced: bool,
}

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Which extension.
    pub extension: Flavour,
    /// `json` or `kpl`.
    pub format: &'static str,
    /// Whether the load was paced by delivery.
    pub paced: bool,
    /// Events delivered per second over the window.
    pub events_per_second: f64,
    /// Per-second delivery rates within the window.
    pub per_second: Option<Summary>,
    /// Events the listener accepted per second over the window (each POST is answered
    /// once its events are parsed, encoded and buffered; the peer answers once it sent
    /// them).
    pub accepted_per_second: f64,
    /// The extension's CPU time (all threads) over the window per event delivered in it.
    pub cpu_per_event: Option<PerEvent>,
    /// The same per event accepted in the window.
    pub cpu_per_accepted_event: Option<PerEvent>,
    /// The benchmark's own CPU time (load generator, Kinesis stand-in, sandbox) over the
    /// window per event delivered: when it nears a whole core, the harness is the limit.
    pub harness_cpu_per_event: Option<PerEvent>,
    /// Events delivered in the window.
    pub delivered_in_window: u64,
    /// Events accepted over the whole run.
    pub accepted: u64,
    /// What the stand-in accepted over the whole run, after the rest was awaited.
    pub tally: Tally,
    /// PutRecords calls over the whole run.
    pub calls: u64,
    /// Lines the extension wrote to its standard output: for this project's extension,
    /// events its memory cap evicted (spilled, one line each); for the peer, errors.
    pub stdout_lines: u64,
    /// Accepted events neither delivered nor (for this project's extension) spilled.
    pub missing: u64,
    /// Events delivered beyond the posted ones, after the load started: the extension's
    /// own log lines coming back as `extension` events (the sandbox delivers them as
    /// Lambda does), or duplicates.
    pub extra_events: u64,
    /// Events neither delivered nor spilled, by the extension's own shutdown log.
    pub lost_by_log: Option<u64>,
    /// The extension's peak RSS over the run, in KiB.
    pub peak_rss_kib: u64,
}

/// 200-byte log lines, [`events::LAMBDA_MAX_ITEMS`] per batch.
pub fn bodies() -> (Arc<Vec<bytes::Bytes>>, usize) {
    let time = events::now_rfc3339();
    let bodies = (0..DISTINCT_BODIES)
        .map(|body| {
            let batch: Vec<String> = (0..events::LAMBDA_MAX_ITEMS)
                .map(|index| {
                    EventKind::LogLine200.event(body * events::LAMBDA_MAX_ITEMS + index, &time)
                })
                .collect();
            events::batch_body(&batch)
        })
        .collect();
    (Arc::new(bodies), events::LAMBDA_MAX_ITEMS)
}

/// CPU time and accepted events at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    cpu: Duration,
    harness: Duration,
    accepted: u64,
}

/// Runs the load for `plan` against the extension of `layer`.
pub async fn run(layer: &ExtensionLayer, plan: &Plan) -> Result<Throughput, BenchError> {
    let setup = Setup::driven()
        .env(settings::RECORD_FORMAT, plan.format)
        .stand_in(StandIn::Counting);
    let running = harness::start(layer, setup).await?;
    let pinned = plan.pin && pin(running.pid).await;
    let measured = measure(&running, plan).await;
    if pinned {
        unpin().await;
    }
    let report = running.sandbox.shutdown().await?;
    let mut figures = measured?;
    figures.extension = layer.flavour();
    let output = report.process(layer.name()).map(|process| &process.output);
    figures.stdout_lines = output.map_or(0, accounting::stdout_lines);
    let spilled = match layer.flavour() {
        Flavour::Ours => figures.stdout_lines,
        Flavour::Peer => 0,
    };
    figures.missing = figures
        .accepted
        .saturating_sub(figures.tally.events + spilled);
    figures.lost_by_log = output
        .and_then(|output| ShutdownLog::parse(&output.stderr))
        .map(|log| log.lost_total());
    Ok(figures)
}

async fn measure(running: &Running, plan: &Plan) -> Result<Throughput, BenchError> {
    let before_load = settled(running).await;
    let (bodies, events_per_body) = bodies();
    let start = Instant::now();
    let window_start = start + plan.warm_up;
    let window_end = window_start + plan.window;
    let (delivered_sender, delivered) = watch::channel(0u64);
    let feed = Feed {
        accepted: Arc::new(AtomicU64::new(0)),
        events_per_body: events_per_body as u64,
        pace: plan.paced.then_some((delivered, PACE_AHEAD)),
    };
    let accepted = Arc::clone(&feed.accepted);
    let posting = load::post_fed(running.listener, bodies, CONNECTIONS, window_end, feed);
    let mut seen: Vec<(Instant, u64)> = Vec::new();
    let counting = watch_delivery(running, window_end, &delivered_sender, &mut seen);
    let sample = |accepted: &AtomicU64| {
        Ok::<_, BenchError>(Sample {
            cpu: cpu::process_time(running.pid)?,
            harness: cpu::process_time(std::process::id())?,
            accepted: accepted.load(Ordering::Relaxed),
        })
    };
    let sampling = async {
        tokio::time::sleep_until(window_start).await;
        let first = sample(&accepted);
        tokio::time::sleep_until(window_end).await;
        (first, sample(&accepted))
    };
    let (posted, (), (first, last)) = tokio::join!(posting, counting, sampling);
    posted?;
    let (first, last) = (first?, last?);
    let peak_rss_kib = harness::memory(running.pid)?.peak_kib;
    // The rest: until everything accepted is delivered or delivery stops progressing.
    let total = accepted.load(Ordering::Relaxed);
    let mut last_progress = (
        running.kinesis.counters().user_records_accepted,
        Instant::now(),
    );
    let drain_end = Instant::now() + DRAIN_LIMIT;
    while last_progress.0 < total && Instant::now() < drain_end {
        let known = last_progress.0;
        running
            .kinesis
            .wait_for(
                |counters| counters.user_records_accepted > known,
                DRAIN_STALL,
            )
            .await;
        let now = running.kinesis.counters().user_records_accepted;
        if now == known {
            break;
        }
        last_progress = (now, Instant::now());
    }
    let counters = running.kinesis.counters();
    let mut tally = Tally::from_counters(&counters);
    tally.events -= before_load.min(tally.events);

    let at = |moment: Instant| {
        seen.iter()
            .take_while(|(when, _)| *when <= moment)
            .last()
            .map_or(0, |(_, events)| *events)
    };
    let delivered_in_window = at(window_end).saturating_sub(at(window_start));
    let accepted_in_window = last.accepted - first.accepted;
    let seconds = plan.window.as_secs_f64();
    let rates: Vec<f64> = (0..plan.window.as_secs())
        .map(|second| {
            let from = window_start + Duration::from_secs(second);
            (at(from + Duration::from_secs(1)) - at(from)) as f64
        })
        .collect();
    let cpu = last.cpu.saturating_sub(first.cpu);
    Ok(Throughput {
        extension: Flavour::Ours,
        format: plan.format,
        paced: plan.paced,
        events_per_second: delivered_in_window as f64 / seconds,
        per_second: Summary::of(&rates),
        accepted_per_second: accepted_in_window as f64 / seconds,
        cpu_per_event: PerEvent::of(cpu, delivered_in_window),
        cpu_per_accepted_event: PerEvent::of(cpu, accepted_in_window),
        harness_cpu_per_event: PerEvent::of(
            last.harness.saturating_sub(first.harness),
            delivered_in_window,
        ),
        delivered_in_window,
        accepted: total,
        tally,
        calls: counters.calls,
        stdout_lines: 0,
        missing: 0,
        extra_events: tally.events.saturating_sub(total + before_load),
        lost_by_log: None,
        peak_rss_kib,
    })
}

/// Waits until the events of INIT and the first invocation (platform events) stopped
/// arriving; returns how many there were. Quiet for longer than the peer's buffering
/// timeout (the crate's default, 1 s).
async fn settled(running: &Running) -> u64 {
    let quiet = Duration::from_millis(1500);
    let give_up = Instant::now() + Duration::from_secs(6);
    loop {
        let known = running.kinesis.counters().user_records_accepted;
        let grew = running
            .kinesis
            .wait_for(|counters| counters.user_records_accepted > known, quiet)
            .await;
        if !grew || Instant::now() >= give_up {
            return running.kinesis.counters().user_records_accepted;
        }
    }
}

/// Follows the stand-in's count of delivered events until `until`: each change is noted
/// with its moment in `seen` and published to the pacing load.
async fn watch_delivery(
    running: &Running,
    until: Instant,
    published: &watch::Sender<u64>,
    seen: &mut Vec<(Instant, u64)>,
) {
    loop {
        let delivered = running.kinesis.counters().user_records_accepted;
        seen.push((Instant::now(), delivered));
        published.send_replace(delivered);
        let now = Instant::now();
        if now >= until {
            return;
        }
        let wait = (until - now).min(Duration::from_secs(1));
        running
            .kinesis
            .wait_for(|counters| counters.user_records_accepted > delivered, wait)
            .await;
    }
}

/// Pins `pid` to CPU 0 and this process's threads to the other CPUs; false when there is
/// one CPU or `taskset` is missing.
pub async fn pin(pid: u32) -> bool {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if cpus < 2 {
        return false;
    }
    let others = format!("1-{}", cpus - 1);
    taskset(&["-a", "-pc", "0", &pid.to_string()]).await
        && taskset(&["-a", "-pc", &others, &std::process::id().to_string()]).await
}

/// Lets this process's threads run on every CPU again.
pub async fn unpin() {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let all = format!("0-{}", cpus.saturating_sub(1));
    let _ = taskset(&["-a", "-pc", &all, &std::process::id().to_string()]).await;
}

async fn taskset(args: &[&str]) -> bool {
    tokio::process::Command::new("taskset")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .is_ok_and(|status| status.success())
}
