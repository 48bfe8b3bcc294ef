//! The driver: INIT (extensions, then the runtime), invocations with freeze between them,
//! SHUTDOWN with its budget and the kill after it.

use crate::config::{Function, SandboxConfig};
use crate::delivery::Hub;
use crate::error::SandboxError;
use crate::init_wait::{exited_error, wait_for_extensions, wait_for_runtime};
use crate::layer::LayerFiles;
use crate::log_events::LogType;
use crate::platform::LastPlatformEvent;
use crate::process::{self, LineSink, ProcessHandle, Spawn};
use crate::report::{
    DeliveryStats, ExtensionInit, ExtensionInvoke, InitReport, InvokeReport, InvokeStatus,
    ProcessOutput, ProcessReport, ShutdownReport,
};
use crate::timeline::{Mark, Timeline};
use lambda_simulator::{FreezeMode, Invocation, InvocationStatus, ShutdownReason, Simulator};
use nix::sys::signal::Signal;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The name of the runtime process in reports.
pub const RUNTIME_NAME: &str = "runtime";
/// How long SHUTDOWN waits for the last platform event (the last invocation's
/// `platform.report`, or INIT's `platform.initReport`) to be relayed by the simulator, which
/// delivers to us every 25 ms, and routed to every platform subscriber.
const SHUTDOWN_RELAY_TIMEOUT: Duration = Duration::from_secs(1);
/// How long SHUTDOWN waits for buffered telemetry to be delivered before sending the event.
const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_millis(500);
/// How long to wait for a killed process to be reaped, or for the simulator to stop.
const REAP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an invocation may take to freeze the environment after it ended.
const FREEZE_TIMEOUT: Duration = Duration::from_secs(2);

enum Runtime {
    Process(Arc<ProcessHandle>),
    InProcess(Arc<ProcessHandle>, tokio::task::AbortHandle),
}

impl Runtime {
    fn handle(&self) -> &Arc<ProcessHandle> {
        match self {
            Runtime::Process(handle) | Runtime::InProcess(handle, _) => handle,
        }
    }
}

/// A function with its layer's extensions, running on `lambda-simulator` after a
/// successful INIT. Drive it with [`Sandbox::invoke`] and end it with
/// [`Sandbox::shutdown`]; dropping it kills every process.
pub struct Sandbox {
    simulator: Arc<Simulator>,
    timeline: Arc<Timeline>,
    hub: Arc<Hub>,
    extensions: Vec<Arc<ProcessHandle>>,
    extension_ids: BTreeMap<String, (String, bool)>,
    runtime: Runtime,
    config: SandboxConfig,
    init: InitReport,
    failed: Option<String>,
    /// The last invocation that ended: its `platform.report` is the last platform event.
    last_invocation: Option<String>,
    _layer: LayerFiles,
    // Declared last: dropped last, after everything that talks to these tasks.
    _tasks: JoinSet<()>,
}

impl Sandbox {
    /// Runs INIT: starts the simulator, every extension under the layer's `extensions/`
    /// (waiting until each registered and called `next`), then the runtime (waiting for its
    /// first `next`). Fails with a clear error, never hangs, when a process exits, reports an
    /// init error or misses the INIT limit.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let layer = LayerFiles::open(&config.layer)?;
        let region = config
            .env
            .iter()
            .rev()
            .find(|(key, _)| key == "AWS_REGION")
            .map_or_else(|| "us-east-1".to_owned(), |(_, value)| value.clone());
        let mut builder = Simulator::builder()
            .function_name(&config.function_name)
            .memory_size_mb(config.memory_mb)
            .region(region)
            .invocation_timeout(config.timeout)
            .init_timeout(config.init_timeout)
            // The simulator stops waiting for extensions after this and freezes them mid-work;
            // Lambda lets them run until the function timeout.
            .extension_ready_timeout(config.timeout)
            .shutdown_timeout(config.shutdown_budget)
            .freeze_mode(if config.freeze {
                FreezeMode::Process
            } else {
                FreezeMode::None
            });
        if let Function::Python { handler, .. } = &config.function {
            builder = builder.handler(handler);
        }
        let simulator = builder
            .build()
            .await
            .map_err(|error| SandboxError::Simulator(error.to_string()))?;

