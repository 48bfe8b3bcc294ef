//! The memory targets, each checked as "peak RSS ≤ cap + 12 MiB": Kinesis stalled while
//! 200 MB of events arrive over 8 connections (at a 4 MiB and a 64 MiB cap), and 64
//! connections holding partial 4 MiB bodies while a real batch must still get through.
//!
//! Every event of the stalled runs is accounted for: evicted ones are spilled to the
//! extension's standard output while it runs; then Kinesis recovers and the buffer drains
//! to the stream, so nothing is left to spill at SHUTDOWN.

use crate::accounting::{self, ShutdownLog};
use crate::artifacts::{EXTENSION_NAME, ExtensionLayer};
use crate::error::BenchError;
use crate::harness::{self, Running, Setup};
use crate::load;
use crate::suites::memory;
use serde::Serialize;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;
use telemetry_kinesis_contract::payload::Payload;
use telemetry_kinesis_contract::settings;
use test_support::fake_kinesis::{Behaviour, FakeKinesis};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;
/// What peak RSS may exceed the cap by.
pub const SLACK_BYTES: u64 = 12 * MIB;
/// Bytes of events the stalled target posts.
pub const STALLED_BYTES: u64 = 200_000_000;
/// Connections the stalled target posts over.
pub const STALLED_CONNECTIONS: usize = 8;
/// Connections holding partial bodies.
pub const HELD_CONNECTIONS: usize = 64;
/// The length each held body declares.
pub const HELD_DECLARED_BYTES: usize = 4 * 1024 * 1024;
/// The part of it each sends.
pub const HELD_SENT_BYTES: usize = 1024 * 1024;
/// The cap of the held-bodies run.
pub const HELD_CAP_BYTES: u64 = 4 * MIB;
/// How long draining may go without progress before the run stops waiting.
const DRAIN_STALL_LIMIT: Duration = Duration::from_secs(10);
/// How long a held connection may take to send its part.
const HOLD_WRITE_LIMIT: Duration = Duration::from_secs(2);

/// A stalled-Kinesis run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StalledPlan {
    /// `TELEMETRY_KINESIS_BUFFER_CAP_BYTES`.
    pub cap_bytes: u64,
    /// Bytes of batches to post (whole 1,000-event batches, rounded up).
    pub bytes: u64,
    /// Parallel connections.
    pub connections: usize,
}

impl StalledPlan {
    /// The target: 200 MB over 8 connections at `cap_bytes`.
    pub const fn target(cap_bytes: u64) -> Self {
        Self {
            cap_bytes,
            bytes: STALLED_BYTES,
            connections: STALLED_CONNECTIONS,
        }
    }
}

/// What a stalled run measured.
#[derive(Debug, Clone, Serialize)]
pub struct StalledFigures {
    /// The plan.
    pub plan: StalledPlan,
    /// Events posted (and accepted).
    pub posted_events: u64,
    /// Bytes of the batches posted.
    pub posted_bytes: u64,
    /// POSTs refused (or broken) and sent again.
    pub retried: u64,
    /// Seconds the posting took.
    pub post_seconds: f64,
    /// Peak RSS before posting, KiB.
    pub idle_kib: u64,
    /// Peak RSS once everything was posted, KiB.
    pub posted_peak_kib: u64,
    /// Peak RSS of the whole run (draining and SHUTDOWN included), KiB.
    pub peak_kib: u64,
    /// Posted events on the stream (distinct ids), delivered once Kinesis recovered.
    pub delivered: u64,
    /// Lines the extension wrote to its standard output: spilled events, one line each.
    pub spill_lines: u64,
    /// Posted events read back from the spill lines and not on the stream, when the
    /// sandbox kept every line (`None` otherwise).
    pub spilled: Option<u64>,
    /// The extension's own counts.
    pub shutdown_log: Option<ShutdownLog>,
}

impl StalledFigures {
    /// Whether the peak stayed within the cap and the slack.
    pub fn within_target(&self) -> bool {
        self.peak_kib * 1024 <= self.plan.cap_bytes + SLACK_BYTES
    }

