//! INIT's waits: every extension registered and polling `next`, then the runtime's first
//! `next`; any process exit or reported error ends the wait with a named failure.

use crate::error::SandboxError;
use crate::process::ProcessHandle;
use crate::timeline::{Mark, Timeline};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Stderr lines quoted in error messages.
pub(crate) const STDERR_TAIL_LINES: usize = 20;

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
        stderr_tail: handle
            .map(|handle| handle.stderr_tail(STDERR_TAIL_LINES))
            .unwrap_or_default(),
    }
}

/// Waits until every extension registered (under its file name) and called `next`; returns
/// registered identifiers with (INVOKE subscription, name).
pub(crate) async fn wait_for_extensions(
    timeline: &Timeline,
    extensions: &[Arc<ProcessHandle>],
    deadline: Instant,
    limit: Duration,
) -> Result<BTreeMap<String, (bool, String)>, SandboxError> {
    let known = || {
        extensions
            .iter()
            .map(|handle| handle.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let outcome = timeline
        .wait_until(deadline, |marks| {
            let mut registered = BTreeMap::new();
            for (_, mark) in marks {
                match mark {
                    Mark::Exited { name } => {
                        let handle = extensions.iter().find(|handle| handle.name == *name);
                        return Some(Err(exited_error(handle, name, "INIT")));
                    }
                    Mark::ExtensionError { id, kind, error_type } => {
                        let name = registered
                            .get(id)
                            .map_or_else(|| id.clone(), |(_, name): &(bool, String)| name.clone());
                        return Some(Err(SandboxError::ExtensionReportedError {
                            name,
                            kind: (*kind).to_owned(),
                            error_type: error_type.clone(),
                        }));
                    }
                    Mark::Registered { id, name, invoke } => {
                        if !extensions.iter().any(|handle| handle.name == *name) {
                            return Some(Err(SandboxError::UnknownExtensionName {
                                name: name.clone(),
                                known: known(),
                            }));
                        }
                        registered.insert(id.clone(), (*invoke, name.clone()));
                    }
                    _ => {}
                }
            }
            let all_ready = extensions.iter().all(|handle| {
                registered.iter().any(|(id, (_, name))| {
                    *name == handle.name
                        && marks.iter().any(|(_, mark)| matches!(mark, Mark::ExtensionNext { id: polled } if polled == id))
                })
            });
            all_ready.then_some(Ok(registered))
        })
        .await;
    match outcome {
        Some(result) => result,
        None => {
            let marks = timeline.snapshot();
            let late = extensions
                .iter()
                .find(|handle| {
                    !marks.iter().any(|(_, mark)| matches!(mark, Mark::Registered { name, .. } if *name == handle.name))
                })
                .map(|handle| (handle, false))
                .or_else(|| extensions.first().map(|handle| (handle, true)));
            Err(match late {
                Some((handle, registered)) => SandboxError::ExtensionInitTimeout {
                    name: handle.name.clone(),
                    waited: limit,
                    registered,
                    stderr_tail: handle.stderr_tail(STDERR_TAIL_LINES),
                },
                None => SandboxError::Failed("INIT timed out".to_owned()),
            })
        }
    }
}

/// Waits for the runtime's first `next`, failing on any process exit or an init error.
pub(crate) async fn wait_for_runtime(
    timeline: &Timeline,
    runtime: &Arc<ProcessHandle>,
    extensions: &[Arc<ProcessHandle>],
    deadline: Instant,
    limit: Duration,
) -> Result<(), SandboxError> {
    let outcome = timeline
        .wait_until(deadline, |marks| {
            for (_, mark) in marks {
                match mark {
                    Mark::RuntimeInitError { body } => {
                        return Some(Err(SandboxError::RuntimeInitError(body.clone())));
                    }
                    Mark::Exited { name } => {
                        let handle = extensions
                            .iter()
                            .chain(std::iter::once(runtime))
                            .find(|handle| handle.name == *name);
                        return Some(Err(exited_error(handle, name, "INIT")));
                    }
                    Mark::RuntimeNext => return Some(Ok(())),
                    _ => {}
                }
            }
            None
        })
        .await;
    outcome.unwrap_or_else(|| {
        Err(SandboxError::RuntimeInitTimeout {
            waited: limit,
            stderr_tail: runtime.stderr_tail(STDERR_TAIL_LINES),
        })
    })
}
