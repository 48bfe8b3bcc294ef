//! INIT's waits: every extension registered and polling `next`, then the runtime's first
//! `next`; any process exit or reported error ends the wait with a named failure.

use crate::error::SandboxError;
use crate::process::ProcessHandle;
use crate::processes::{exited_error, stderr_tail};
use crate::timeline::{Mark, Registered, Timeline};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Waits until every extension registered (under its file name) and called `next`; returns
/// each extension's registration, in the order of `extensions`.
pub(crate) async fn wait_for_extensions(
    timeline: &Timeline,
    extensions: &[Arc<ProcessHandle>],
    deadline: Instant,
    limit: Duration,
) -> Result<Vec<Registered>, SandboxError> {
    let outcome = timeline
        .wait_until(deadline, |marks| ready_extensions(marks, extensions))
        .await;
    match outcome {
        Some(result) => result,
        None => Err(init_timeout(&timeline.snapshot(), extensions, limit)),
    }
}

/// Every extension's registration once each has registered and called `next`; an error as
/// soon as one exited, reported an error or registered under an unknown name.
fn ready_extensions(
    marks: &[(Instant, Mark)],
    extensions: &[Arc<ProcessHandle>],
) -> Option<Result<Vec<Registered>, SandboxError>> {
    let mut registered: Vec<&Registered> = Vec::new();
    for (_, mark) in marks {
        match mark {
            Mark::Exited { name } => {
                let handle = extensions.iter().find(|handle| handle.name == *name);
                return Some(Err(exited_error(handle, name, "INIT")));
            }
            Mark::ExtensionError {
                id,
                kind,
                error_type,
            } => {
                let name = registered
                    .iter()
                    .find(|extension| extension.id == *id)
                    .map_or_else(|| id.clone(), |extension| extension.name.clone());
                return Some(Err(SandboxError::ExtensionReportedError {
                    name,
                    kind: (*kind).to_owned(),
                    error_type: error_type.clone(),
                }));
            }
            Mark::Registered(extension) => {
                if !extensions
                    .iter()
                    .any(|handle| handle.name == extension.name)
                {
                    return Some(Err(SandboxError::UnknownExtensionName {
                        name: extension.name.clone(),
                        known: extensions
                            .iter()
                            .map(|handle| handle.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }));
                }
                registered.push(extension);
            }
            _ => {}
        }
    }
    let polled = |id: &str| {
        marks
            .iter()
            .any(|(_, mark)| matches!(mark, Mark::ExtensionNext { id: polled } if polled == id))
    };
    extensions
        .iter()
        .map(|handle| {
            registered
                .iter()
                .find(|extension| extension.name == handle.name && polled(&extension.id))
                .map(|extension| (*extension).clone())
        })
        .collect::<Option<Vec<_>>>()
        .map(Ok)
}

/// The error when INIT's limit passed: the first extension that never registered, or else
/// the first extension (registered, but not in `next`).
fn init_timeout(
    marks: &[(Instant, Mark)],
    extensions: &[Arc<ProcessHandle>],
    limit: Duration,
) -> SandboxError {
    let registered = |handle: &ProcessHandle| {
        marks.iter().any(
            |(_, mark)| matches!(mark, Mark::Registered(extension) if extension.name == handle.name),
        )
    };
    let late = extensions
        .iter()
        .find(|handle| !registered(handle))
        .map(|handle| (handle, false))
        .or_else(|| extensions.first().map(|handle| (handle, true)));
    match late {
        Some((handle, registered)) => SandboxError::ExtensionInitTimeout {
            name: handle.name.clone(),
            waited: limit,
            registered,
            stderr_tail: stderr_tail(handle),
        },
        None => SandboxError::Failed("INIT timed out".to_owned()),
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
            stderr_tail: stderr_tail(runtime),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(id: &str, name: &str) -> Mark {
        Mark::Registered(Registered {
            id: id.to_owned(),
            name: name.to_owned(),
            invoke: true,
        })
    }

    fn next(id: &str) -> Mark {
        Mark::ExtensionNext { id: id.to_owned() }
    }

    fn at(marks: Vec<Mark>) -> Vec<(Instant, Mark)> {
        let now = Instant::now();
        marks.into_iter().map(|mark| (now, mark)).collect()
    }

    #[test]
    fn extensions_are_ready_once_each_registered_and_polled_in_their_order() {
        let extensions = [
            ProcessHandle::in_process("a"),
            ProcessHandle::in_process("b"),
        ];
        let marks = at(vec![
            registered("id-b", "b"),
            registered("id-a", "a"),
            next("id-b"),
        ]);
        assert!(ready_extensions(&marks, &extensions).is_none());
        let marks = at(vec![
            registered("id-b", "b"),
            registered("id-a", "a"),
            next("id-b"),
            next("id-a"),
        ]);
        let ready = ready_extensions(&marks, &extensions).unwrap().unwrap();
        let ids: Vec<_> = ready
            .iter()
            .map(|extension| extension.id.as_str())
            .collect();
        assert_eq!(ids, ["id-a", "id-b"]);
    }

    #[test]
    fn an_unknown_name_or_a_reported_error_fails_at_once() {
        let extensions = [ProcessHandle::in_process("a")];
        let unknown = ready_extensions(&at(vec![registered("id", "other")]), &extensions);
        assert!(
            matches!(unknown, Some(Err(SandboxError::UnknownExtensionName { ref name, ref known }))
                if name == "other" && known == "a"),
            "{unknown:?}"
        );
        let reported = ready_extensions(
            &at(vec![
                registered("id", "a"),
                Mark::ExtensionError {
                    id: "id".to_owned(),
                    kind: "init/error",
                    error_type: "Extension.Bad".to_owned(),
                },
            ]),
            &extensions,
        );
        assert!(
            matches!(reported, Some(Err(SandboxError::ExtensionReportedError { ref name, .. }))
                if name == "a"),
            "{reported:?}"
        );
    }

    #[test]
    fn the_timeout_names_the_extension_that_never_registered() {
        let extensions = [
            ProcessHandle::in_process("a"),
            ProcessHandle::in_process("b"),
        ];
        let error = init_timeout(
            &at(vec![registered("id-a", "a")]),
            &extensions,
            Duration::from_secs(1),
        );
        assert!(
            matches!(&error, SandboxError::ExtensionInitTimeout { name, registered: false, .. }
                if name == "b"),
            "{error:?}"
        );
        let error = init_timeout(
            &at(vec![registered("id-a", "a"), registered("id-b", "b")]),
            &extensions,
            Duration::from_secs(1),
        );
        assert!(
            matches!(&error, SandboxError::ExtensionInitTimeout { name, registered: true, .. }
                if name == "a"),
            "{error:?}"
        );
    }
}