    /// Peak growth over idle, in bytes.
    pub fn growth_bytes(&self) -> u64 {
        self.peak_kib.saturating_sub(self.idle_kib) * 1024
    }
}

/// Distinct ids of posted events (200-byte `function` lines) drained from the stand-in.
#[derive(Debug, Default)]
struct Drained {
    ids: HashSet<String>,
}

impl Drained {
    fn take(&mut self, kinesis: &FakeKinesis) {
        for payload in accounting::stream_payloads(&kinesis.take_records()) {
            if let Some(id) = posted_id(&payload) {
                self.ids.insert(id.to_owned());
            }
        }
    }
}

/// The id of a payload of a posted event (a `function` line).
fn posted_id(payload: &Payload) -> Option<&str> {
    (payload.kind == "function")
        .then_some(payload.id.as_deref())
        .flatten()
}

/// Posts `plan.bytes` of events while Kinesis stalls, lets it recover, and accounts for
/// every event.
pub async fn stalled(
    layer: &ExtensionLayer,
    plan: StalledPlan,
) -> Result<StalledFigures, BenchError> {
    let setup = Setup::driven().env(settings::BUFFER_CAP_BYTES, plan.cap_bytes.to_string());
    let Running {
        sandbox,
        kinesis,
        listener,
        pid,
    } = harness::start(layer, setup).await?;
    kinesis.set_behaviour(Behaviour::Stall);
    let idle_kib = harness::memory(pid)?.peak_kib;
    let batch_bytes = memory::bodies(memory::BATCH_EVENTS)
        .first()
        .map_or(1, |body| body.len() as u64);
    let batches = plan.bytes.div_ceil(batch_bytes) as usize;
    let bodies = memory::bodies(batches * memory::BATCH_EVENTS);
    let posted_bytes = bodies.iter().map(|body| body.len() as u64).sum();
    let started = Instant::now();
    let posted = load::post_all(listener, bodies, plan.connections).await?;
    let post_seconds = started.elapsed().as_secs_f64();
    let posted_peak_kib = harness::memory(pid)?.peak_kib;
    let posted_events = (posted.batches * memory::BATCH_EVENTS) as u64;

    // Kinesis recovers (the held call is answered 503 and retried): the buffer drains.
    kinesis.set_behaviour(Behaviour::Healthy);
    let mut drained = Drained::default();
    let mut last = (0, Instant::now());
    loop {
        drained.take(&kinesis);
        let spill_lines = sandbox
            .output(EXTENSION_NAME)
            .map_or(0, |output| accounting::stdout_lines(&output));
        let accounted = drained.ids.len() as u64 + spill_lines;
        if accounted >= posted_events || last.1.elapsed() > DRAIN_STALL_LIMIT {
            break;
        }
        if accounted > last.0 {
            last = (accounted, Instant::now());
        }
        let accepted = kinesis.accepted();
        let _ = kinesis
            .wait_for(
                |counters| counters.entries_accepted > accepted,
                Duration::from_millis(200),
            )
            .await;
    }
    let report = sandbox.shutdown().await?;
    drained.take(&kinesis);
    let process = harness::extension_process(&report)?;
    let read_back = accounting::spilled(&process.output);
    let spilled = read_back.complete.then(|| {
        read_back
            .payloads
            .iter()
            .filter_map(posted_id)
            .filter(|id| !drained.ids.contains(*id))
            .collect::<HashSet<_>>()
            .len() as u64
    });
    Ok(StalledFigures {
        plan,
        posted_events,
        posted_bytes,
        retried: posted.retried,
        post_seconds,
        idle_kib,
        posted_peak_kib,
        peak_kib: process.peak_rss_kib.unwrap_or(posted_peak_kib),
        delivered: drained.ids.len() as u64,
        spill_lines: accounting::stdout_lines(&process.output),
        spilled,
        shutdown_log: ShutdownLog::parse(&process.output.stderr),
    })
}

