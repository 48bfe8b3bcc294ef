//! Faults: the extension in the sandbox against the fault-injecting Kinesis stand-in, every
//! event counted (sent, on the stream, spilled, lost, duplicated) in both record formats.
//!
//! The events are the scripted function's: per invocation `platform.start`, its lines
//! (`invoke I line N ...`, unique), `platform.runtimeDone` and `platform.report`, delivered
//! by the sandbox as Lambda delivers them. An invocation starts every 20 ms without
//! freezing (a busy function). The simulator now and then finishes an invocation 2 s late
//! (a missed wake-up in lambda-simulator 0.2), which delays the invocations after it and
//! SHUTDOWN: the table says when SHUTDOWN came where it matters.

mod driving;
mod row;
mod verdict;

pub use verdict::Verdict;

use crate::accounting::{self, Fates, ShutdownLog};
use crate::artifacts::{EXTENSION_NAME, ExtensionLayer};
use crate::error::BenchError;
use crate::harness::{self, Running, Setup};
use driving::Sent;
use sandbox::{ExitSummary, LineFormat, Script};
use serde::Serialize;
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use test_support::fake_kinesis::{Behaviour, EntryError};
use tokio::time::Instant;

/// Invocations of the busy function.
pub const INVOCATIONS: u64 = 50;
/// Function lines per invocation (each invocation adds three platform events).
pub const LINES_PER_INVOKE: usize = 20;
/// Bytes per function line.
pub const LINE_BYTES: usize = 128;
/// One invocation starts every this often: the 50 span a second, so the outage window
/// opens while they run and SHUTDOWN comes inside it.
pub const INVOCATION_INTERVAL: Duration = Duration::from_millis(20);
/// Events buffered when the signal comes.
pub const SIGNAL_EVENTS: usize = 500;
/// A hot shard: 30% of the entries of every PutRecords call fail.
pub const HOT_SHARD: Behaviour = Behaviour::FailPercent {
    percent: 30,
    error: EntryError::Throttled,
};
/// HTTP 500s from this offset after the first invocation...
pub const OUTAGE_FROM: Duration = Duration::from_millis(500);
/// ...to this one.
pub const OUTAGE_TO: Duration = Duration::from_secs(3);
/// Every answer of the slow Kinesis takes this long (the extension's first attempt
/// timeout is 3 s).
pub const SLOW_ANSWER: Duration = Duration::from_secs(4);
/// The exit the signal scenario expects within.
pub const EXIT_LIMIT: Duration = Duration::from_secs(1);
/// How long the slow scenario waits for every event to arrive.
pub const ARRIVAL_LIMIT: Duration = Duration::from_secs(60);
/// Lost events and log lines kept as evidence.
const EXAMPLES: usize = 5;

/// A fault scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
pub enum Scenario {
    /// A healthy Kinesis: the control that shows the counting.
    Healthy,
    /// 30% of records failing on every call, through SHUTDOWN.
    HotShard,
    /// The hot shard plus HTTP 500s from 0.5 s to 3 s.
    HotShardOutage,
    /// Connections refused through SHUTDOWN.
    KinesisDown,
    /// SIGTERM with 500 events buffered and Kinesis stalled.
    Sigterm,
    /// Every answer 4 s late.
    SlowKinesis,
}

impl Scenario {
    /// Every scenario, in table order.
    pub const ALL: [Self; 6] = [
        Self::Healthy,
        Self::HotShard,
        Self::HotShardOutage,
        Self::KinesisDown,
        Self::Sigterm,
        Self::SlowKinesis,
    ];

    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Healthy => "healthy Kinesis (control), then SHUTDOWN",
            Self::HotShard => "hot shard (30% of records fail), then SHUTDOWN",
            Self::HotShardOutage => "hot shard + HTTP 500 from 0.5 s to 3 s, then SHUTDOWN",
            Self::KinesisDown => "Kinesis down (connections refused) through SHUTDOWN",
            Self::Sigterm => "SIGTERM, 500 events buffered, Kinesis stalled",
            Self::SlowKinesis => "slow Kinesis (every answer 4 s), SHUTDOWN once all arrived",
        }
    }

    /// What the scenario must show.
    pub fn expectation(self) -> &'static str {
        match self {
            Self::Healthy | Self::HotShard => "0 lost, all on the stream",
            Self::HotShardOutage => "0 lost (on the stream or spilled)",
            Self::KinesisDown => "all spilled",
            Self::Sigterm => "exit 0 within 1 s, 0 lost",
            Self::SlowKinesis => "all on the stream",
        }
    }
}

