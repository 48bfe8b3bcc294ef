//! Memory: the extension's peak RSS idle, after 10,000 events, under a burst of 1,000,000
//! events; and the memory targets of [`super::pressure`] (stalled Kinesis at two caps,
//! held partial bodies).

use crate::accounting::{self, ShutdownLog};
use crate::artifacts::{EXTENSION_NAME, ExtensionLayer};
use crate::delivery::{self, Tally};
use crate::error::BenchError;
use crate::events;
use crate::harness::{self, Running, Setup};
use crate::load;
use crate::stats::figure;
use crate::suites::pressure::{self, HeldFigures, MIB, StalledFigures, StalledPlan};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Events per POSTed batch (Lambda's default `maxItems`).
pub const BATCH_EVENTS: usize = 1000;
/// Distinct batch bodies cycled through (bodies are shared, not copied).
const DISTINCT_BODIES: usize = 10;
/// Parallel connections of the load generator.
const CONNECTIONS: usize = 2;
/// How long delivery may go without progress before the run stops waiting.
const STALL_LIMIT: Duration = Duration::from_secs(10);
/// The caps of the stalled-Kinesis target: the smallest default and the largest.
pub const STALLED_CAPS: [u64; 2] = [4 * MIB, 64 * MIB];

/// Peak RSS figures, in KiB.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryFigures {
    /// After INIT, nothing received.
    pub idle_kib: u64,
    /// After 10,000 events were received and delivered.
    pub after_10k_kib: u64,
    /// After a burst of `burst_events` posted at full speed.
    pub burst_kib: u64,
    /// Events in the burst.
    pub burst_events: u64,
    /// Burst events delivered to Kinesis.
    pub burst_delivered: u64,
    /// Lines spilled to the extension's standard output in the whole run (the memory cap
    /// evicts what ingest takes in faster than Kinesis is fed).
    pub burst_spill_lines: u64,
    /// The extension's shutdown counts.
    pub burst_shutdown_log: Option<ShutdownLog>,
    /// Kinesis stalled under 200 MB, per cap.
    pub stalled: Vec<StalledFigures>,
    /// Partial bodies held.
    pub held: HeldFigures,
}

impl MemoryFigures {
    /// The table rows: measure, value, target.
    pub fn rows(&self) -> Vec<[String; 3]> {
        let mut rows = vec![
            [
                "peak RSS idle".into(),
                mib(self.idle_kib),
                "< 10 MiB".into(),
            ],
            [
                "peak RSS after 10,000 events".into(),
                mib(self.after_10k_kib),
                String::new(),
            ],
            [
                format!("peak RSS, burst of {} events", self.burst_events),
                format!(
                    "{} ({} delivered, {} spilled, {} lost)",
                    mib(self.burst_kib),
                    self.burst_delivered,
                    self.burst_spill_lines,
                    self.burst_shutdown_log
                        .map_or_else(|| "?".to_owned(), |log| log.lost_total().to_string())
                ),
                String::new(),
            ],
        ];
        for stalled in &self.stalled {
            let plan = &stalled.plan;
            rows.push([
                format!(
                    "Kinesis stalled, {} MB from {} connections, cap {} MiB: peak RSS",
                    figure(stalled.posted_bytes as f64 / 1e6),
                    plan.connections,
                    plan.cap_bytes / MIB
                ),
                format!(
                    "{} (idle {}, {} after posting; {} events in {} s, {} retried; \
                     then {} delivered, {} spilled, {} lost)",
                    mib(stalled.peak_kib),
                    mib(stalled.idle_kib),
                    mib(stalled.posted_peak_kib),
                    stalled.posted_events,
                    figure(stalled.post_seconds),
                    stalled.retried,
                    stalled.delivered,
                    stalled.spill_lines,
                    stalled
                        .shutdown_log
                        .map_or_else(|| "?".to_owned(), |log| log.lost_total().to_string())
                ),
                verdict(
                    format!("peak <= cap + 12 MiB = {} MiB", plan.cap_bytes / MIB + 12),
                    stalled.within_target(),
                ),
            ]);
        }
        let held = &self.held;
        rows.push([
            format!(
                "{} connections holding 1 MiB of a 4 MiB body, cap {} MiB: peak RSS",
                held.connections,
                held.cap_bytes / MIB
            ),
            format!(
                "{} (idle {}; {} of {} parts sent whole; a real batch accepted after {} ms, \
                 {} refused attempts, {})",
                mib(held.peak_kib),
                mib(held.idle_kib),
                held.parts_sent,
                held.connections,
                figure(held.real_batch_ms),
                held.real_batch_retries,
                if held.real_batch_delivered {
                    "on the stream"
                } else {
                    "NOT on the stream"
                }
            ),
            verdict(
                format!("peak <= cap + 12 MiB = {} MiB", held.cap_bytes / MIB + 12),
                held.within_target() && held.real_batch_delivered,
            ),
        ]);
        rows
    }
}