/// What the held-bodies run measured.
#[derive(Debug, Clone, Serialize)]
pub struct HeldFigures {
    /// `TELEMETRY_KINESIS_BUFFER_CAP_BYTES`.
    pub cap_bytes: u64,
    /// Connections holding a partial body.
    pub connections: usize,
    /// Of those, how many could send their whole part.
    pub parts_sent: usize,
    /// Peak RSS before, KiB.
    pub idle_kib: u64,
    /// Peak RSS once the real batch got through, KiB.
    pub peak_kib: u64,
    /// How long the real batch took to be accepted (retried as Lambda does), ms.
    pub real_batch_ms: f64,
    /// Its attempts refused or broken.
    pub real_batch_retries: u64,
    /// Whether its events reached the stream.
    pub real_batch_delivered: bool,
}

impl HeldFigures {
    /// Whether the peak stayed within the cap and the slack.
    pub fn within_target(&self) -> bool {
        self.peak_kib * 1024 <= self.cap_bytes + SLACK_BYTES
    }
}

/// Holds [`HELD_CONNECTIONS`] partial bodies, then delivers a real batch.
pub async fn held_bodies(layer: &ExtensionLayer) -> Result<HeldFigures, BenchError> {
    let setup = Setup::driven().env(settings::BUFFER_CAP_BYTES, HELD_CAP_BYTES.to_string());
    let running = harness::start(layer, setup).await?;
    let idle_kib = harness::memory(running.pid)?.peak_kib;
    let (release, released) = tokio::sync::watch::channel(false);
    let mut holders = tokio::task::JoinSet::new();
    let (sent, mut parts) = tokio::sync::mpsc::channel(HELD_CONNECTIONS);
    for _ in 0..HELD_CONNECTIONS {
        let sent = sent.clone();
        let mut released = released.clone();
        let address = running.listener;
        holders.spawn(async move {
            let stream = hold(address).await;
            let _ = sent
                .send(stream.as_ref().is_ok_and(|(_, whole)| *whole))
                .await;
            let _ = released.wait_for(|released| *released).await;
            drop(stream);
        });
    }
    drop(sent);
    let mut parts_sent = 0;
    for _ in 0..HELD_CONNECTIONS {
        if parts.recv().await == Some(true) {
            parts_sent += 1;
        }
    }
    let real = crate::events::batch_body(&[
        crate::events::log_event(0, 200, &crate::events::now_rfc3339()),
        crate::events::log_event(1, 200, &crate::events::now_rfc3339()),
    ]);
    let started = Instant::now();
    let real_batch_retries = load::deliver(&mut None, running.listener, &real).await?;
    let real_batch_ms = started.elapsed().as_secs_f64() * 1000.0;
    let peak_kib = harness::memory(running.pid)?.peak_kib;
    release.send_replace(true);
    while holders.join_next().await.is_some() {}
    let real_batch_delivered = running
        .kinesis
        .wait_for_records(2, Duration::from_secs(30))
        .await;
    running.sandbox.shutdown().await?;
    Ok(HeldFigures {
        cap_bytes: HELD_CAP_BYTES,
        connections: HELD_CONNECTIONS,
        parts_sent,
        idle_kib,
        peak_kib,
        real_batch_ms,
        real_batch_retries,
        real_batch_delivered,
    })
}

/// Opens a connection that declares a [`HELD_DECLARED_BYTES`] body and sends
/// [`HELD_SENT_BYTES`] of it; true when the whole part went out in time.
async fn hold(address: SocketAddr) -> Result<(tokio::net::TcpStream, bool), BenchError> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(BenchError::io(format!("connecting to {address}")))?;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {HELD_DECLARED_BYTES}\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(BenchError::io("sending a held request's headers"))?;
    let part = vec![b' '; HELD_SENT_BYTES];
    let whole = tokio::time::timeout(HOLD_WRITE_LIMIT, stream.write_all(&part))
        .await
        .is_ok_and(|written| written.is_ok());
    Ok((stream, whole))
}
