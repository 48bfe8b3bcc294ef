//! One process (or the in-process scripted runtime): spawned with exactly the environment
//! given, its output lines handed to [`crate::capture`], its peak RSS sampled, its exit
//! recorded on the timeline.

use crate::capture::{LineSink, Stream, read_lines};
use crate::delivery::Hub;
use crate::error::SandboxError;
use crate::log_events::LogType;
use crate::report::{ExitSummary, ProcessOutput};
use crate::timeline::{Mark, Timeline};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How often the peak RSS (`VmHWM`, a high-water mark) is read while a process runs.
const RSS_SAMPLE_INTERVAL: Duration = Duration::from_millis(20);

/// What is known about one process (or the in-process scripted runtime).
#[derive(Debug)]
pub(crate) struct ProcessState {
    pub output: ProcessOutput,
    pub peak_rss_kib: Option<u64>,
    pub exit: Option<(Instant, ExitSummary)>,
}

/// A process's name, pid and shared state; the monitor task owns the child itself.
#[derive(Debug)]
pub(crate) struct ProcessHandle {
    pub name: String,
    pub pid: Option<u32>,
    /// Whether the process leads its own process group, signalled as a whole (a runtime
    /// may fork workers: awslambdaric does on Lambda Managed Instances).
    pub group: bool,
    pub spawned_at: Instant,
    pub state: Mutex<ProcessState>,
    /// Output streams still being read; the last lines of an exited process are only all
    /// captured once this is zero.
    pub open_streams: tokio::sync::watch::Sender<usize>,
}

impl ProcessHandle {
    fn new(name: &str, pid: Option<u32>, group: bool, spawned_at: Instant) -> Arc<Self> {
        Arc::new(Self {
            name: name.to_owned(),
            pid,
            group,
            spawned_at,
            state: Mutex::new(ProcessState {
                output: ProcessOutput::default(),
                peak_rss_kib: None,
                exit: None,
            }),
            open_streams: tokio::sync::watch::Sender::new(0),
        })
    }

    /// Waits (until `deadline`) for the process's output to be read to its end.
    pub(crate) async fn output_read(&self, deadline: Instant) {
        let mut open = self.open_streams.subscribe();
        let _ = tokio::time::timeout_at(deadline, open.wait_for(|open| *open == 0)).await;
    }

    /// The handle of a runtime that runs as a task here: no pid, never exits on its own.
    pub(crate) fn in_process(name: &str) -> Arc<Self> {
        Self::new(name, None, false, Instant::now())
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, ProcessState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last `count` stderr lines, for error messages.
    pub(crate) fn stderr_tail(&self, count: usize) -> String {
        let state = self.lock();
        let lines = &state.output.stderr;
        lines[lines.len().saturating_sub(count)..].join("\n")
    }

    pub(crate) fn exited(&self) -> Option<(Instant, ExitSummary)> {
        self.lock().exit.clone()
    }

    /// Sends a signal (to its whole group, if it leads one) unless the process has already
    /// exited (and been reaped): its pid may belong to another process by then.
    pub(crate) fn signal(&self, signal: nix::sys::signal::Signal) {
        if let Some(pid) = self.pid
            && self.exited().is_none()
            && let Ok(pid) = i32::try_from(pid)
        {
            let pid = nix::unistd::Pid::from_raw(pid);
            let _ = if self.group {
                nix::sys::signal::killpg(pid, signal)
            } else {
                nix::sys::signal::kill(pid, signal)
            };
        }
    }
}

impl Drop for ProcessHandle {
    /// A group's other members outlive its leader's kill-on-drop: kill them too.
    fn drop(&mut self) {
        if self.group {
            self.signal(nix::sys::signal::Signal::SIGKILL);
        }
    }
}

/// What to run.
pub(crate) struct Spawn<'a> {
    pub name: &'a str,
    pub program: &'a Path,
    pub args: &'a [String],
    pub env: &'a [(String, String)],
    pub current_dir: Option<&'a Path>,
    pub log_type: LogType,
    /// Start it as the leader of its own process group.
    pub group: bool,
}

/// Starts a process with exactly `env` (nothing inherited), piped output and a monitor task.
pub(crate) fn spawn(
    spec: &Spawn<'_>,
    hub: &Arc<Hub>,
    timeline: &Arc<Timeline>,
    tasks: &mut JoinSet<()>,
) -> Result<Arc<ProcessHandle>, SandboxError> {
    let mut command = tokio::process::Command::new(spec.program);
    command
        .args(spec.args)
        .env_clear()
        .envs(spec.env.iter().map(|(key, value)| (key, value)))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if let Some(directory) = spec.current_dir {
        command.current_dir(directory);
    }
    if spec.group {
        command.process_group(0);
    }
    let spawned_at = Instant::now();
    let mut child = command.spawn().map_err(|source| SandboxError::Spawn {
        name: spec.name.to_owned(),
        program: spec.program.to_path_buf(),
        source,
    })?;
    let handle = ProcessHandle::new(spec.name, child.id(), spec.group, spawned_at);
    let sink = LineSink {
        handle: Arc::clone(&handle),
        hub: Arc::clone(hub),
        log_type: spec.log_type,
    };
    if let Some(stdout) = child.stdout.take() {
        handle.open_streams.send_modify(|open| *open += 1);
        tasks.spawn(read_lines(stdout, Stream::Stdout, sink.clone()));
    }
    if let Some(stderr) = child.stderr.take() {
        handle.open_streams.send_modify(|open| *open += 1);
        tasks.spawn(read_lines(stderr, Stream::Stderr, sink));
    }
    let monitored = Arc::clone(&handle);
    let timeline = Arc::clone(timeline);
    tasks.spawn(async move {
        let mut samples = tokio::time::interval(RSS_SAMPLE_INTERVAL);
        let status = loop {
            tokio::select! {
                status = child.wait() => break status,
                _ = samples.tick() => sample_rss(&monitored),
            }
        };
        let summary = match status {
            Ok(status) => ExitSummary::from(status),
            Err(error) => ExitSummary::unknown(error.to_string()),
        };
        monitored.lock().exit = Some((Instant::now(), summary));
        timeline.record(Mark::Exited {
            name: monitored.name.clone(),
        });
    });
    Ok(handle)
}

/// Reads `VmHWM` now; the peak only grows, so the last successful read is the peak.
pub(crate) fn sample_rss(handle: &ProcessHandle) {
    let Some(pid) = handle.pid else { return };
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
        && let Some(kib) = parse_vm_hwm(&status)
    {
        let mut state = handle.lock();
        state.peak_rss_kib = Some(state.peak_rss_kib.map_or(kib, |peak| peak.max(kib)));
    }
}

/// The `VmHWM` value of a `/proc/<pid>/status` text, in KiB.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_kib() {
        let status = "Name:\tpython3\nVmPeak:\t  30000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(12345));
        assert_eq!(parse_vm_hwm("Name:\tzombie\n"), None);
    }
}