        let mut tasks = JoinSet::new();
        let client = crate::http::client();
        let timeline = Arc::new(Timeline::new());
        let hub = Arc::new(Hub::new(client.clone()));
        let proxy = crate::proxy::start(
            simulator.addr(),
            client.clone(),
            Arc::clone(&timeline),
            Arc::clone(&hub),
            &mut tasks,
        )
        .await
        .map_err(|source| SandboxError::Io {
            action: "binding the API proxy".to_owned(),
            source,
        })?;

        let mut env: BTreeMap<String, String> = simulator.lambda_env_vars().into_iter().collect();
        env.insert(
            "TELEMETRY_KINESIS_LISTENER_HOST".to_owned(),
            "127.0.0.1".to_owned(),
        );
        env.extend(config.env.iter().cloned());
        env.insert("AWS_LAMBDA_RUNTIME_API".to_owned(), proxy.to_string());

        let init_started = Instant::now();
        let deadline = init_started + config.init_timeout;
        let extension_env: Vec<_> = env.clone().into_iter().collect();
        let mut extensions = Vec::new();
        for path in &layer.extensions {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let handle = process::spawn(
                &Spawn {
                    name: &name,
                    program: path,
                    args: &[],
                    env: &extension_env,
                    current_dir: None,
                    log_type: LogType::Extension,
                },
                &hub,
                &timeline,
                &mut tasks,
            )?;
            if config.freeze
                && let Some(pid) = handle.pid
            {
                simulator.register_freeze_pid(pid);
            }
            extensions.push(handle);
        }
        let extension_ids =
            wait_for_extensions(&timeline, &extensions, deadline, config.init_timeout).await?;

        let runtime_started = Instant::now();
        let runtime = match &config.function {
            Function::Python {
                python,
                code_dir,
                handler,
            } => {
                env.insert(
                    "LAMBDA_TASK_ROOT".to_owned(),
                    code_dir.display().to_string(),
                );
                env.insert("_HANDLER".to_owned(), handler.clone());
                env.insert("PYTHONUNBUFFERED".to_owned(), "1".to_owned());
                let runtime_env: Vec<_> = env.into_iter().collect();
                let handle = process::spawn(
                    &Spawn {
                        name: RUNTIME_NAME,
                        program: python,
                        args: &["-m".to_owned(), "awslambdaric".to_owned(), handler.clone()],
                        env: &runtime_env,
                        current_dir: Some(code_dir),
                        log_type: LogType::Function,
                    },
                    &hub,
                    &timeline,
                    &mut tasks,
                )?;
                if config.freeze
                    && let Some(pid) = handle.pid
                {
                    simulator.register_freeze_pid(pid);
                }
                Runtime::Process(handle)
            }
            Function::Scripted(script) => {
                let handle = ProcessHandle::in_process(RUNTIME_NAME);
                let sink = LineSink {
                    handle: Arc::clone(&handle),
                    hub: Arc::clone(&hub),
                    log_type: LogType::Function,
                };
                let abort = tasks.spawn(crate::scripted::run(
                    client,
                    format!("http://{proxy}"),
                    script.clone(),
                    sink,
                ));
                Runtime::InProcess(handle, abort)
            }
        };
        wait_for_runtime(
            &timeline,
            runtime.handle(),
            &extensions,
            deadline,
            config.init_timeout,
        )
        .await?;
        let runtime_ready = first_instant(&timeline.snapshot(), |mark| *mark == Mark::RuntimeNext)
            .unwrap_or_else(Instant::now);

