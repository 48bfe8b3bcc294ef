//! The sandbox: an execution environment after INIT ([`crate::init`]), driven through
//! invocations ([`crate::invocation`]), idle gaps and SnapStart's Restore phase
//! ([`crate::restore`]) until SHUTDOWN ([`crate::shutdown`]).

use crate::config::SandboxConfig;
use crate::error::SandboxError;
use crate::freeze::IdleFreeze;
use crate::init::ExecutionEnvironment;
use crate::invocation::InvocationDriver;
use crate::model::ExecutionModel;
use crate::platform::LastPlatformEvent;
use crate::report::{
    DeliveryStats, InitReport, InvokeReport, ProcessOutput, RestoreReport, ShutdownReport,
};
use crate::shutdown::Shutdown;
use lambda_simulator::Simulator;
use std::collections::BTreeMap;
use std::time::Duration;

/// Where a SnapStart environment is in its Restore phase.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Restore {
    /// Not restored yet: the first invocation restores it first.
    Due,
    /// Restored, and the next invocation is the first after the restore.
    Done(Duration),
    /// Nothing to restore (not SnapStart, or invoked since the restore).
    None,
}

/// A function with its layer's extensions, running on `lambda-simulator` after a
/// successful INIT. Drive it with [`Sandbox::invoke`] (or, on Lambda Managed Instances,
/// [`Sandbox::invoke_concurrently`]), [`Sandbox::idle`] and [`Sandbox::restore`], and end it
/// with [`Sandbox::shutdown`]; dropping it kills every process.
pub struct Sandbox {
    environment: ExecutionEnvironment,
    config: SandboxConfig,
    /// Why the sandbox can run no more invocations, once one failed.
    failed: Option<String>,
    /// The last invocations that ended (several after a concurrent batch): their
    /// `platform.report`s are the last platform events.
    last_invocations: Vec<String>,
    /// The freezes the sandbox makes itself (after INIT, while idle before an invocation).
    idle_freeze: IdleFreeze,
    restore: Restore,
}

