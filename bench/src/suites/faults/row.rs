//! A fault scenario's row in the results table.

use super::{ARRIVAL_LIMIT, FaultFigures, Scenario, Verdict};
use crate::stats::figure;
use std::fmt::Write;

impl FaultFigures {
    /// The table row: measure, value, target (with the verdict).
    pub fn row(&self) -> [String; 3] {
        let fates = &self.fates;
        let mut value = format!(
            "sent {} / on the stream {} / spilled {} / lost {} / duplicates {}; peak RSS {}",
            fates.sent,
            fates.on_stream,
            fates.spilled,
            fates.lost,
            fates.duplicates,
            self.peak_rss_kib.map_or_else(
                || "?".to_owned(),
                |kib| format!("{} MiB", figure(kib as f64 / 1024.0))
            ),
        );
        let mut note = |text: String| {
            let _ = write!(value, "; {text}");
        };
        if let Some(ms) = self.exit_after_signal_ms {
            note(format!("exit after {} ms", figure(ms)));
        }
        match (self.scenario, self.arrived_after_ms) {
            (Scenario::SlowKinesis, Some(ms)) => note(format!(
                "all on the stream {} s after the last invocation",
                figure(ms / 1000.0)
            )),
            (Scenario::SlowKinesis, None) => note(format!(
                "not all on the stream after {} s",
                ARRIVAL_LIMIT.as_secs()
            )),
            (Scenario::HotShardOutage, _) => note(format!(
                "SHUTDOWN at {} s",
                figure(self.ended_after_ms / 1000.0)
            )),
            _ => {}
        }
        if fates.received_twice > 0 {
            note(format!("{} received twice", fates.received_twice));
        }
        match &self.exit {
            Some(exit) if !exit.success() => note(format!("exit: {}", exit.text)),
            None => note("exit unknown".to_owned()),
            Some(_) => {}
        }
        if self.killed {
            note("killed after the budget".to_owned());
        }
        if let Some(log) = self.shutdown_log
            && (log.spilled > 0 || log.lost_total() > 0)
        {
            note(format!(
                "extension's log: {} spilled, {} lost at the end",
                log.spilled,
                log.lost_total()
            ));
        }
        if self.spill_lines_not_captured > 0 {
            note(format!(
                "{} spill lines not captured by the sandbox",
                self.spill_lines_not_captured
            ));
        }
        if self.platform_not_emitted > 0 {
            note(format!(
                "{} platform events the simulator never emitted (not counted)",
                self.platform_not_emitted
            ));
        }
        if self.undelivered_batches > 0 {
            note(format!(
                "{} batches the sandbox could not deliver",
                self.undelivered_batches
            ));
        }
        let verdict = match self.verdict {
            Verdict::Met => "met",
            Verdict::MetCountingUncapturedSpills => "met, counting the uncaptured spill lines",
            Verdict::Missed => "MISSED",
        };
        [
            format!("faults: {} ({})", self.scenario.label(), self.format),
            value,
            format!("{}: {verdict}", self.scenario.expectation()),
        ]
    }
}
