//! Whether a scenario met its expectation, from the events counted and the exit.

use super::{EXIT_LIMIT, FaultFigures, Scenario};
use crate::accounting::Fates;
use sandbox::ExitSummary;
use serde::Serialize;

/// Whether a scenario met its expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// By the events read back.
    Met,
    /// Once the spill lines the sandbox did not capture (counted in the extension's log)
    /// are counted as spilled.
    MetCountingUncapturedSpills,
    /// Not met.
    Missed,
}

impl Scenario {
    /// Whether `fates` (and the exit) meet the expectation.
    fn holds(self, figures: &FaultFigures, fates: &Fates) -> bool {
        let exited_cleanly = figures.exit.as_ref().is_some_and(ExitSummary::success);
        exited_cleanly
            && match self {
                Self::Healthy | Self::HotShard | Self::SlowKinesis => fates.on_stream == fates.sent,
                Self::HotShardOutage => fates.lost == 0,
                Self::KinesisDown => fates.spilled == fates.sent,
                Self::Sigterm => {
                    fates.lost == 0
                        && figures
                            .exit_after_signal_ms
                            .is_some_and(|ms| ms < EXIT_LIMIT.as_secs_f64() * 1000.0)
                }
            }
    }

    /// The verdict on `figures`.
    pub(super) fn verdict(self, figures: &FaultFigures) -> Verdict {
        if self.holds(figures, &figures.fates) {
            return Verdict::Met;
        }
        // Events the extension spilled after the sandbox stopped capturing its output: the
        // extension's log counts them as spilled, and no event as lost.
        let uncaptured = figures.fates.lost.min(figures.spill_lines_not_captured);
        let logged_no_loss = figures
            .shutdown_log
            .is_some_and(|log| log.lost_total() == 0);
        if uncaptured > 0 && logged_no_loss {
            let counted = Fates {
                spilled: figures.fates.spilled + uncaptured,
                lost: figures.fates.lost - uncaptured,
                ..figures.fates
            };
            if self.holds(figures, &counted) {
                return Verdict::MetCountingUncapturedSpills;
            }
        }
        Verdict::Missed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::ShutdownLog;

    fn figures(
        scenario: Scenario,
        fates: Fates,
        not_captured: u64,
        logged_lost: u64,
    ) -> FaultFigures {
        FaultFigures {
            scenario,
            format: "json",
            fates,
            verdict: Verdict::Missed,
            peak_rss_kib: None,
            exit: Some(ExitSummary {
                code: Some(0),
                signal: None,
                text: "exit status: 0".to_owned(),
            }),
            killed: false,
            shutdown_log: Some(ShutdownLog {
                lost: logged_lost,
                ..ShutdownLog::default()
            }),
            spill_lines_not_captured: not_captured,
            unreadable_spill_lines: 0,
            calls: 0,
            failed_entries: 0,
            ended_after_ms: 0.0,
            exit_after_signal_ms: None,
            arrived_after_ms: None,
            platform_not_emitted: 0,
            undelivered_batches: 0,
            missing_sequences: 0,
            lost_examples: Vec::new(),
            log: Vec::new(),
        }
    }

    #[test]
    fn uncaptured_spill_lines_count_only_when_the_log_lost_nothing() {
        let fates = Fates {
            sent: 10,
            spilled: 8,
            lost: 2,
            ..Fates::default()
        };
        let down = Scenario::KinesisDown;
        assert_eq!(down.verdict(&figures(down, fates, 0, 0)), Verdict::Missed);
        assert_eq!(
            down.verdict(&figures(down, fates, 2, 0)),
            Verdict::MetCountingUncapturedSpills
        );
        assert_eq!(down.verdict(&figures(down, fates, 2, 1)), Verdict::Missed);
        assert_eq!(down.verdict(&figures(down, fates, 1, 0)), Verdict::Missed);
        let all_spilled = Fates {
            spilled: 10,
            lost: 0,
            ..fates
        };
        assert_eq!(
            down.verdict(&figures(down, all_spilled, 0, 0)),
            Verdict::Met
        );
        // Spilling does not put events on the stream.
        let shard = Scenario::HotShard;
        assert_eq!(shard.verdict(&figures(shard, fates, 2, 0)), Verdict::Missed);
    }
}