fn mib(kib: u64) -> String {
    format!("{} MiB", figure(kib as f64 / 1024.0))
}

fn verdict(target: String, met: bool) -> String {
    format!("{target}: {}", if met { "met" } else { "MISSED" })
}

/// 200-byte log lines in `count / BATCH_EVENTS` batches of [`BATCH_EVENTS`].
pub fn bodies(count: usize) -> Arc<Vec<bytes::Bytes>> {
    let time = events::now_rfc3339();
    let distinct: Vec<bytes::Bytes> = (0..DISTINCT_BODIES)
        .map(|body| {
            let batch: Vec<String> = (0..BATCH_EVENTS)
                .map(|index| events::log_event(body * BATCH_EVENTS + index, 200, &time))
                .collect();
            events::batch_body(&batch)
        })
        .collect();
    Arc::new(
        (0..count / BATCH_EVENTS)
            .map(|index| distinct[index % DISTINCT_BODIES].clone())
            .collect(),
    )
}

/// Posts `count` events, then waits until the stand-in holds `target` events in all or
/// delivery stops progressing; returns the running tally.
async fn post_and_deliver(
    running: &Running,
    count: usize,
    tally: &mut Tally,
    target: u64,
) -> Result<(), BenchError> {
    let posting = load::post_all(running.listener, bodies(count), CONNECTIONS);
    let draining = async {
        let mut last = (tally.events, Instant::now());
        loop {
            let deadline = Instant::now() + Duration::from_millis(500);
            delivery::drain(&running.kinesis, deadline, |_, records| {
                tally.add(&records);
                tally.events >= target
            })
            .await;
            if tally.events >= target {
                return;
            }
            if tally.events > last.0 {
                last = (tally.events, Instant::now());
            } else if last.1.elapsed() > STALL_LIMIT {
                return;
            }
        }
    };
    let (posted, ()) = tokio::join!(posting, draining);
    posted.map(|_| ())
}

/// Runs the memory measurements with `burst_events` in the burst (1,000,000 published),
/// then the targets.
pub async fn run(layer: &ExtensionLayer, burst_events: usize) -> Result<MemoryFigures, BenchError> {
    let running = harness::start(layer, Setup::driven()).await?;
    let idle_kib = harness::memory(running.pid)?.peak_kib;
    let mut tally = Tally::default();
    post_and_deliver(&running, 10_000, &mut tally, 10_000).await?;
    let after_10k_kib = harness::memory(running.pid)?.peak_kib;
    let before_burst = tally.events;
    post_and_deliver(
        &running,
        burst_events,
        &mut tally,
        before_burst + burst_events as u64,
    )
    .await?;
    let burst_kib = harness::memory(running.pid)?.peak_kib;
    let burst_delivered = tally.events - before_burst;
    let report = running.sandbox.shutdown().await?;
    let output = report
        .process(EXTENSION_NAME)
        .map(|process| &process.output);
    let mut stalled = Vec::new();
    for cap in STALLED_CAPS {
        eprintln!("bench: memory: Kinesis stalled, cap {} MiB", cap / MIB);
        stalled.push(pressure::stalled(layer, StalledPlan::target(cap)).await?);
    }
    eprintln!(
        "bench: memory: {} held partial bodies",
        pressure::HELD_CONNECTIONS
    );
    let held = pressure::held_bodies(layer).await?;
    Ok(MemoryFigures {
        idle_kib,
        after_10k_kib,
        burst_kib,
        burst_events: burst_events as u64,
        burst_delivered,
        burst_spill_lines: output.map_or(0, accounting::stdout_lines),
        burst_shutdown_log: output.and_then(|output| ShutdownLog::parse(&output.stderr)),
        stalled,
        held,
    })
}
