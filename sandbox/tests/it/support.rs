//! Helpers: a layer holding the Python test extension, the Python function, event files,
//! and waits on conditions (thread states, tick files).

use sandbox::{Function, Layer, SandboxConfig, Script};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const EXTENSION: &str = "test-extension";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures")
}

/// The wrapper script Lambda would run as `/opt/extensions/<name>`: execs the test
/// extension with the project's Python (`exec`, so the pid is the extension's).
pub fn wrapper(name: &str) -> String {
    format!(
        "#!/bin/sh\nexec '{}' '{}' '{name}'\n",
        test_support::python().display(),
        fixtures().join("test_extension.py").display()
    )
}

/// A layer directory in `root` with the test extension under `extensions/<name>`.
pub fn extension_layer(root: &Path, names: &[&str]) -> Layer {
    let extensions = root.join("extensions");
    std::fs::create_dir_all(&extensions).unwrap();
    for name in names {
        let path = extensions.join(name);
        std::fs::write(&path, wrapper(name)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Layer::Directory(root.to_path_buf())
}

pub fn python_function() -> Function {
    Function::Python {
        python: test_support::python(),
        code_dir: fixtures().join("python"),
        handler: "handler.handler".to_owned(),
    }
}

pub fn scripted(script: Script) -> Function {
    Function::Scripted(script)
}

/// The events the test extension wrote so far.
pub fn read_events(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

pub fn of_type<'a>(events: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|event| event["type"] == event_type)
        .collect()
}

/// The index of the only event of `event_type` for `request_id`.
pub fn only(events: &[Value], event_type: &str, request_id: &str) -> usize {
    let found: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, event)| {
            event["type"] == event_type && event["record"]["requestId"] == request_id
        })
        .map(|(index, _)| index)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{event_type} of {request_id} delivered {} times: {events:#?}",
        found.len()
    );
    found[0]
}

/// The index of the first event of `event_type`.
pub fn position_of(events: &[Value], event_type: &str) -> usize {
    events
        .iter()
        .position(|event| event["type"] == event_type)
        .unwrap_or_else(|| panic!("no {event_type}: {events:#?}"))
}

/// The test extension with a background thread ticking into `dir/ticks`, which ends each
/// invocation only once the thread ticked again, and the scripted function.
pub fn ticking(dir: &Path) -> SandboxConfig {
    SandboxConfig::new(
        extension_layer(dir, &[EXTENSION]),
        scripted(Script::default()),
    )
    .env(
        "TEST_EXTENSION_TICKS_FILE",
        dir.join("ticks").display().to_string(),
    )
    .env("TEST_EXTENSION_INVOKE_WAITS_FOR_TICK", "1")
}

/// How long any condition here may take to hold, on a loaded machine.
const DEADLINE: Duration = Duration::from_secs(10);

/// Lines in a tick file.
pub fn ticks(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .matches('\n')
        .count()
}

/// The scheduler state of every thread of `pid`, from `/proc/<pid>/task/*/stat`
/// (`pid (comm) S ...`; the command may hold spaces and parentheses).
pub fn thread_states(pid: u32) -> Vec<char> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| {
            let stat = std::fs::read_to_string(task.ok()?.path().join("stat")).ok()?;
            stat.rsplit_once(')')?.1.trim_start().chars().next()
        })
        .collect()
}

/// Whether every thread of `pid` is stopped (SIGSTOP).
pub fn stopped(pid: u32) -> bool {
    let states = thread_states(pid);
    !states.is_empty() && states.iter().all(|state| *state == 'T')
}

/// Waits until `condition` holds, failing with `what` after [`DEADLINE`].
pub async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {DEADLINE:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
