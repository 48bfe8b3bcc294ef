//! The results of a run and their table.

use crate::machine::Machine;
use crate::stats::{Summary, figure};
use crate::suites::{
    cold_start::ColdStart, cost::Cost, deployer::SynthFigures, deployer::UpFigures,
    faults::FaultFigures, first_invocation::FirstInvocationFigures, instructions::Instructions,
    invocations::InvocationFigures, memory::MemoryFigures, peer::PeerFigures, sizes::Sizes,
    throughput::Throughput, variants::VariantFigures,
};
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;

/// Everything measured in one run.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// Where.
    pub machine: Machine,
    /// The extension binary measured.
    pub binary: PathBuf,
    /// Sizes.
    pub sizes: Option<Sizes>,
    /// Cold start.
    pub cold_start: Option<ColdStart>,
    /// The first invocation against a Kinesis with latency, per subscription.
    pub first_invocation: Vec<FirstInvocationFigures>,
    /// Memory.
    pub memory: Option<MemoryFigures>,
    /// Each fault scenario in each record format.
    pub faults: Vec<FaultFigures>,
    /// Kinesis cost per shape and format.
    pub cost: Vec<Cost>,
    /// Post-runtime duration and latency per strategy and rate.
    pub invocations: Vec<InvocationFigures>,
    /// Throughput per format.
    pub throughput: Vec<Throughput>,
    /// Instructions per event per build and format.
    pub instructions: Vec<Instructions>,
    /// Build variants.
    pub variants: Vec<VariantFigures>,
    /// The peer beside this extension.
    pub peer: Option<PeerFigures>,
    /// `deployer synth` against `cdk synth`.
    pub synth: Option<SynthFigures>,
    /// `deployer up` against moto, or why it failed.
    pub up: Option<Result<UpFigures, String>>,
    /// Suites that failed: (suite, error).
    pub failures: Vec<(String, String)>,
}

const MIB: f64 = 1024.0;

impl Results {
    /// Empty results for `machine`.
    pub fn new(machine: Machine, binary: PathBuf) -> Self {
        Self {
            machine,
            binary,
            sizes: None,
            cold_start: None,
            first_invocation: Vec::new(),
            memory: None,
            faults: Vec::new(),
            cost: Vec::new(),
            invocations: Vec::new(),
            throughput: Vec::new(),
            instructions: Vec::new(),
            variants: Vec::new(),
            peer: None,
            synth: None,
            up: None,
            failures: Vec::new(),
        }
    }

