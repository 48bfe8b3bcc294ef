//! INIT: the simulator and the API proxy, then every extension (registered and in `next`),
//! then the runtime (its first `next`), all within the INIT limit; the result is the
//! execution environment, ready for invocations, with its INIT report.

use crate::config::SandboxConfig;
use crate::delivery::Hub;
use crate::error::SandboxError;
use crate::init_report::{InitStarts, init_report};
use crate::init_wait::{wait_for_extensions, wait_for_runtime};
use crate::layer::LayerFiles;
use crate::model_events::PlatformRewriter;
use crate::process::ProcessHandle;
use crate::processes::{Processes, Spawner};
use crate::proxy::ProxyContext;
use crate::report::InitReport;
use crate::timeline::{Registered, Timeline};
use crate::variables::{process_env, runtime_env};
use lambda_simulator::Simulator;
use std::sync::Arc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// An execution environment after a successful INIT.
pub(crate) struct ExecutionEnvironment {
    pub simulator: Arc<Simulator>,
    pub timeline: Arc<Timeline>,
    pub hub: Arc<Hub>,
    /// Rewrites the simulator's platform events as the execution model's Lambda emits them.
    pub rewriter: Arc<PlatformRewriter>,
    pub processes: Processes,
    /// Each extension's registration, in the order of `processes.extensions`.
    pub registered: Vec<Registered>,
    pub report: InitReport,
    pub layer: LayerFiles,
    /// The proxy, the process monitors and the scripted runtime. Declared last: dropped
    /// last, after everything that talks to these tasks.
    pub tasks: JoinSet<()>,
}

/// Runs INIT as `config` asks; fails with a clear error, never hangs, when a process exits,
/// reports an init error or misses the INIT limit.
pub(crate) async fn run(config: &SandboxConfig) -> Result<ExecutionEnvironment, SandboxError> {
    let layer = LayerFiles::open(&config.layer)?;
    let simulator = crate::simulator::start(config).await?;
    let mut tasks = JoinSet::new();
    let client = crate::http::client();
    let model = config.execution_model;
    let timeline = Arc::new(Timeline::new());
    let hub = Arc::new(Hub::new(client.clone(), model.is_concurrent()));
    let rewriter = Arc::new(PlatformRewriter::new(model));
    let context = ProxyContext {
        client: client.clone(),
        timeline: Arc::clone(&timeline),
        hub: Arc::clone(&hub),
        model,
        rewriter: Arc::clone(&rewriter),
    };
    let api = crate::proxy::start(simulator.addr(), context, &mut tasks)
        .await
        .map_err(|source| SandboxError::Io {
            action: "binding the API proxy".to_owned(),
            source,
        })?;
    let env = process_env(simulator.lambda_env_vars(), &config.env, model, api);
    let mut spawner = Spawner {
        hub: &hub,
        timeline: &timeline,
        tasks: &mut tasks,
    };

    let init_started = Instant::now();
    let deadline = init_started + config.init_timeout;
    let extension_env: Vec<_> = env.clone().into_iter().collect();
    let extensions = spawner.extensions(&layer.extensions, &extension_env)?;
    freeze_with_environment(&simulator, config, &extensions);
    let registered =
        wait_for_extensions(&timeline, &extensions, deadline, config.init_timeout).await?;

    let runtime_started = Instant::now();
    let runtime_env = runtime_env(&env, &config.function);
    let runtime = spawner.runtime(&config.function, &runtime_env, api, client, model)?;
    freeze_with_environment(&simulator, config, runtime.process());
    wait_for_runtime(
        &timeline,
        runtime.handle(),
        &extensions,
        deadline,
        config.init_timeout,
    )
    .await?;

    let starts = InitStarts {
        init: init_started,
        runtime: runtime_started,
    };
    let report = init_report(&timeline.snapshot(), &extensions, &registered, starts);
    Ok(ExecutionEnvironment {
        simulator: Arc::new(simulator),
        timeline,
        hub,
        rewriter,
        processes: Processes {
            extensions,
            runtime,
        },
        registered,
        report,
        layer,
        tasks,
    })
}

/// Has the simulator freeze these processes with the environment, when freezing is on.
fn freeze_with_environment<'a>(
    simulator: &Simulator,
    config: &SandboxConfig,
    handles: impl IntoIterator<Item = &'a Arc<ProcessHandle>>,
) {
    if !config.freezes() {
        return;
    }
    for pid in handles.into_iter().filter_map(|handle| handle.pid) {
        simulator.register_freeze_pid(pid);
    }
}
