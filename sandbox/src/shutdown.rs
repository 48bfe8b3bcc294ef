//! SHUTDOWN: the environment thawed, the telemetry up to the last platform event delivered,
//! the runtime sent SIGTERM (SIGKILL after its budget), the extensions the SHUTDOWN event,
//! every extension awaited until the budget and SIGKILLed after it, and the report.

use crate::delivery::Hub;
use crate::platform::{LastPlatformEvent, RELAY_TIMEOUT};
use crate::process::{self, ProcessHandle};
use crate::processes::Processes;
use crate::report::{ProcessReport, ShutdownReport};
use crate::timeline::{Mark, Timeline};
use lambda_simulator::{ShutdownReason, Simulator};
use nix::sys::signal::Signal;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long SHUTDOWN waits for buffered telemetry to be delivered before sending the event.
const FLUSH_TIMEOUT: Duration = Duration::from_millis(500);
/// How long to wait for a killed process to be reaped, or for the simulator to stop.
const REAP_TIMEOUT: Duration = Duration::from_secs(5);

/// What SHUTDOWN ends, and its budgets.
pub(crate) struct Shutdown<'a> {
    pub simulator: Arc<Simulator>,
    pub timeline: &'a Timeline,
    pub hub: &'a Hub,
    pub processes: &'a Processes,
    /// The platform events that must reach the subscribers before SHUTDOWN (the last
    /// invocations' `platform.report`, or INIT's `platform.initReport`).
    pub last_events: Vec<LastPlatformEvent>,
    /// The runtime's share of the budget (SIGTERM, then SIGKILL).
    pub runtime_budget: Duration,
    /// The extensions' budget, after which they are killed.
    pub budget: Duration,
}

impl Shutdown<'_> {
    /// Runs SHUTDOWN and reports every process.
    pub(crate) async fn run(self) -> ShutdownReport {
        let started = Instant::now();
        for handle in self.processes.all() {
            process::sample_rss(handle);
            handle.signal(Signal::SIGCONT);
        }
        self.deliver_telemetry().await;

        self.processes.runtime.terminate();
        // Our reference goes into the task, so the simulator can be taken out of the Arc.
        let simulator = self.simulator;
        let simulator_shutdown = tokio::spawn(async move {
            if let Ok(simulator) = Arc::try_unwrap(simulator) {
                simulator.graceful_shutdown(ShutdownReason::Spindown).await;
            }
        });

        let mut killed = BTreeMap::new();
        if let Some(handle) = self.processes.runtime.process() {
            let deadline = started + self.runtime_budget;
            killed.insert(
                handle.name.clone(),
                end_process(self.timeline, handle, deadline).await,
            );
        }
        let deadline = started + self.budget;
        for handle in &self.processes.extensions {
            killed.insert(
                handle.name.clone(),
                end_process(self.timeline, handle, deadline).await,
            );
        }
        let _ = tokio::time::timeout(REAP_TIMEOUT, simulator_shutdown).await;
        // An exited process's last lines may still be in its pipes: read them first.
        let read_by = Instant::now() + REAP_TIMEOUT;
        for handle in self.processes.all() {
            handle.output_read(read_by).await;
        }
        report(self.processes, &killed, started, self.hub)
    }

    /// Delivers everything up to the last platform event before SHUTDOWN, as Lambda does:
    /// waits until the simulator has relayed it to every platform subscriber, then flushes.
    async fn deliver_telemetry(&self) {
        if !self
            .hub
            .wait_until_routed(&self.last_events, RELAY_TIMEOUT)
            .await
        {
            tracing::warn!(
                last = ?self.last_events,
                "the simulator did not relay the last platform event before SHUTDOWN"
            );
        }
        // Lines from now on belong to SHUTDOWN and go out as they come.
        self.hub.end_invocations();
        self.hub.flush(FLUSH_TIMEOUT).await;
    }
}

/// Waits for a process to exit until `deadline`, then SIGKILLs it; returns whether it had
/// to be killed.
async fn end_process(timeline: &Timeline, handle: &ProcessHandle, deadline: Instant) -> bool {
    let exited = |marks: &[(Instant, Mark)]| {
        marks
            .iter()
            .any(|(_, mark)| matches!(mark, Mark::Exited { name } if *name == handle.name))
            .then_some(())
    };
    if timeline.wait_until(deadline, exited).await.is_some() {
        return false;
    }
    handle.signal(Signal::SIGKILL);
    let _ = timeline
        .wait_until(Instant::now() + REAP_TIMEOUT, exited)
        .await;
    true
}

/// Every process's end, measured from `started`.
fn report(
    processes: &Processes,
    killed: &BTreeMap<String, bool>,
    started: Instant,
    hub: &Hub,
) -> ShutdownReport {
    let was_killed =
        |handle: &Arc<ProcessHandle>| killed.get(&handle.name).copied().unwrap_or(false);
    let process_reports = processes
        .all()
        .map(|handle| {
            let state = handle.lock();
            ProcessReport {
                name: handle.name.clone(),
                pid: handle.pid,
                peak_rss_kib: state.peak_rss_kib,
                exit: state.exit.as_ref().map(|(_, exit)| exit.clone()),
                killed: was_killed(handle),
                shutdown_duration: state
                    .exit
                    .as_ref()
                    .map(|(at, _)| at.saturating_duration_since(started)),
                output: state.output.clone(),
            }
        })
        .collect();
    let last_exit = processes
        .all()
        .filter_map(|handle| handle.exited().map(|(at, _)| at))
        .fold(started, Instant::max);
    ShutdownReport {
        duration: last_exit.saturating_duration_since(started),
        deadline_met: !processes.extensions.iter().any(was_killed),
        processes: process_reports,
        delivery: hub.stats(),
    }
}
