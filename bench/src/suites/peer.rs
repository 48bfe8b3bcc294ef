//! The peer, measured beside the extension in the same run: a minimal extension on the
//! `lambda-extension` crate forwarding Telemetry API events with PutRecords the way the
//! crate's examples do (`bench/peer`). Cold start and idle RSS alternate between the two
//! over fresh environments; throughput runs each on one core with the same load.

use crate::artifacts::ExtensionLayer;
use crate::error::BenchError;
use crate::harness::{self, Setup};
use crate::stats::Summary;
use crate::suites::throughput::{self, Plan, Throughput};
use serde::Serialize;

/// One measure of both extensions.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// What.
    pub measure: &'static str,
    /// This project's extension.
    pub ours: f64,
    /// The peer.
    pub peer: f64,
    /// `ours / peer`.
    pub ratio: f64,
    /// Whether a smaller value is better.
    pub lower_is_better: bool,
}

/// The peer's figures and the comparisons.
#[derive(Debug, Clone, Serialize)]
pub struct PeerFigures {
    /// Spawn to first `next`, ms: ours, then the peer's.
    pub cold_start_ms: (Summary, Summary),
    /// Peak RSS after INIT and one invocation, KiB: ours, then the peer's.
    pub idle_rss_kib: (Summary, Summary),
    /// The peer's throughput run (JSON records).
    pub throughput: Throughput,
    /// Side by side.
    pub comparisons: Vec<Comparison>,
}

fn compare(measure: &'static str, ours: f64, peer: f64, lower_is_better: bool) -> Comparison {
    Comparison {
        measure,
        ours,
        peer,
        ratio: if peer == 0.0 { f64::NAN } else { ours / peer },
        lower_is_better,
    }
}

/// Measures the peer beside `ours`; `ours_runs` are this run's throughput runs of our
/// extension (the JSON one is measured here when absent; a KPL one adds a comparison).
pub async fn run(
    ours: &ExtensionLayer,
    peer: &ExtensionLayer,
    starts: usize,
    plan: &Plan,
    ours_runs: &[Throughput],
) -> Result<PeerFigures, BenchError> {
    let ours_of = |format: &str| {
        ours_runs
            .iter()
            .find(|figures| figures.format == format)
            .cloned()
    };
    let ours_json = ours_of("json");
    let mut cold = (Vec::new(), Vec::new());
    let mut idle = (Vec::new(), Vec::new());
    for _ in 0..starts {
        for (layer, cold, idle) in [
            (ours, &mut cold.0, &mut idle.0),
            (peer, &mut cold.1, &mut idle.1),
        ] {
            let running = harness::start(layer, Setup::driven()).await?;
            cold.extend(running.cold_starts_ms());
            idle.push(harness::memory(running.pid)?.peak_kib as f64);
            running.sandbox.shutdown().await?;
        }
    }
    let summary = |values: &[f64]| {
        Summary::of(values).ok_or_else(|| BenchError::Timeout("no environment started".into()))
    };
    let cold_start_ms = (summary(&cold.0)?, summary(&cold.1)?);
    let idle_rss_kib = (summary(&idle.0)?, summary(&idle.1)?);
    eprintln!("bench: peer: throughput");
    let peer_plan = Plan {
        format: "json",
        ..plan.clone()
    };
    let peer_throughput = throughput::run(peer, &peer_plan).await?;
    let ours_json = match ours_json {
        Some(figures) => figures,
        None => {
            eprintln!("bench: peer: our throughput (json)");
            throughput::run(ours, &peer_plan).await?
        }
    };
    let mut comparisons = vec![
        compare(
            "cold start, median (ms)",
            cold_start_ms.0.median,
            cold_start_ms.1.median,
            true,
        ),
        compare(
            "idle peak RSS, median (MiB)",
            idle_rss_kib.0.median / 1024.0,
            idle_rss_kib.1.median / 1024.0,
            true,
        ),
        compare(
            "throughput, json records, one core (events/s)",
            ours_json.events_per_second,
            peer_throughput.events_per_second,
            false,
        ),
    ];
    if let (Some(ours_cpu), Some(peer_cpu)) =
        (ours_json.cpu_per_event, peer_throughput.cpu_per_event)
    {
        comparisons.push(compare(
            "CPU per event, json records (µs)",
            ours_cpu.micros,
            peer_cpu.micros,
            true,
        ));
    }
    if let (Some(ours_units), Some(peer_units)) = (
        ours_json.tally.units_per_thousand(),
        peer_throughput.tally.units_per_thousand(),
    ) {
        comparisons.push(compare(
            "PUT payload units per 1,000 200-byte lines, json records",
            ours_units,
            peer_units,
            true,
        ));
    }
    if let (Some(ours_units), Some(peer_units)) = (
        ours_of("kpl").and_then(|figures| figures.tally.units_per_thousand()),
        peer_throughput.tally.units_per_thousand(),
    ) {
        comparisons.push(compare(
            "PUT payload units per 1,000 200-byte lines, ours kpl records",
            ours_units,
            peer_units,
            true,
        ));
    }
    comparisons.push(compare(
        "peak RSS during the throughput run (MiB)",
        ours_json.peak_rss_kib as f64 / 1024.0,
        peer_throughput.peak_rss_kib as f64 / 1024.0,
        true,
    ));
    Ok(PeerFigures {
        cold_start_ms,
        idle_rss_kib,
        throughput: peer_throughput,
        comparisons,
    })
}