impl Sandbox {
    /// Runs INIT: starts the simulator, every extension under the layer's `extensions/`
    /// (waiting until each registered and called `next`), then the runtime (waiting for its
    /// first `next`). Fails with a clear error, never hangs, when a process exits, reports an
    /// init error or misses the INIT limit. A provisioned-concurrency or SnapStart
    /// environment is frozen when INIT ends, as Lambda freezes it.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let environment = crate::init::run(&config).await?;
        let model = config.execution_model;
        let mut idle_freeze = IdleFreeze::default();
        if model.frozen_after_init() && config.freezes() {
            idle_freeze.freeze(&environment.processes);
        }
        Ok(Self {
            environment,
            failed: None,
            last_invocations: Vec::new(),
            idle_freeze,
            restore: if model == ExecutionModel::SnapStart {
                Restore::Due
            } else {
                Restore::None
            },
            config,
        })
    }

    /// The INIT phase's timings.
    pub fn init_report(&self) -> &InitReport {
        &self.environment.report
    }

    /// The execution model the environment runs under.
    pub fn execution_model(&self) -> ExecutionModel {
        self.config.execution_model
    }

    /// The underlying simulator: delivery policies, captured platform events, freeze state.
    pub fn simulator(&self) -> &Simulator {
        &self.environment.simulator
    }

    /// Whether the environment is frozen now (by the simulator after an invocation, or by
    /// the sandbox after INIT or while idle).
    pub fn is_frozen(&self) -> bool {
        self.idle_freeze.is_frozen() || self.environment.simulator.is_frozen()
    }

    /// A snapshot of a process's captured output (`runtime` or an extension's file name).
    pub fn output(&self, name: &str) -> Option<ProcessOutput> {
        self.environment
            .processes
            .find(name)
            .map(|handle| handle.lock().output.clone())
    }

    /// Telemetry delivered so far, per subscriber name.
    pub fn delivery_stats(&self) -> BTreeMap<String, DeliveryStats> {
        self.environment.hub.stats()
    }

    /// The telemetry subscriptions made so far: subscriber name and types.
    pub fn subscriptions(&self) -> Vec<(String, Vec<String>)> {
        self.environment.hub.subscriptions()
    }

    /// Leaves the environment idle for `gap`: frozen, as Lambda leaves an environment
    /// between INIT and its first invocation or between invocations (for minutes or hours),
    /// so a test can see that nothing time-based misfires across the gap. The processes'
    /// clocks keep running while they are stopped; the next invocation (or restore, or
    /// SHUTDOWN) thaws them. Without freezing (`with_freeze(false)`, Lambda Managed
    /// Instances) the processes run on through the gap.
    pub async fn idle(&mut self, gap: Duration) {
        if self.config.freezes() && !self.is_frozen() {
            self.idle_freeze.freeze(&self.environment.processes);
        }
        tokio::time::sleep(gap).await;
    }

    /// Runs SnapStart's Restore phase: thaws the environment frozen since INIT and delivers
    /// `platform.restoreStart`, `platform.restoreRuntimeDone` and `platform.restoreReport` to
    /// every subscriber of platform events, after INIT's events. The extensions get no
    /// lifecycle event; the next invocation's `platform.report` carries
    /// `restoreDurationMs`. [`Sandbox::invoke`] restores first when this was not called.
    /// Only for [`ExecutionModel::SnapStart`], once, before the first invocation.
    pub async fn restore(&mut self) -> Result<RestoreReport, SandboxError> {
        self.check_failed()?;
        if self.restore != Restore::Due {
            let reason = if self.config.execution_model == ExecutionModel::SnapStart {
                "a SnapStart environment is restored once, before its first invocation"
            } else {
                "only SnapStart environments are restored"
            };
            return Err(SandboxError::Unsupported {
                operation: "restore",
                reason: reason.to_owned(),
            });
        }
        let report =
            crate::restore::run(&self.environment, &self.config, &mut self.idle_freeze).await;
        self.restore = Restore::Done(report.duration);
        Ok(report)
    }

    /// Runs one invocation: thaws the environment, hands the payload to the runtime and the
    /// INVOKE event to the extensions, waits until the runtime responded and every
    /// INVOKE-subscribed extension is back in `next` (within the function timeout), then,
    /// with freezing on, until the environment is frozen again. A process exit fails the
    /// invocation and the sandbox. A SnapStart environment is restored first.
    pub async fn invoke(
        &mut self,
        payload: serde_json::Value,
    ) -> Result<InvokeReport, SandboxError> {
        let restored = self.prepare_invocation().await?;
        let result = self.driver(restored).run(payload).await;
        self.record(result.as_ref().map(std::slice::from_ref));
        result
    }

    /// Runs up to `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once in the environment (Lambda
    /// Managed Instances only): hands every payload over, then waits for each to end. Their
    /// telemetry interleaves in the subscribers' streams. The reports come in the order of
    /// the payloads.
    pub async fn invoke_concurrently(
        &mut self,
        payloads: Vec<serde_json::Value>,
    ) -> Result<Vec<InvokeReport>, SandboxError> {
        let model = self.config.execution_model;
        let unsupported = |reason: String| SandboxError::Unsupported {
            operation: "invoke_concurrently",
            reason,
        };
        if !model.is_concurrent() {
            return Err(unsupported(format!(
                "{} environments run one invocation at a time",
                model.initialization_type()
            )));
        }
        if payloads.len() > usize::try_from(model.max_concurrency()).unwrap_or(usize::MAX) {
            return Err(unsupported(format!(
                "{} invocations asked for, at most {} run at once",
                payloads.len(),
                model.max_concurrency()
            )));
        }
        let restored = self.prepare_invocation().await?;
        let result = self.driver(restored).run_concurrently(payloads).await;
        self.record(result.as_deref());
        result
    }

    /// Runs SHUTDOWN: thaws the environment, delivers buffered telemetry, sends the runtime
    /// SIGTERM (SIGKILL after its budget) and the extensions the SHUTDOWN event, waits for
    /// every extension to exit within the budget and SIGKILLs the rest. Reports every
    /// process.
    pub async fn shutdown(self) -> Result<ShutdownReport, SandboxError> {
        let ExecutionEnvironment {
            simulator,
            timeline,
            hub,
            processes,
            layer,
            tasks,
            ..
        } = self.environment;
        let last_events = if self.last_invocations.is_empty() {
            vec![LastPlatformEvent::InitReport]
        } else {
            self.last_invocations
                .into_iter()
                .map(LastPlatformEvent::Report)
                .collect()
        };
        let shutdown = Shutdown {
            simulator,
            timeline: &timeline,
            hub: &hub,
            processes: &processes,
            last_events,
            runtime_budget: self.config.runtime_shutdown_budget,
            budget: self.config.shutdown_budget,
        };
        let report = shutdown.run().await;
        // The processes have ended; the tasks that watched them and served their API go last.
        drop((processes, hub, timeline, layer));
        drop(tasks);
        Ok(report)
    }

    fn check_failed(&self) -> Result<(), SandboxError> {
        match &self.failed {
            Some(reason) => Err(SandboxError::Failed(reason.clone())),
            None => Ok(()),
        }
    }

    /// Restores a SnapStart environment not restored yet and thaws what the sandbox froze;
    /// returns the restore's duration when the next invocation is the first after it.
    async fn prepare_invocation(&mut self) -> Result<Option<Duration>, SandboxError> {
        self.check_failed()?;
        if self.restore == Restore::Due {
            self.restore().await?;
        }
        self.idle_freeze.thaw(&self.environment.processes);
        Ok(match std::mem::replace(&mut self.restore, Restore::None) {
            Restore::Done(duration) => Some(duration),
            Restore::Due | Restore::None => None,
        })
    }

    fn driver(&self, restored: Option<Duration>) -> InvocationDriver<'_> {
        let environment = &self.environment;
        InvocationDriver {
            simulator: &environment.simulator,
            timeline: &environment.timeline,
            processes: &environment.processes,
            registered: &environment.registered,
            timeout: self.config.timeout,
            freeze: self.config.freezes(),
            rewriter: &environment.rewriter,
            restored,
        }
    }

    /// Records the invocations that ended, or fails the sandbox with the error.
    fn record(&mut self, result: Result<&[InvokeReport], &SandboxError>) {
        match result {
            Ok(reports) => {
                self.last_invocations = reports
                    .iter()
                    .map(|report| report.request_id.clone())
                    .collect();
            }
            Err(error) => self.failed = Some(error.to_string()),
        }
    }
}
