//! What happened when: API calls seen by the proxy and process exits, each with its instant.
//! The driver waits on it (with deadlines) and derives the reported durations from it.

use std::sync::{Mutex, PoisonError};
use tokio::sync::watch;
use tokio::time::Instant;

/// An extension as it registered: the identifier the Extensions API gave it, the name it
/// registered under (Lambda requires its file name) and whether it asked for INVOKE events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registered {
    pub id: String,
    pub name: String,
    pub invoke: bool,
}

/// One observed fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mark {
    /// An extension registered (the simulator answered 200).
    Registered(Registered),
    /// An extension called `event/next`.
    ExtensionNext { id: String },
    /// An extension posted `init/error` or `exit/error`.
    ExtensionError {
        id: String,
        kind: &'static str,
        error_type: String,
    },
    /// The runtime called `invocation/next`.
    RuntimeNext,
    /// The runtime posted the response or error of an invocation.
    RuntimeDone { request_id: String },
    /// The runtime posted `init/error`.
    RuntimeInitError { body: String },
    /// A process exited.
    Exited { name: String },
}

/// The marks, in order, and a change signal.
pub(crate) struct Timeline {
    marks: Mutex<Vec<(Instant, Mark)>>,
    changed: watch::Sender<u64>,
}

impl Timeline {
    pub(crate) fn new() -> Self {
        Self {
            marks: Mutex::new(Vec::new()),
            changed: watch::Sender::new(0),
        }
    }

    pub(crate) fn record(&self, mark: Mark) {
        self.marks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((Instant::now(), mark));
        self.changed.send_modify(|version| *version += 1);
    }

    pub(crate) fn snapshot(&self) -> Vec<(Instant, Mark)> {
        self.marks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The name an extension registered with, by its identifier.
    pub(crate) fn extension_name(&self, extension_id: &str) -> Option<String> {
        self.snapshot()
            .into_iter()
            .find_map(|(_, mark)| match mark {
                Mark::Registered(registered) if registered.id == extension_id => {
                    Some(registered.name)
                }
                _ => None,
            })
    }

    /// Re-evaluates `check` on every change until it gives a value or `deadline` passes
    /// (`None`).
    pub(crate) async fn wait_until<T>(
        &self,
        deadline: Instant,
        mut check: impl FnMut(&[(Instant, Mark)]) -> Option<T>,
    ) -> Option<T> {
        let mut changes = self.changed.subscribe();
        loop {
            changes.borrow_and_update();
            if let Some(value) = check(&self.snapshot()) {
                return Some(value);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return check(&self.snapshot()),
            }
        }
    }
}

/// The instant of the first mark that `matches`, if any.
pub(crate) fn first_at(
    marks: &[(Instant, Mark)],
    matches: impl Fn(&Mark) -> bool,
) -> Option<Instant> {
    marks
        .iter()
        .find(|(_, mark)| matches(mark))
        .map(|(at, _)| *at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn wait_until_sees_a_later_mark_and_times_out_otherwise() {
        let timeline = std::sync::Arc::new(Timeline::new());
        let writer = std::sync::Arc::clone(&timeline);
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            writer.record(Mark::RuntimeNext);
        });
        let found = timeline
            .wait_until(Instant::now() + Duration::from_secs(1), |marks| {
                marks
                    .iter()
                    .any(|(_, mark)| *mark == Mark::RuntimeNext)
                    .then_some(())
            })
            .await;
        assert_eq!(found, Some(()));
        task.await.unwrap();
        let missing = timeline
            .wait_until(Instant::now() + Duration::from_secs(1), |marks| {
                marks
                    .iter()
                    .any(|(_, mark)| matches!(mark, Mark::Exited { .. }))
                    .then_some(())
            })
            .await;
        assert_eq!(missing, None);
    }
}
