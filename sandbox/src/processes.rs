//! The sandbox's processes: the layer's extensions and the function's runtime (the AWS
//! Python runtime interface client as a process, or the scripted runtime as a task here),
//! how each is started, and finding one by name.

use crate::config::Function;
use crate::delivery::Hub;
use crate::error::SandboxError;
use crate::http::HttpClient;
use crate::log_events::LogType;
use crate::model::ExecutionModel;
use crate::process::{self, ProcessHandle, Spawn};
use crate::scripted::Worker;
use crate::timeline::Timeline;
use nix::sys::signal::Signal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tokio::task::{AbortHandle, JoinSet};

/// The name of the runtime process in reports.
pub const RUNTIME_NAME: &str = "runtime";
/// Stderr lines quoted in error messages.
const STDERR_TAIL_LINES: usize = 20;

/// The function's runtime.
pub(crate) enum Runtime {
    /// A process (awslambdaric).
    Process(Arc<ProcessHandle>),
    /// The scripted runtime: one task per worker in this process.
    InProcess(Arc<ProcessHandle>, Vec<AbortHandle>),
}

impl Runtime {
    pub(crate) fn handle(&self) -> &Arc<ProcessHandle> {
        match self {
            Runtime::Process(handle) | Runtime::InProcess(handle, _) => handle,
        }
    }

    /// The runtime's process, if it is one.
    pub(crate) fn process(&self) -> Option<&Arc<ProcessHandle>> {
        match self {
            Runtime::Process(handle) => Some(handle),
            Runtime::InProcess(..) => None,
        }
    }

    /// Asks the runtime to stop: SIGTERM for a process, abort for the scripted task.
    pub(crate) fn terminate(&self) {
        match self {
            Runtime::Process(handle) => handle.signal(Signal::SIGTERM),
            Runtime::InProcess(_, workers) => workers.iter().for_each(AbortHandle::abort),
        }
    }
}

/// What starting a process needs: where its lines and exit go, and the task set that owns
/// its monitor.
pub(crate) struct Spawner<'a> {
    pub hub: &'a Arc<Hub>,
    pub timeline: &'a Arc<Timeline>,
    pub tasks: &'a mut JoinSet<()>,
}

impl Spawner<'_> {
    /// Starts every extension executable, named by its file name, with `env`.
    pub(crate) fn extensions(
        &mut self,
        executables: &[PathBuf],
        env: &[(String, String)],
    ) -> Result<Vec<Arc<ProcessHandle>>, SandboxError> {
        executables
            .iter()
            .map(|path| {
                let name = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let spec = Spawn {
                    name: &name,
                    program: path,
                    args: &[],
                    env,
                    current_dir: None,
                    log_type: LogType::Extension,
                    group: false,
                };
                process::spawn(&spec, self.hub, self.timeline, self.tasks)
            })
            .collect()
    }

    /// Starts the function's runtime with `env`; the scripted runtime calls the API at `api`
    /// through `client`, with as many workers as `model` runs invocations at once
    /// (awslambdaric forks its own, reading `AWS_LAMBDA_MAX_CONCURRENCY`).
    pub(crate) fn runtime(
        &mut self,
        function: &Function,
        env: &[(String, String)],
        api: SocketAddr,
        client: HttpClient,
        model: ExecutionModel,
    ) -> Result<Runtime, SandboxError> {
        match function {
            Function::Python {
                python,
                code_dir,
                handler,
            } => {
                let spec = Spawn {
                    name: RUNTIME_NAME,
                    program: python,
                    args: &["-m".to_owned(), "awslambdaric".to_owned(), handler.clone()],
                    env,
                    current_dir: Some(code_dir),
                    log_type: LogType::Function,
                    group: true,
                };
                let handle = process::spawn(&spec, self.hub, self.timeline, self.tasks)?;
                Ok(Runtime::Process(handle))
            }
            Function::Scripted(script) => {
                let handle = ProcessHandle::in_process(RUNTIME_NAME);
                let sink = crate::capture::LineSink {
                    handle: Arc::clone(&handle),
                    hub: Arc::clone(self.hub),
                    log_type: LogType::Function,
                };
                let invocations = Arc::new(AtomicU64::new(0));
                let workers = (0..model.max_concurrency())
                    .map(|_| {
                        self.tasks.spawn(crate::scripted::run(Worker {
                            client: client.clone(),
                            api: format!("http://{api}"),
                            script: script.clone(),
                            sink: sink.clone(),
                            invocations: Arc::clone(&invocations),
                            concurrent: model.is_concurrent(),
                        }))
                    })
                    .collect();
                Ok(Runtime::InProcess(handle, workers))
            }
        }
    }
}

/// The extensions (file-name order) and the runtime.
pub(crate) struct Processes {
    pub extensions: Vec<Arc<ProcessHandle>>,
    pub runtime: Runtime,
}

impl Processes {
    /// Every process, extensions first.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Arc<ProcessHandle>> {
        self.extensions
            .iter()
            .chain(std::iter::once(self.runtime.handle()))
    }

    pub(crate) fn find(&self, name: &str) -> Option<&Arc<ProcessHandle>> {
        self.all().find(|handle| handle.name == name)
    }

    /// Whether there is anything to freeze (the scripted runtime alone is not frozen).
    pub(crate) fn has_processes(&self) -> bool {
        !self.extensions.is_empty() || self.runtime.process().is_some()
    }

    /// Fails with the first process that has exited, if any.
    pub(crate) fn check_alive(&self, phase: &'static str) -> Result<(), SandboxError> {
        match self.all().find(|handle| handle.exited().is_some()) {
            Some(handle) => Err(exited_error(Some(handle), &handle.name, phase)),
            None => Ok(()),
        }
    }

    /// The error for process `name` having exited during `phase`.
    pub(crate) fn exited_error(&self, name: &str, phase: &'static str) -> SandboxError {
        exited_error(self.find(name), name, phase)
    }
}

/// The error for process `name` (`handle`, if known) having exited during `phase`, with its
/// status and last stderr lines.
pub(crate) fn exited_error(
    handle: Option<&Arc<ProcessHandle>>,
    name: &str,
    phase: &'static str,
) -> SandboxError {
    SandboxError::ProcessExited {
        name: name.to_owned(),
        phase,
        status: handle
            .and_then(|handle| handle.exited())
            .map_or_else(|| "an unknown status".to_owned(), |(_, exit)| exit.text),
        stderr_tail: handle.map(|handle| stderr_tail(handle)).unwrap_or_default(),
    }
}

/// The last stderr lines of a process, for error messages.
pub(crate) fn stderr_tail(handle: &ProcessHandle) -> String {
    handle.stderr_tail(STDERR_TAIL_LINES)
}
