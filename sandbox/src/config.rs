//! What to run: the layer, the function, the environment and Lambda's limits.

use crate::layer::Layer;
use crate::model::ExecutionModel;
use crate::scripted::Script;
use std::path::PathBuf;
use std::time::Duration;

/// Lambda's INIT limit (extensions and runtime together).
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Lambda's SHUTDOWN budget with external extensions.
pub const SHUTDOWN_BUDGET: Duration = Duration::from_millis(2000);
/// The runtime's share of the SHUTDOWN budget.
pub const RUNTIME_SHUTDOWN_BUDGET: Duration = Duration::from_millis(300);

/// The function's runtime.
#[derive(Debug, Clone)]
pub enum Function {
    /// The AWS Python runtime interface client: `python -m awslambdaric <handler>` run in
    /// `code_dir` (the future `/var/task`). `python` must have `awslambdaric` installed.
    Python {
        /// The Python interpreter.
        python: PathBuf,
        /// The directory holding the handler module.
        code_dir: PathBuf,
        /// `module.function`, as in Lambda's `Handler` setting.
        handler: String,
    },
    /// The built-in scripted function, run as a task in this process.
    Scripted(Script),
}

/// A sandbox run's settings. Build with [`SandboxConfig::new`] and the `with_*`/`env`
/// methods.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The layer holding the extensions.
    pub layer: Layer,
    /// The function.
    pub function: Function,
    /// Extra environment for every process (region, credentials, `AWS_ENDPOINT_URL*`, the
    /// extension's own settings, ...), applied over the simulator's Lambda variables, later
    /// entries winning. Nothing else is inherited from this process.
    pub env: Vec<(String, String)>,
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB.
    pub memory_mb: u32,
    /// The function timeout: an invocation (extensions included) must end within it.
    pub timeout: Duration,
    /// The INIT limit.
    pub init_timeout: Duration,
    /// The SHUTDOWN budget for extensions, after which they are killed.
    pub shutdown_budget: Duration,
    /// The runtime's SHUTDOWN budget (SIGTERM, then SIGKILL).
    pub runtime_shutdown_budget: Duration,
    /// Freeze the processes (SIGSTOP/SIGCONT) between invocations, as Lambda does (never
    /// with [`ExecutionModel::ManagedInstances`], whose environments never freeze).
    pub freeze: bool,
    /// How Lambda runs the environment: on-demand (the default), provisioned concurrency,
    /// SnapStart or Lambda Managed Instances.
    pub execution_model: ExecutionModel,
}

impl SandboxConfig {
    /// A configuration with Lambda's limits, 128 MB and a 10 s function timeout.
    pub fn new(layer: Layer, function: Function) -> Self {
        Self {
            layer,
            function,
            env: Vec::new(),
            function_name: "sandbox-function".to_owned(),
            memory_mb: 128,
            timeout: Duration::from_secs(10),
            init_timeout: INIT_TIMEOUT,
            shutdown_budget: SHUTDOWN_BUDGET,
            runtime_shutdown_budget: RUNTIME_SHUTDOWN_BUDGET,
            freeze: true,
            execution_model: ExecutionModel::OnDemand,
        }
    }

    /// Adds one environment variable.
    #[must_use]
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Adds environment variables (for example `test_support::moto().env()`).
    #[must_use]
    pub fn envs<K: Into<String>, V: Into<String>>(
        mut self,
        variables: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env.extend(
            variables
                .into_iter()
                .map(|(key, value)| (key.into(), value.into())),
        );
        self
    }

    /// Sets the memory size.
    #[must_use]
    pub fn with_memory_mb(mut self, memory_mb: u32) -> Self {
        self.memory_mb = memory_mb;
        self
    }

    /// Sets the function timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Turns freezing between invocations on or off.
    #[must_use]
    pub fn with_freeze(mut self, freeze: bool) -> Self {
        self.freeze = freeze;
        self
    }

    /// Sets the execution model.
    #[must_use]
    pub fn with_execution_model(mut self, model: ExecutionModel) -> Self {
        self.execution_model = model;
        self
    }

    /// Whether the processes freeze when idle: freezing is on and the model freezes.
    pub(crate) fn freezes(&self) -> bool {
        self.freeze && self.execution_model.freezes()
    }

    /// Sets the function name.
    #[must_use]
    pub fn with_function_name(mut self, name: impl Into<String>) -> Self {
        self.function_name = name.into();
        self
    }
}
