//! The sandbox: an execution environment after INIT ([`crate::init`]), driven through
//! invocations ([`crate::invocation`]) until SHUTDOWN ([`crate::shutdown`]).

use crate::config::SandboxConfig;
use crate::error::SandboxError;
use crate::init::ExecutionEnvironment;
use crate::invocation::InvocationDriver;
use crate::platform::LastPlatformEvent;
use crate::report::{DeliveryStats, InitReport, InvokeReport, ProcessOutput, ShutdownReport};
use crate::shutdown::Shutdown;
use lambda_simulator::Simulator;
use std::collections::BTreeMap;

/// A function with its layer's extensions, running on `lambda-simulator` after a
/// successful INIT. Drive it with [`Sandbox::invoke`] and end it with
/// [`Sandbox::shutdown`]; dropping it kills every process.
pub struct Sandbox {
    environment: ExecutionEnvironment,
    config: SandboxConfig,
    /// Why the sandbox can run no more invocations, once one failed.
    failed: Option<String>,
    /// The last invocation that ended: its `platform.report` is the last platform event.
    last_invocation: Option<String>,
}

impl Sandbox {
    /// Runs INIT: starts the simulator, every extension under the layer's `extensions/`
    /// (waiting until each registered and called `next`), then the runtime (waiting for its
    /// first `next`). Fails with a clear error, never hangs, when a process exits, reports an
    /// init error or misses the INIT limit.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let environment = crate::init::run(&config).await?;
        Ok(Self {
            environment,
            config,
            failed: None,
            last_invocation: None,
        })
    }

    /// The INIT phase's timings.
    pub fn init_report(&self) -> &InitReport {
        &self.environment.report
    }

    /// The underlying simulator: delivery policies, captured platform events, freeze state.
    pub fn simulator(&self) -> &Simulator {
        &self.environment.simulator
    }

    /// Whether the environment is frozen now.
    pub fn is_frozen(&self) -> bool {
        self.environment.simulator.is_frozen()
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

    /// Runs one invocation: thaws the environment, hands the payload to the runtime and the
    /// INVOKE event to the extensions, waits until the runtime responded and every
    /// INVOKE-subscribed extension is back in `next` (within the function timeout), then,
    /// with freezing on, until the environment is frozen again. A process exit fails the
    /// invocation and the sandbox.
    pub async fn invoke(
        &mut self,
        payload: serde_json::Value,
    ) -> Result<InvokeReport, SandboxError> {
        if let Some(reason) = &self.failed {
            return Err(SandboxError::Failed(reason.clone()));
        }
        let environment = &self.environment;
        let driver = InvocationDriver {
            simulator: &environment.simulator,
            timeline: &environment.timeline,
            processes: &environment.processes,
            registered: &environment.registered,
            timeout: self.config.timeout,
            freeze: self.config.freeze,
        };
        let result = driver.run(payload).await;
        match &result {
            Ok(report) => self.last_invocation = Some(report.request_id.clone()),
            Err(error) => self.failed = Some(error.to_string()),
        }
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
        let shutdown = Shutdown {
            simulator,
            timeline: &timeline,
            hub: &hub,
            processes: &processes,
            last_event: self
                .last_invocation
                .map_or(LastPlatformEvent::InitReport, LastPlatformEvent::Report),
            runtime_budget: self.config.runtime_shutdown_budget,
            budget: self.config.shutdown_budget,
        };
        let report = shutdown.run().await;
        // The processes have ended; the tasks that watched them and served their API go last.
        drop((processes, hub, timeline, layer));
        drop(tasks);
        Ok(report)
    }
}