    /// The table: one row per figure, `measure | value | target | suite`.
    pub fn table(&self) -> String {
        let mut rows: Vec<[String; 4]> = Vec::new();
        let mut row = |measure: String, value: String, target: &str, suite: &str| {
            rows.push([measure, value, target.to_owned(), format!("--only {suite}")]);
        };
        if let Some(sizes) = &self.sizes {
            row(
                "binary size".into(),
                format!("{} MiB", figure(sizes.binary_bytes as f64 / MIB / MIB)),
                "",
                "sizes",
            );
            row(
                "layer zip size".into(),
                format!("{} MiB", figure(sizes.zip_bytes as f64 / MIB / MIB)),
                "",
                "sizes",
            );
        }
        if let Some(cold) = &self.cold_start {
            row(
                "cold start: init duration (ms, min / median / max)".into(),
                cold.init_ms.to_string(),
                "median < 10 ms",
                "cold-start",
            );
            row(
                "cold start: register answered (ms)".into(),
                cold.registered_ms.to_string(),
                "",
                "cold-start",
            );
        }
        if let Some(memory) = &self.memory {
            for [measure, value, target] in memory.rows() {
                row(measure, value, &target, "memory");
            }
        }
        for figures in &self.faults {
            let [measure, value, target] = figures.row();
            row(measure, value, &target, "faults");
        }
        for figures in &self.invocations {
            let strategy = match figures.buffering_timeout_ms {
                Some(timeout) => format!("{}, timeoutMs {timeout}", figures.strategy),
                None => figures.strategy.to_owned(),
            };
            let target = if strategy == "adaptive" && figures.rate.label == "high" {
                "median < 1 ms"
            } else {
                ""
            };
            row(
                format!(
                    "post-runtime duration, {strategy} at {} rate (ms)",
                    figures.rate.label
                ),
                optional(figures.post_runtime_ms),
                target,
                "invocations",
            );
            row(
                format!(
                    "delivery latency, {strategy} at {} rate (ms)",
                    figures.rate.label
                ),
                format!(
                    "{} [{}/{} lines]",
                    optional(figures.latency_ms),
                    figures.delivered_lines,
                    figures.written_lines
                ),
                "",
                "invocations",
            );
        }
        for figures in &self.first_invocation {
            let types = format!(
                "{}, {}",
                figures.runtime.label(),
                figures.types.unwrap_or("default types")
            );
            row(
                format!("first invocation ({types}): cold start (ms)"),
                figures.cold_start_ms.to_string(),
                "not worse than 3-4 ms",
                "first-invocation",
            );
            row(
                format!("first invocation ({types}): INVOKE to next (ms)"),
                format!(
                    "{} (post-runtime {}; events on the stream at next: {})",
                    figures.invoke_to_next_ms,
                    figures.post_runtime_ms,
                    figures.delivered_before_next
                ),
                "median <= 2 ms",
                "first-invocation",
            );
        }
        for figures in &self.throughput {
            let target = if figures.format == "kpl" {
                ">= 500000; RSS <= 24 MiB"
            } else {
                ">= 300000; RSS <= 24 MiB"
            };
            row(
                format!("throughput, {} (events/s delivered)", figures.format),
                throughput_cell(figures),
                target,
                "throughput",
            );
        }
        for figures in &self.instructions {
            let without = figures
                .without_sha256_per_event
                .map_or_else(|| "-".to_owned(), figure);
            let sha256 = figures
                .sha256_per_event
                .map_or_else(|| "-".to_owned(), figure);
            row(
                format!(
                    "instructions per event, {} ({})",
                    figures.format, figures.variant
                ),
                format!(
                    "{} in all; {without} without SHA-256 ({sha256} SHA-256) [{} events, {:.0} s]",
                    figure(figures.per_event),
                    figures.events,
                    figures.seconds
                ),
                "",
                "instructions",
            );
            if let Some(groups) = &figures.groups {
                let groups: Vec<String> = groups
                    .iter()
                    .map(|(group, value)| format!("{group} {}", figure(*value)))
                    .collect();
                row(
                    format!(
                        "instructions per event by group, {} ({})",
                        figures.format, figures.variant
                    ),
                    groups.join("; "),
                    "",
                    "instructions",
                );
            }
        }
        for variant in &self.variants {
            row(
                format!("{}: binary / layer zip", variant.label),
                format!(
                    "{} MiB / {} MiB ({} bytes)",
                    figure(variant.sizes.binary_bytes as f64 / MIB / MIB),
                    figure(variant.sizes.zip_bytes as f64 / MIB / MIB),
                    variant.sizes.zip_bytes
                ),
                "",
                "variants",
            );
            for figures in &variant.throughput {
                row(
                    format!("{}: throughput, {}", variant.label, figures.format),
                    throughput_cell(figures),
                    "",
                    "variants",
                );
            }
        }
        if let Some(peer) = &self.peer {
            row(
                "peer: throughput, json (events/s delivered)".into(),
                throughput_cell(&peer.throughput),
                "",
                "peer",
            );
            for comparison in &peer.comparisons {
                row(
                    format!("ours / peer: {}", comparison.measure),
                    format!(
                        "{} / {} = {}x",
                        figure(comparison.ours),
                        figure(comparison.peer),
                        figure(comparison.ratio)
                    ),
                    if comparison.lower_is_better {
                        "lower is better"
                    } else {
                        "higher is better"
                    },
                    "peer",
                );
            }
        }
        for cost in &self.cost {
            let per_thousand =
                |value: u64| figure(value as f64 * 1000.0 / crate::suites::cost::EVENTS as f64);
            row(
                format!("Kinesis cost per 1,000 {} ({})", cost.kind, cost.format),
                format!(
                    "{} PUT units, {} calls, {} records",
                    per_thousand(cost.tally.payload_units),
                    per_thousand(cost.calls),
                    per_thousand(cost.tally.records)
                ),
                "",
                "cost",
            );
        }
        if let Some(synth) = &self.synth {
            row(
                "deployer synth (ms)".into(),
                synth.deployer_ms.to_string(),
                "",
                "deployer",
            );
            row(
                "cdk synth, equivalent app (ms)".into(),
                match &synth.cdk_ms {
                    Ok(summary) => summary.to_string(),
                    Err(reason) => format!("not measured: {reason}"),
                },
                "",
                "deployer",
            );
            if let Some(ratio) = synth.ratio() {
                row(
                    "cdk synth / deployer synth (medians)".into(),
                    format!("{}x", figure(ratio)),
                    "",
                    "deployer",
                );
            }
        }
        match &self.up {
            Some(Ok(up)) => {
                row(
                    "deployer up, first (ms)".into(),
                    figure(up.first_ms),
                    "",
                    "deployer",
                );
                row(
                    "deployer up, no changes (ms)".into(),
                    up.unchanged_ms.to_string(),
                    "",
                    "deployer",
                );
            }
            Some(Err(reason)) => row(
                "deployer up against moto".into(),
                format!("not measured: {reason}"),
                "",
                "deployer",
            ),
            None => {}
        }
        for (suite, error) in &self.failures {
            row(format!("{suite} FAILED"), error.clone(), "", "");
        }
        render(&self.machine, &rows)
    }
}

fn throughput_cell(figures: &Throughput) -> String {
    let cpu = |per: Option<crate::cpu::PerEvent>| {
        per.map_or_else(
            || "-".to_owned(),
            |per| {
                format!(
                    "{} µs (ceiling {}/s)",
                    figure(per.micros),
                    figure(per.ceiling_per_second)
                )
            },
        )
    };
    format!(
        "{} ({}); CPU per event {}, per accepted {}; harness CPU per event {}; accepted {}/s; {} PUT units per 1,000; \
         {} calls; {} stdout lines, {} missing, {} extra; peak RSS {} MiB",
        figure(figures.events_per_second),
        optional(figures.per_second),
        cpu(figures.cpu_per_event),
        cpu(figures.cpu_per_accepted_event),
        cpu(figures.harness_cpu_per_event),
        figure(figures.accepted_per_second),
        figures
            .tally
            .units_per_thousand()
            .map_or_else(|| "-".to_owned(), figure),
        figures.calls,
        figures.stdout_lines,
        figures.missing,
        figures.extra_events,
        figure(figures.peak_rss_kib as f64 / MIB)
    )
}

fn optional(summary: Option<Summary>) -> String {
    summary.map_or_else(|| "-".to_owned(), |summary| summary.to_string())
}

fn render(machine: &Machine, rows: &[[String; 4]]) -> String {
    let headers = ["measure", "value", "target", "bench"];
    let mut widths = headers.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = format!("machine: {machine}\n");
    let line = |text: &mut String, cells: [&str; 4]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(text, "| {} |", padded.join(" | "));
    };
    line(&mut text, headers);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    let _ = writeln!(text, "|-{}-|", rule.join("-|-"));
    for row in rows {
        line(&mut text, [&row[0], &row[1], &row[2], &row[3]]);
    }
    text
}