/// One scenario in one record format.
#[derive(Debug, Clone, Serialize)]
pub struct FaultFigures {
    /// The scenario.
    pub scenario: Scenario,
    /// `TELEMETRY_KINESIS_RECORD_FORMAT`.
    pub format: &'static str,
    /// Where the sent events went (spilled: read back from the captured output).
    pub fates: Fates,
    /// Whether the scenario's expectation held.
    pub verdict: Verdict,
    /// The extension's peak RSS, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// How the extension ended.
    pub exit: Option<ExitSummary>,
    /// Whether the sandbox had to SIGKILL it after the SHUTDOWN budget.
    pub killed: bool,
    /// The extension's own counts.
    pub shutdown_log: Option<ShutdownLog>,
    /// Spill lines the extension logged but the sandbox's capture did not hold (its
    /// report can be taken before the last lines of an exited process are read).
    pub spill_lines_not_captured: u64,
    /// Spill lines that could not be read back.
    pub unreadable_spill_lines: u64,
    /// PutRecords calls the stand-in received.
    pub calls: u64,
    /// Entries it failed.
    pub failed_entries: u64,
    /// First invocation to SHUTDOWN (or the signal), ms.
    pub ended_after_ms: f64,
    /// Signal to exit, ms (signal scenario).
    pub exit_after_signal_ms: Option<f64>,
    /// Last invocation to every event on the stream, ms (slow scenario; `None`: not all
    /// arrived within [`ARRIVAL_LIMIT`]).
    pub arrived_after_ms: Option<f64>,
    /// Platform events of the invocations the simulator did not emit before SHUTDOWN
    /// (not counted as sent).
    pub platform_not_emitted: u64,
    /// Telemetry batches the sandbox gave up delivering to the extension before SHUTDOWN
    /// (or the signal) and during SHUTDOWN (after the signal, the extension is gone).
    pub undelivered_batches: u64,
    /// Sequence numbers of events the extension accepted that are neither on the stream
    /// nor spilled (see [`accounting::missing_sequences`]).
    pub missing_sequences: u64,
    /// Some of the events lost (their keys), for evidence.
    pub lost_examples: Vec<String>,
    /// The extension's warnings, errors and shutdown line (the first and last few).
    pub log: Vec<String>,
}

