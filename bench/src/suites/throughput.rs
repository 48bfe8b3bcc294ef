//! Throughput: events per second from Telemetry API POSTs through the extension's
//! listener, buffer and encoder into PutRecords, sustained, per record format.

use crate::accounting::{self, ShutdownLog};
use crate::artifacts::ExtensionLayer;
use crate::delivery::{self, Tally};
use crate::error::BenchError;
use crate::events::{self, EventKind};
use crate::harness::{self, Setup};
use crate::load;
use crate::stats::Summary;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use tokio::time::Instant;

/// Distinct batch bodies cycled through.
const DISTINCT_BODIES: usize = 16;
/// Parallel connections of the load generator.
pub const CONNECTIONS: usize = 2;

/// How to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `json` or `kpl`.
    pub format: &'static str,
    /// Load before the measured window.
    pub warm_up: Duration,
    /// The measured window.
    pub window: Duration,
    /// Pin the extension to CPU 0 and this process to the others (when there are two or
    /// more), so the extension has exactly one core.
    pub pin: bool,
}

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// `json` or `kpl`.
    pub format: &'static str,
    /// Events delivered per second over the whole window.
    pub events_per_second: f64,
    /// Per-second delivery rates within the window.
    pub per_second: Option<Summary>,
    /// Events posted during the whole run.
    pub posted: u64,
    /// Events the listener accepted per second over the whole run (each POST is
    /// answered once its events are parsed, encoded and buffered).
    pub posted_per_second: f64,
    /// Events delivered during the window.
    pub delivered_in_window: u64,
    /// Kinesis records and bytes over the whole run.
    pub tally: Tally,
    /// PutRecords calls over the whole run.
    pub calls: u64,
    /// Events the memory cap evicted and the extension spilled to its standard output
    /// (one line each): ingest outran delivery.
    pub spill_lines: u64,
    /// Events neither delivered nor spilled (from the extension's shutdown log).
    pub lost: Option<u64>,
    /// The extension's peak RSS, in KiB.
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

/// Runs the load for `plan`; `during_window` is started when the window opens with the
/// extension's pid and window length (a profiler), and awaited before shutdown.
pub async fn run<F, Fut, T>(
    layer: &ExtensionLayer,
    plan: &Plan,
    during_window: F,
) -> Result<(Throughput, T), BenchError>
where
    F: FnOnce(u32, Duration) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let setup = Setup::driven().env(settings::RECORD_FORMAT, plan.format);
    let running = harness::start(layer, setup).await?;
    let pinned = plan.pin && pin(running.pid).await;
    let (bodies, events_per_body) = bodies();
    let start = Instant::now();
    let window_start = start + plan.warm_up;
    let window_end = window_start + plan.window;
    let posting = load::post_until(running.listener, bodies, CONNECTIONS, window_end);
    let mut tally = Tally::default();
    let mut seen: Vec<(Instant, u64)> = Vec::new();
    let counting = async {
        delivery::drain(&running.kinesis, window_end, |at, records| {
            tally.add(&records);
            seen.push((at, tally.events));
            false
        })
        .await;
    };
    let profiling = async {
        tokio::time::sleep_until(window_start).await;
        during_window(running.pid, plan.window).await
    };
    let (posted, (), profile) = tokio::join!(posting, counting, profiling);
    let posted = posted?;
    let run_seconds = (window_end - start).as_secs_f64();
    let calls = running.kinesis.calls();
    let peak_rss_kib = harness::memory(running.pid)?.peak_kib;
    if pinned {
        unpin().await;
    }
    let report = running.sandbox.shutdown().await?;
    let output = report
        .process(crate::artifacts::EXTENSION_NAME)
        .map(|process| &process.output);
    let spill_lines = output.map_or(0, accounting::stdout_lines);
    let lost = output
        .and_then(|output| ShutdownLog::parse(&output.stderr))
        .map(|log| log.lost_total());

    let at = |moment: Instant| {
        seen.iter()
            .take_while(|(when, _)| *when <= moment)
            .last()
            .map_or(0, |(_, events)| *events)
    };
    let delivered_in_window = at(window_end) - at(window_start);
    let seconds = plan.window.as_secs_f64();
    let rates: Vec<f64> = (0..plan.window.as_secs())
        .map(|second| {
            let from = window_start + Duration::from_secs(second);
            (at(from + Duration::from_secs(1)) - at(from)) as f64
        })
        .collect();
    Ok((
        Throughput {
            format: plan.format,
            events_per_second: delivered_in_window as f64 / seconds,
            per_second: Summary::of(&rates),
            posted: (posted.batches * events_per_body) as u64,
            posted_per_second: (posted.batches * events_per_body) as f64 / run_seconds,
            delivered_in_window,
            tally,
            calls,
            spill_lines,
            lost,
            peak_rss_kib,
        },
        profile,
    ))
}

/// Pins `pid` to CPU 0 and this process's threads to the other CPUs; false when there is
/// one CPU or `taskset` is missing.
async fn pin(pid: u32) -> bool {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if cpus < 2 {
        return false;
    }
    let others = format!("1-{}", cpus - 1);
    taskset(&["-a", "-pc", "0", &pid.to_string()]).await
        && taskset(&["-a", "-pc", &others, &std::process::id().to_string()]).await
}

async fn unpin() {
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
