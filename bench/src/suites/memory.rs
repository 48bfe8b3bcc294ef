//! Memory: the extension's peak RSS idle, after 10,000 events, under a burst of
//! 1,000,000 events; and, with Kinesis stalled, that the buffer's byte cap bounds it.

use crate::artifacts::ExtensionLayer;
use crate::delivery::{self, Tally};
use crate::error::BenchError;
use crate::events;
use crate::harness::{self, Running, Setup};
use crate::load;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use test_support::fake_kinesis::Behaviour;
use tokio::time::Instant;

/// Events per POSTed batch (Lambda's default `maxItems`).
const BATCH_EVENTS: usize = 1000;
/// Distinct batch bodies cycled through (bodies are shared, not copied).
const DISTINCT_BODIES: usize = 10;
/// Parallel connections of the load generator.
const CONNECTIONS: usize = 2;
/// How long delivery may go without progress before the run stops waiting.
const STALL_LIMIT: Duration = Duration::from_secs(10);

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
    /// Events dropped because the buffer was full (from the extension's shutdown log).
    pub burst_dropped: Option<u64>,
    /// The stalled-Kinesis run.
    pub cap: CapFigures,
}

/// The buffer cap under a stalled Kinesis.
#[derive(Debug, Clone, Serialize)]
pub struct CapFigures {
    /// `TELEMETRY_KINESIS_BUFFER_CAP_BYTES`.
    pub cap_bytes: u64,
    /// Bytes of events posted while Kinesis did not answer.
    pub posted_bytes: u64,
    /// Idle peak RSS of that run.
    pub idle_kib: u64,
    /// Peak RSS after posting.
    pub peak_kib: u64,
    /// Events dropped because the buffer was full.
    pub dropped: Option<u64>,
}

impl CapFigures {
    /// Peak growth over idle, in bytes.
    pub fn growth_bytes(&self) -> u64 {
        self.peak_kib.saturating_sub(self.idle_kib) * 1024
    }
}

/// 200-byte log lines in `count / BATCH_EVENTS` batches of [`BATCH_EVENTS`].
fn bodies(count: usize) -> Arc<Vec<bytes::Bytes>> {
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

/// Runs the memory measurements with `burst_events` in the burst (1,000,000 published).
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
    let burst_dropped = report
        .process(crate::artifacts::EXTENSION_NAME)
        .and_then(|process| harness::logged_count(&process.output.stderr, "dropped_buffer_full"));
    let cap = cap_holds(layer).await?;
    Ok(MemoryFigures {
        idle_kib,
        after_10k_kib,
        burst_kib,
        burst_events: burst_events as u64,
        burst_delivered,
        burst_dropped,
        cap,
    })
}

/// The byte cap used for the stalled run: the smallest the extension accepts times four.
pub const CAP_BYTES: u64 = 4 * 1024 * 1024;
/// Events posted while Kinesis stalls: about ten times the cap once encoded.
pub const STALLED_EVENTS: usize = 100_000;

/// Stalls Kinesis, posts far more than the cap, and reads the peak RSS.
pub async fn cap_holds(layer: &ExtensionLayer) -> Result<CapFigures, BenchError> {
    let setup = Setup::driven().env(settings::BUFFER_CAP_BYTES, CAP_BYTES.to_string());
    let running = harness::start(layer, setup).await?;
    running.kinesis.set_behaviour(Behaviour::Stall);
    let idle_kib = harness::memory(running.pid)?.peak_kib;
    let bodies = bodies(STALLED_EVENTS);
    let posted_bytes = bodies.iter().map(|body| body.len() as u64).sum();
    load::post_all(running.listener, bodies, CONNECTIONS).await?;
    let peak_kib = harness::memory(running.pid)?.peak_kib;
    running.kinesis.set_behaviour(Behaviour::Status(503));
    let report = running.sandbox.shutdown().await?;
    let dropped = report
        .process(crate::artifacts::EXTENSION_NAME)
        .and_then(|process| harness::logged_count(&process.output.stderr, "dropped_buffer_full"));
    Ok(CapFigures {
        cap_bytes: CAP_BYTES,
        posted_bytes,
        idle_kib,
        peak_kib,
        dropped,
    })
}
