//! The INIT report, read from the timeline: each extension's spawn to `register` answered
//! and to its first `next`, the runtime's start to its first `next`, and the whole cold
//! start. Pure code: the instants come from the marks and the spawns.

use crate::process::ProcessHandle;
use crate::report::{ExtensionInit, InitReport};
use crate::timeline::{Mark, Registered, first_at};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// When INIT's phases began.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InitStarts {
    /// Before the first extension was spawned.
    pub init: Instant,
    /// Before the runtime was started.
    pub runtime: Instant,
}

/// The report of an INIT that succeeded: `registered` holds each extension's registration.
pub(crate) fn init_report(
    marks: &[(Instant, Mark)],
    extensions: &[Arc<ProcessHandle>],
    registered: &[Registered],
    starts: InitStarts,
) -> InitReport {
    let runtime_ready =
        first_at(marks, |mark| *mark == Mark::RuntimeNext).unwrap_or(starts.runtime);
    InitReport {
        extensions: extensions
            .iter()
            .map(|handle| extension_init(marks, handle, registered))
            .collect(),
        runtime_init_duration: runtime_ready.saturating_duration_since(starts.runtime),
        init_duration: runtime_ready.saturating_duration_since(starts.init),
    }
}

fn extension_init(
    marks: &[(Instant, Mark)],
    handle: &ProcessHandle,
    registered: &[Registered],
) -> ExtensionInit {
    let id = registered
        .iter()
        .find(|extension| extension.name == handle.name)
        .map(|extension| extension.id.as_str());
    let registered_at = first_at(
        marks,
        |mark| matches!(mark, Mark::Registered(extension) if Some(extension.id.as_str()) == id),
    );
    let ready_at = first_at(
        marks,
        |mark| matches!(mark, Mark::ExtensionNext { id: polled } if Some(polled.as_str()) == id),
    );
    ExtensionInit {
        name: handle.name.clone(),
        pid: handle.pid,
        registered_after: since(registered_at, handle.spawned_at),
        init_duration: since(ready_at, handle.spawned_at),
    }
}

fn since(at: Option<Instant>, start: Instant) -> Duration {
    at.map_or(Duration::ZERO, |at| at.saturating_duration_since(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(milliseconds: u64) -> Duration {
        Duration::from_millis(milliseconds)
    }

    #[test]
    fn durations_run_from_each_spawn_to_its_marks() {
        let extension = ProcessHandle::in_process("ext");
        let t0 = extension.spawned_at;
        let registration = Registered {
            id: "id-1".to_owned(),
            name: "ext".to_owned(),
            invoke: true,
        };
        let marks = vec![
            (t0 + ms(10), Mark::Registered(registration.clone())),
            (
                t0 + ms(15),
                Mark::ExtensionNext {
                    id: "other".to_owned(),
                },
            ),
            (
                t0 + ms(30),
                Mark::ExtensionNext {
                    id: "id-1".to_owned(),
                },
            ),
            (t0 + ms(90), Mark::RuntimeNext),
            (
                t0 + ms(95),
                Mark::ExtensionNext {
                    id: "id-1".to_owned(),
                },
            ),
        ];
        let starts = InitStarts {
            init: t0,
            runtime: t0 + ms(40),
        };
        let report = init_report(&marks, &[extension], &[registration], starts);
        assert_eq!(report.extensions.len(), 1);
        assert_eq!(report.extensions[0].name, "ext");
        assert_eq!(report.extensions[0].registered_after, ms(10));
        assert_eq!(report.extensions[0].init_duration, ms(30));
        assert_eq!(report.runtime_init_duration, ms(50));
        assert_eq!(report.init_duration, ms(90));
    }

    #[test]
    fn missing_marks_give_zero_durations() {
        let extension = ProcessHandle::in_process("ext");
        let t0 = extension.spawned_at;
        let starts = InitStarts {
            init: t0,
            runtime: t0,
        };
        let report = init_report(&[], &[extension], &[], starts);
        assert_eq!(report.extensions[0].init_duration, Duration::ZERO);
        assert_eq!(report.init_duration, Duration::ZERO);
    }
}
