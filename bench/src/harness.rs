//! The extension under the sandbox, with its own Kinesis stand-in and listener port, and
//! its memory read from `/proc`.

use crate::artifacts::{EXTENSION_NAME, ExtensionLayer, Flavour};
use crate::error::BenchError;
use sandbox::{Function, ProcessReport, Sandbox, SandboxConfig, Script, ShutdownReport};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use test_support::fake_kinesis::{FakeKinesis, Latency};

/// The peer's stream variable (`bench/peer`).
pub const PEER_STREAM_VARIABLE: &str = "PEER_STREAM_NAME";
/// The peer's telemetry port variable (`bench/peer`).
pub const PEER_PORT_VARIABLE: &str = "PEER_TELEMETRY_PORT";

/// The Kinesis stand-in a run gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandIn {
    /// Keeps every accepted record (for reading them back), with this added latency.
    Keeping(Latency),
    /// Only counts what it accepts: cheaper, for throughput.
    Counting,
}

/// The stream name the extension is given.
pub const STREAM: &str = "bench-stream";
/// A variable of the benchmark's own environment whose value, when set, becomes the
/// extension's `RUST_LOG` (for evidence: `BENCH_EXTENSION_LOG=debug scripts/bench ...`).
pub const EXTENSION_LOG: &str = "BENCH_EXTENSION_LOG";

/// How to run the extension.
#[derive(Debug, Clone)]
pub struct Setup {
    /// `TELEMETRY_KINESIS_*` (and other) variables over the defaults.
    pub env: Vec<(String, String)>,
    /// Freeze between invocations, as Lambda does. Off when the benchmark drives the
    /// listener itself between invocations.
    pub freeze: bool,
    /// The scripted function.
    pub script: Script,
    /// Another function instead of the scripted one (a Python runtime).
    pub function: Option<Function>,
    /// Invoke once right after INIT, before the benchmark drives the listener: in Lambda
    /// an invocation (or SHUTDOWN) always follows INIT, and the extension builds its
    /// Kinesis client only then, to keep that work out of the cold start.
    pub first_invoke: bool,
    /// The Kinesis stand-in.
    pub stand_in: StandIn,
    /// INIT and SHUTDOWN limits over Lambda's (an extension under valgrind needs longer).
    pub limits: Option<(Duration, Duration)>,
}

impl Setup {
    /// Defaults, no freezing, one invocation of a function that writes nothing (the
    /// benchmark posts every event itself).
    pub fn driven() -> Self {
        Self {
            env: Vec::new(),
            freeze: false,
            script: Script {
                lines_per_invoke: 0,
                ..Script::default()
            },
            first_invoke: true,
            function: None,
            stand_in: StandIn::Keeping(Latency::default()),
            limits: None,
        }
    }

    /// Uses this stand-in.
    #[must_use]
    pub fn stand_in(mut self, stand_in: StandIn) -> Self {
        self.stand_in = stand_in;
        self
    }

    /// Adds a variable.
    #[must_use]
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_owned(), value.into()));
        self
    }
}

/// A running extension.
pub struct Running {
    /// The sandbox (function and extension).
    pub sandbox: Sandbox,
    /// The stand-in its records go to.
    pub kinesis: FakeKinesis,
    /// The extension's Telemetry API listener.
    pub listener: SocketAddr,
    /// The extension's process ID.
    pub pid: u32,
}

impl Running {
    /// Each extension's cold start (spawn to its first `next`), in milliseconds.
    pub fn cold_starts_ms(&self) -> impl Iterator<Item = f64> + '_ {
        self.sandbox
            .init_report()
            .extensions
            .iter()
            .map(|extension| extension.init_duration.as_secs_f64() * 1000.0)
    }
}

/// Starts the extension of `layer` under the sandbox with a fresh stand-in.
pub async fn start(layer: &ExtensionLayer, setup: Setup) -> Result<Running, BenchError> {
    let kinesis = match setup.stand_in {
        StandIn::Keeping(latency) => FakeKinesis::start_with(latency),
        StandIn::Counting => FakeKinesis::start_counting(),
    };
    let port = free_port()?;
    let own: Vec<(&str, String)> = match layer.flavour() {
        Flavour::Ours => vec![
            (settings::STREAM_NAME, STREAM.to_owned()),
            (settings::LISTENER_HOST, "127.0.0.1".to_owned()),
            (settings::LISTENER_PORT, port.to_string()),
        ],
        Flavour::Peer => vec![
            (PEER_STREAM_VARIABLE, STREAM.to_owned()),
            (PEER_PORT_VARIABLE, port.to_string()),
        ],
    };
    let function = setup.function.unwrap_or(Function::Scripted(setup.script));
    let mut config = SandboxConfig::new(layer.layer(), function)
        .envs(kinesis.env())
        .envs(own)
        .envs(setup.env)
        .envs(
            std::env::var(EXTENSION_LOG)
                .ok()
                .map(|directive| ("RUST_LOG".to_owned(), directive)),
        )
        .with_freeze(setup.freeze);
    if let Some((init, shutdown)) = setup.limits {
        config.init_timeout = init;
        config.shutdown_budget = shutdown;
    }
    let mut sandbox = Sandbox::start(config).await?;
    if setup.first_invoke {
        sandbox.invoke(serde_json::json!({})).await?;
    }
    let pid = sandbox
        .init_report()
        .extensions
        .iter()
        .find(|extension| extension.name == layer.name())
        .and_then(|extension| extension.pid)
        .ok_or_else(|| BenchError::Timeout("the extension did not register".to_owned()))?;
    Ok(Running {
        sandbox,
        kinesis,
        listener: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        pid,
    })
}

/// A port of 127.0.0.1 nothing listens on now.
pub fn free_port() -> Result<u16, BenchError> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(BenchError::io("finding a free port"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(BenchError::io("finding a free port"))
}

/// Resident memory of a process, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// `VmRSS`: now.
    pub rss_kib: u64,
    /// `VmHWM`: the peak so far.
    pub peak_kib: u64,
}

/// Reads `pid`'s memory from `/proc/<pid>/status`.
pub fn memory(pid: u32) -> Result<Memory, BenchError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(BenchError::io(
        format!("reading the memory of process {pid}"),
    ))?;
    parse_memory(&status).ok_or_else(|| BenchError::Io {
        action: format!("reading the memory of process {pid}"),
        source: std::io::Error::other("no VmRSS/VmHWM"),
    })
}

fn parse_memory(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        peak_kib: field("VmHWM:")?,
    })
}

/// The extension's process in a shutdown report.
pub fn extension_process(report: &ShutdownReport) -> Result<&ProcessReport, BenchError> {
    process_named(report, EXTENSION_NAME)
}

/// The process named `name` in a shutdown report.
pub fn process_named<'a>(
    report: &'a ShutdownReport,
    name: &str,
) -> Result<&'a ProcessReport, BenchError> {
    report.process(name).ok_or_else(|| {
        BenchError::Timeout("the extension is missing from the shutdown report".to_owned())
    })
}

/// Whether process `pid` has exited: gone, or a zombie not yet reaped.
pub fn exited(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        // The state follows the command name, which is in parentheses and may hold spaces.
        stat.rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_memory_and_exits() {
        let status = "Name:\tx\nVmHWM:\t  5000 kB\nVmRSS:\t  4000 kB\n";
        assert_eq!(
            parse_memory(status),
            Some(Memory {
                rss_kib: 4000,
                peak_kib: 5000
            })
        );
        assert!(!exited(std::process::id()));
        assert!(exited(u32::MAX));
    }
}