        let marks = timeline.snapshot();
        let init = InitReport {
            extensions: extensions
                .iter()
                .map(|handle| {
                    let id = extension_ids
                        .iter()
                        .find(|(_, (_, name))| name == &handle.name)
                        .map(|(id, _)| id.clone())
                        .unwrap_or_default();
                    let registered = first_instant(&marks, |mark| {
                        matches!(mark, Mark::Registered { id: registered, .. } if *registered == id)
                    });
                    let ready = first_instant(&marks, |mark| {
                        matches!(mark, Mark::ExtensionNext { id: polled } if *polled == id)
                    });
                    ExtensionInit {
                        name: handle.name.clone(),
                        pid: handle.pid,
                        registered_after: since(registered, handle.spawned_at),
                        init_duration: since(ready, handle.spawned_at),
                    }
                })
                .collect(),
            runtime_init_duration: runtime_ready.saturating_duration_since(runtime_started),
            init_duration: runtime_ready.saturating_duration_since(init_started),
        };
        let extension_ids = extension_ids
            .into_iter()
            .map(|(id, (invoke, name))| (id, (name, invoke)))
            .collect();
        Ok(Self {
            simulator: Arc::new(simulator),
            timeline,
            hub,
            extensions,
            extension_ids,
            runtime,
            config,
            init,
            failed: None,
            last_invocation: None,
            _layer: layer,
            _tasks: tasks,
        })
    }

    /// The INIT phase's timings.
    pub fn init_report(&self) -> &InitReport {
        &self.init
    }

    /// The underlying simulator: delivery policies, captured platform events, freeze state.
    pub fn simulator(&self) -> &Simulator {
        &self.simulator
    }

    /// Whether the environment is frozen now.
    pub fn is_frozen(&self) -> bool {
        self.simulator.is_frozen()
    }

    /// A snapshot of a process's captured output (`runtime` or an extension's file name).
    pub fn output(&self, name: &str) -> Option<ProcessOutput> {
        self.extensions
            .iter()
            .chain(std::iter::once(self.runtime.handle()))
            .find(|handle| handle.name == name)
            .map(|handle| handle.lock().output.clone())
    }

    /// Telemetry delivered so far, per subscriber name.
    pub fn delivery_stats(&self) -> BTreeMap<String, DeliveryStats> {
        self.hub.stats()
    }

    /// The telemetry subscriptions made so far: subscriber name and types.
    pub fn subscriptions(&self) -> Vec<(String, Vec<String>)> {
        self.hub.subscriptions()
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
        let result = self.run_invocation(payload).await;
        match &result {
            Ok(report) => self.last_invocation = Some(report.request_id.clone()),
            Err(error) => self.failed = Some(error.to_string()),
        }
        result
    }

    async fn run_invocation(
        &mut self,
        payload: serde_json::Value,
    ) -> Result<InvokeReport, SandboxError> {
        self.check_alive("INVOKE")?;
        let timeout_ms = u64::try_from(self.config.timeout.as_millis()).unwrap_or(u64::MAX);
        let invocation = Invocation::new(payload, timeout_ms);
        let request_id = invocation.request_id.clone();
        let started = Instant::now();
        // The simulator panics when it cannot thaw a process; keep that a sandbox error.
        let simulator = Arc::clone(&self.simulator);
        tokio::spawn(async move { simulator.enqueue(invocation).await })
            .await
            .map_err(|error| SandboxError::Simulator(format!("enqueue failed: {error}")))?;

        let invoke_extensions: Vec<(String, String)> = self
            .extension_ids
            .iter()
            .filter(|(_, (_, invoke))| *invoke)
            .map(|(id, (name, _))| (id.clone(), name.clone()))
            .collect();
        let deadline = started + self.config.timeout;
        let outcome = self
            .timeline
            .wait_until(deadline, |marks| {
                if let Some(name) = marks.iter().find_map(|(_, mark)| match mark {
                    Mark::Exited { name } => Some(name.clone()),
                    _ => None,
                }) {
                    return Some(Err(name));
                }
                let done = marks.iter().find_map(|(at, mark)| match mark {
                    Mark::RuntimeDone { request_id: done } if *done == request_id => Some(*at),
                    _ => None,
                })?;
                let mut backs = Vec::new();
                for (id, name) in &invoke_extensions {
                    let back = marks.iter().find_map(|(at, mark)| match mark {
                        Mark::ExtensionNext { id: polled } if polled == id && *at > started => {
                            Some(*at)
                        }
                        _ => None,
                    })?;
                    backs.push((name.clone(), back));
                }
                Some(Ok((done, backs)))
            })
            .await;
        let (done, backs) = match outcome {
            Some(Ok(progress)) => progress,
            Some(Err(name)) => return Err(self.exited_error(&name, "INVOKE")),
            None => {
                return Err(SandboxError::InvokeTimeout {
                    request_id,
                    waited: self.config.timeout,
                    pending: self.pending(&invoke_extensions, started),
                });
            }
        };
        let has_processes =
            !self.extensions.is_empty() || matches!(self.runtime, Runtime::Process(_));
        if self.config.freeze
            && has_processes
            && let Err(error) = self.simulator.wait_for_frozen(FREEZE_TIMEOUT).await
        {
            tracing::warn!(%error, "the environment did not freeze after the invocation");
        }
        // The proxy records the runtime's response as it arrives, before the simulator has.
        let state = self
            .simulator
            .wait_for_invocation_complete(&request_id, FREEZE_TIMEOUT)
            .await
            .ok();
        let (status, payload) = match state {
            Some(state) if state.status == InvocationStatus::Success => (
                InvokeStatus::Success,
                state.response.map(|response| response.payload),
            ),
            Some(state) => (
                InvokeStatus::Error,
                state
                    .error
                    .and_then(|error| serde_json::to_value(error).ok()),
            ),
            None => (InvokeStatus::Error, None),
        };
        let extensions: Vec<ExtensionInvoke> = backs
            .iter()
            .map(|(name, back)| ExtensionInvoke {
                name: name.clone(),
                post_runtime_duration: back.saturating_duration_since(done),
            })
            .collect();
        let end = backs.iter().map(|(_, back)| *back).fold(done, Instant::max);
        for handle in &self.extensions {
            process::sample_rss(handle);
        }
        Ok(InvokeReport {
            request_id,
            status,
            payload,
            runtime_duration: done.saturating_duration_since(started),
            post_runtime_extensions_duration: end.saturating_duration_since(done),
            extensions,
            duration: end.saturating_duration_since(started),
        })
    }

    fn check_alive(&self, phase: &'static str) -> Result<(), SandboxError> {
        match self
            .extensions
            .iter()
            .chain(std::iter::once(self.runtime.handle()))
            .find(|handle| handle.exited().is_some())
        {
            Some(handle) => Err(self.exited_error(&handle.name, phase)),
            None => Ok(()),
        }
    }

    fn exited_error(&self, name: &str, phase: &'static str) -> SandboxError {
        let handle = self
            .extensions
            .iter()
            .chain(std::iter::once(self.runtime.handle()))
            .find(|handle| handle.name == name);
        exited_error(handle, name, phase)
    }

    fn pending(&self, invoke_extensions: &[(String, String)], started: Instant) -> String {
        let marks = self.timeline.snapshot();
        let mut pending: Vec<String> = Vec::new();
        if !marks
            .iter()
            .any(|(at, mark)| *at > started && matches!(mark, Mark::RuntimeDone { .. }))
        {
            pending.push("the runtime's response".to_owned());
        }
        for (id, name) in invoke_extensions {
            if !marks.iter().any(|(at, mark)| {
                *at > started && matches!(mark, Mark::ExtensionNext { id: polled } if polled == id)
            }) {
                pending.push(format!("extension {name}'s next"));
            }
        }
        pending.join(", ")
    }

    /// Runs SHUTDOWN: thaws the environment, delivers buffered telemetry, sends the runtime
    /// SIGTERM (SIGKILL after its budget) and the extensions the SHUTDOWN event, waits for
    /// every extension to exit within the budget and SIGKILLs the rest. Reports every
    /// process.
    pub async fn shutdown(self) -> Result<ShutdownReport, SandboxError> {
        let started = Instant::now();
        let all: Vec<Arc<ProcessHandle>> = self
            .extensions
            .iter()
            .chain(std::iter::once(self.runtime.handle()))
            .cloned()
            .collect();
        for handle in &all {
            process::sample_rss(handle);
            handle.signal(Signal::SIGCONT);
        }
        // Deliver everything up to the last platform event before SHUTDOWN, as Lambda does:
        // wait until the simulator has relayed it to every platform subscriber, then flush.
        let last = self
            .last_invocation
            .clone()
            .map_or(LastPlatformEvent::InitReport, LastPlatformEvent::Report);
        if !self
            .hub
            .wait_until_routed(&last, SHUTDOWN_RELAY_TIMEOUT)
            .await
        {
            tracing::warn!(
                ?last,
                "the simulator did not relay the last platform event before SHUTDOWN"
            );
        }
        // Lines from now on belong to SHUTDOWN and go out as they come.
        self.hub.end_invocations();
        self.hub.flush(SHUTDOWN_FLUSH_TIMEOUT).await;

        match &self.runtime {
            Runtime::Process(handle) => handle.signal(Signal::SIGTERM),
            Runtime::InProcess(_, abort) => abort.abort(),
        }
        // Our reference goes into the task, so the simulator can be taken out of the Arc.
        let simulator = self.simulator;
        let simulator_shutdown = tokio::spawn(async move {
            if let Ok(simulator) = Arc::try_unwrap(simulator) {
                simulator.graceful_shutdown(ShutdownReason::Spindown).await;
            }
        });

        let mut killed = BTreeMap::new();
        if let Runtime::Process(handle) = &self.runtime {
            let was_killed = end_process(
                &self.timeline,
                handle,
                started + self.config.runtime_shutdown_budget,
            )
            .await;
            killed.insert(handle.name.clone(), was_killed);
        }
        let deadline = started + self.config.shutdown_budget;
        for handle in &self.extensions {
            let was_killed = end_process(&self.timeline, handle, deadline).await;
            killed.insert(handle.name.clone(), was_killed);
        }
        let _ = tokio::time::timeout(REAP_TIMEOUT, simulator_shutdown).await;

        let processes: Vec<ProcessReport> = all
            .iter()
            .map(|handle| {
                let state = handle.lock();
                ProcessReport {
                    name: handle.name.clone(),
                    pid: handle.pid,
                    peak_rss_kib: state.peak_rss_kib,
                    exit: state.exit.as_ref().map(|(_, exit)| exit.clone()),
                    killed: killed.get(&handle.name).copied().unwrap_or(false),
                    shutdown_duration: state
                        .exit
                        .as_ref()
                        .map(|(at, _)| at.saturating_duration_since(started)),
                    output: state.output.clone(),
                }
            })
            .collect();
        let last_exit = all
            .iter()
            .filter_map(|handle| handle.exited().map(|(at, _)| at))
            .fold(started, Instant::max);
        let deadline_met = self
            .extensions
            .iter()
            .all(|handle| !killed.get(&handle.name).copied().unwrap_or(false));
        Ok(ShutdownReport {
            duration: last_exit.saturating_duration_since(started),
            deadline_met,
            processes,
            delivery: self.hub.stats(),
        })
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

fn first_instant(marks: &[(Instant, Mark)], matches: impl Fn(&Mark) -> bool) -> Option<Instant> {
    marks
        .iter()
        .find(|(_, mark)| matches(mark))
        .map(|(at, _)| *at)
}

fn since(at: Option<Instant>, start: Instant) -> Duration {
    at.map_or(Duration::ZERO, |at| at.saturating_duration_since(start))
}