/// Runs `scenario` with records in `format`.
pub async fn run(
    layer: &ExtensionLayer,
    scenario: Scenario,
    format: &'static str,
) -> Result<FaultFigures, BenchError> {
    let lines = match scenario {
        Scenario::Sigterm => SIGNAL_EVENTS - 3,
        _ => LINES_PER_INVOKE,
    };
    let setup = Setup {
        env: vec![(settings::RECORD_FORMAT.to_owned(), format.to_owned())],
        freeze: false,
        script: Script {
            lines_per_invoke: lines,
            line_bytes: LINE_BYTES,
            format: LineFormat::Text,
            duration: Duration::ZERO,
        },
        first_invoke: false,
        ..Setup::driven()
    };
    let Running {
        mut sandbox,
        kinesis,
        pid,
        ..
    } = harness::start(layer, setup).await?;
    let mut sent = Sent::default();
    let mut exit_after_signal_ms = None;
    let mut arrived_after_ms = None;
    let mut undelivered_batches = None;
    let started = Instant::now();
    match scenario {
        Scenario::Healthy => {}
        Scenario::HotShard => kinesis.set_behaviour(HOT_SHARD),
        Scenario::HotShardOutage => {
            kinesis.set_behaviour(HOT_SHARD);
            kinesis.schedule([
                (OUTAGE_FROM, Behaviour::Status(500)),
                (OUTAGE_TO, HOT_SHARD),
            ]);
        }
        Scenario::KinesisDown => kinesis.set_behaviour(Behaviour::Refuse),
        Scenario::Sigterm => {
            // The first invocation is flushed before `next`; the second, a busy one, is
            // not, so its events are all buffered when Kinesis stalls.
            Sent::default()
                .invoke(&mut sandbox, 1, lines, LINE_BYTES)
                .await?;
            kinesis.set_behaviour(Behaviour::Stall);
        }
        Scenario::SlowKinesis => kinesis.set_behaviour(Behaviour::Slow(SLOW_ANSWER)),
    }
    if scenario == Scenario::Sigterm {
        let before = driving::delivered_events(&sandbox);
        sent.invoke(&mut sandbox, 2, lines, LINE_BYTES).await?;
        sent.add_platform_events(&sandbox).await;
        driving::wait_delivered(&sandbox, before + sent.keys.len() as u64).await?;
        undelivered_batches = Some(driving::undelivered_batches(&sandbox));
        exit_after_signal_ms = Some(driving::terminate(pid).await?.as_secs_f64() * 1000.0);
    } else {
        for number in 1..=INVOCATIONS {
            let due = started + INVOCATION_INTERVAL.saturating_mul((number - 1) as u32);
            tokio::time::sleep_until(due).await;
            sent.invoke(&mut sandbox, number, lines, LINE_BYTES).await?;
        }
        let last_invocation = Instant::now();
        sent.add_platform_events(&sandbox).await;
        if scenario == Scenario::SlowKinesis
            && driving::wait_all_on_stream(&kinesis, &sent.keys, ARRIVAL_LIMIT).await
        {
            arrived_after_ms = Some(last_invocation.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let ended_after_ms = started.elapsed().as_secs_f64() * 1000.0;
    let report = sandbox.shutdown().await?;
    // Release calls a stalled stand-in still holds.
    kinesis.set_behaviour(Behaviour::Healthy);
    let process = harness::extension_process(&report)?;
    let spilled = accounting::spilled(&process.output);
    let stream = accounting::stream_payloads(&kinesis.records());
    let counters = kinesis.counters();
    let shutdown_log = ShutdownLog::parse(&process.output.stderr);
    let mut figures = FaultFigures {
        scenario,
        format,
        fates: accounting::fates(&sent.keys, &stream, &spilled.payloads),
        verdict: Verdict::Missed,
        peak_rss_kib: process.peak_rss_kib,
        exit: process.exit.clone(),
        killed: process.killed,
        shutdown_log,
        // Nothing is evicted in these runs (far below the cap): every spill line is
        // written at the end, and the log's `spilled` counts them.
        spill_lines_not_captured: shutdown_log.map_or(0, |log| {
            log.spilled.saturating_sub(spilled.payloads.len() as u64)
        }),
        unreadable_spill_lines: spilled.unreadable,
        calls: counters.calls,
        failed_entries: counters.entries_failed,
        ended_after_ms,
        exit_after_signal_ms,
        arrived_after_ms,
        platform_not_emitted: sent.platform_not_emitted,
        undelivered_batches: undelivered_batches.unwrap_or_else(|| {
            report
                .delivery
                .get(EXTENSION_NAME)
                .map_or(0, |stats| stats.failed_batches)
        }),
        missing_sequences: accounting::missing_sequences(&stream, &spilled.payloads),
        lost_examples: accounting::lost(&sent.keys, &stream, &spilled.payloads)
            .into_iter()
            .take(EXAMPLES)
            .collect(),
        log: notable_lines(&process.output.stderr),
    };
    figures.verdict = scenario.verdict(&figures);
    Ok(figures)
}

/// The extension's warnings, errors and shutdown line: the first and last [`EXAMPLES`].
fn notable_lines(stderr: &[String]) -> Vec<String> {
    let notable: Vec<&String> = stderr
        .iter()
        .filter(|line| {
            line.contains("WARN") || line.contains("ERROR") || line.contains("shutdown:")
        })
        .collect();
    let head = EXAMPLES.min(notable.len());
    let tail = notable.len().saturating_sub(EXAMPLES).max(head);
    notable[..head]
        .iter()
        .chain(&notable[tail..])
        .map(|line| (*line).clone())
        .collect()
}
