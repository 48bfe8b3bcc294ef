//! The results of a run and their table.

use crate::machine::Machine;
use crate::stats::{Summary, figure};
use crate::suites::{
    cold_start::ColdStart, cost::Cost, deployer::SynthFigures, deployer::UpFigures,
    faults::FaultFigures, invocations::InvocationFigures, memory::MemoryFigures, profile::Profile,
    sizes::Sizes, throughput::Throughput,
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
    /// Where the time goes.
    pub profile: Option<Profile>,
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
            memory: None,
            faults: Vec::new(),
            cost: Vec::new(),
            invocations: Vec::new(),
            throughput: Vec::new(),
            profile: None,
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
        for figures in &self.throughput {
            row(
                format!(
                    "throughput, {} (events/s; per-second min / median / max)",
                    figures.format
                ),
                format!(
                    "{} ({}; accepted {}/s; {} calls, {} spilled, {} lost, peak RSS {} MiB)",
                    figure(figures.events_per_second),
                    optional(figures.per_second),
                    figure(figures.posted_per_second),
                    figures.calls,
                    figures.spill_lines,
                    figures
                        .lost
                        .map_or_else(|| "?".to_owned(), |lost| lost.to_string()),
                    figure(figures.peak_rss_kib as f64 / MIB)
                ),
                ">= 100000",
                "throughput",
            );
        }
        if let Some(profile) = &self.profile {
            let groups: Vec<String> = profile
                .groups
                .iter()
                .map(|(group, percent)| format!("{group} {percent:.1}%"))
                .collect();
            row(
                "profile (json, share of samples)".into(),
                groups.join("; "),
                "",
                "throughput",
            );
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
