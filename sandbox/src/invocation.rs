//! Driving invocations of an initialised environment: the payload to the runtime and INVOKE
//! to the extensions (through the simulator), the wait until the runtime responded and every
//! INVOKE-registered extension is back in `next` within the function timeout, the wait for
//! the freeze, and the report. Concurrent invocations (Lambda Managed Instances) are all
//! handed over first, then awaited. INIT and SHUTDOWN are driven elsewhere.

use crate::error::SandboxError;
use crate::model_events::PlatformRewriter;
use crate::process;
use crate::processes::Processes;
use crate::report::{ExtensionInvoke, InvokeReport, InvokeStatus};
use crate::timeline::{Mark, Registered, Timeline};
use lambda_simulator::{Invocation, InvocationState, InvocationStatus, Simulator};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long an invocation may take to freeze the environment after it ended.
const FREEZE_TIMEOUT: Duration = Duration::from_secs(2);

/// What driving an invocation reads: the simulator, the timeline, the processes and their
/// registrations, the function timeout, whether the environment freezes, and the restore
/// the first invocation follows, if any.
pub(crate) struct InvocationDriver<'a> {
    pub simulator: &'a Arc<Simulator>,
    pub timeline: &'a Timeline,
    pub processes: &'a Processes,
    pub registered: &'a [Registered],
    pub timeout: Duration,
    pub freeze: bool,
    pub rewriter: &'a PlatformRewriter,
    /// The duration of the restore the first invocation follows (SnapStart).
    pub restored: Option<Duration>,
}

/// An invocation handed to the environment.
struct Started {
    request_id: String,
    at: Instant,
}

impl InvocationDriver<'_> {
    /// Runs one invocation to its end; a process exit or the function timeout fails it.
    pub(crate) async fn run(
        &self,
        payload: serde_json::Value,
    ) -> Result<InvokeReport, SandboxError> {
        let started = self.start(payload, self.restored).await?;
        self.finish(started).await
    }

    /// Hands every payload to the environment at once, then runs each invocation to its end.
    pub(crate) async fn run_concurrently(
        &self,
        payloads: Vec<serde_json::Value>,
    ) -> Result<Vec<InvokeReport>, SandboxError> {
        let mut started = Vec::with_capacity(payloads.len());
        let mut restored = self.restored;
        for payload in payloads {
            started.push(self.start(payload, restored.take()).await?);
        }
        let mut reports = Vec::with_capacity(started.len());
        for invocation in started {
            reports.push(self.finish(invocation).await?);
        }
        Ok(reports)
    }

    /// Enqueues an invocation (INVOKE reaches the extensions, the payload the runtime).
    async fn start(
        &self,
        payload: serde_json::Value,
        restored: Option<Duration>,
    ) -> Result<Started, SandboxError> {
        self.processes.check_alive("INVOKE")?;
        let timeout_ms = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        let invocation = Invocation::new(payload, timeout_ms);
        let request_id = invocation.request_id.clone();
        if let Some(duration) = restored {
            self.rewriter.restored_before(&request_id, duration);
        }
        let at = Instant::now();
        // The simulator panics when it cannot thaw a process; keep that a sandbox error.
        let simulator = Arc::clone(self.simulator);
        tokio::spawn(async move { simulator.enqueue(invocation).await })
            .await
            .map_err(|error| SandboxError::Simulator(format!("enqueue failed: {error}")))?;
        Ok(Started { request_id, at })
    }

    /// Waits for a started invocation's end and reports it.
    async fn finish(&self, started: Started) -> Result<InvokeReport, SandboxError> {
        let Started {
            request_id,
            at: started,
        } = started;

        let awaited: Vec<&Registered> = self
            .registered
            .iter()
            .filter(|extension| extension.invoke)
            .collect();
        let outcome = self
            .timeline
            .wait_until(started + self.timeout, |marks| {
                completion(marks, &request_id, started, &awaited)
            })
            .await;
        let completion = match outcome {
            Some(Ok(completion)) => completion,
            Some(Err(name)) => return Err(self.processes.exited_error(&name, "INVOKE")),
            None => {
                let pending = pending(&self.timeline.snapshot(), &request_id, started, &awaited);
                return Err(SandboxError::InvokeTimeout {
                    request_id,
                    waited: self.timeout,
                    pending,
                });
            }
        };
        if self.freeze
            && self.processes.has_processes()
            && let Err(error) = self.simulator.wait_for_frozen(FREEZE_TIMEOUT).await
        {
            tracing::warn!(%error, "the environment did not freeze after the invocation");
        }
        // The proxy records the runtime's response as it arrives, before the simulator has.
        let state = self
            .simulator
            .wait_for_invocation_complete(&request_id, FREEZE_TIMEOUT)
            .await
            .ok();
        let (status, payload) = result_of(state);
        for handle in &self.processes.extensions {
            process::sample_rss(handle);
        }
        Ok(completion.report(request_id, started, status, payload))
    }
}

/// When the runtime responded and when each awaited extension was back in `next`.
#[derive(Debug, PartialEq, Eq)]
struct Completion {
    runtime_done: Instant,
    extensions_back: Vec<(String, Instant)>,
}

impl Completion {
    fn report(
        self,
        request_id: String,
        started: Instant,
        status: InvokeStatus,
        payload: Option<serde_json::Value>,
    ) -> InvokeReport {
        let done = self.runtime_done;
        let end = self
            .extensions_back
            .iter()
            .map(|(_, back)| *back)
            .fold(done, Instant::max);
        InvokeReport {
            request_id,
            status,
            payload,
            runtime_duration: done.saturating_duration_since(started),
            post_runtime_extensions_duration: end.saturating_duration_since(done),
            extensions: self
                .extensions_back
                .into_iter()
                .map(|(name, back)| ExtensionInvoke {
                    name,
                    post_runtime_duration: back.saturating_duration_since(done),
                })
                .collect(),
            duration: end.saturating_duration_since(started),
        }
    }
}

/// The invocation's completion once the runtime responded to `request_id` and every awaited
/// extension called `next` after `started`; `Err` with a process's name once one exited.
fn completion(
    marks: &[(Instant, Mark)],
    request_id: &str,
    started: Instant,
    awaited: &[&Registered],
) -> Option<Result<Completion, String>> {
    if let Some(name) = marks.iter().find_map(|(_, mark)| match mark {
        Mark::Exited { name } => Some(name.clone()),
        _ => None,
    }) {
        return Some(Err(name));
    }
    let runtime_done = runtime_done_at(marks, request_id)?;
    let extensions_back = awaited
        .iter()
        .map(|extension| {
            back_in_next_at(marks, &extension.id, started).map(|at| (extension.name.clone(), at))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Ok(Completion {
        runtime_done,
        extensions_back,
    }))
}

/// What the invocation still waits for, for the timeout error.
fn pending(
    marks: &[(Instant, Mark)],
    request_id: &str,
    started: Instant,
    awaited: &[&Registered],
) -> String {
    let mut pending: Vec<String> = Vec::new();
    if runtime_done_at(marks, request_id).is_none() {
        pending.push("the runtime's response".to_owned());
    }
    for extension in awaited {
        if back_in_next_at(marks, &extension.id, started).is_none() {
            pending.push(format!("extension {}'s next", extension.name));
        }
    }
    pending.join(", ")
}

fn runtime_done_at(marks: &[(Instant, Mark)], request_id: &str) -> Option<Instant> {
    marks.iter().find_map(|(at, mark)| match mark {
        Mark::RuntimeDone { request_id: done } if done == request_id => Some(*at),
        _ => None,
    })
}

fn back_in_next_at(marks: &[(Instant, Mark)], id: &str, started: Instant) -> Option<Instant> {
    marks.iter().find_map(|(at, mark)| match mark {
        Mark::ExtensionNext { id: polled } if polled == id && *at > started => Some(*at),
        _ => None,
    })
}

/// The status and payload (response or error) the simulator recorded, if it did.
fn result_of(state: Option<InvocationState>) -> (InvokeStatus, Option<serde_json::Value>) {
    match state {
        Some(state) if state.status == InvocationStatus::Success => (
            InvokeStatus::Success,
            state.response.map(|response| response.payload),
        ),
        Some(state) => (
            InvokeStatus::Error,
            state
                .error
                .and_then(|error| serde_json::to_value(error).ok()),
        ),
        None => (InvokeStatus::Error, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(milliseconds: u64) -> Duration {
        Duration::from_millis(milliseconds)
    }

    fn extension(id: &str, name: &str) -> Registered {
        Registered {
            id: id.to_owned(),
            name: name.to_owned(),
            invoke: true,
        }
    }

    fn next(id: &str) -> Mark {
        Mark::ExtensionNext { id: id.to_owned() }
    }

    fn done(request_id: &str) -> Mark {
        Mark::RuntimeDone {
            request_id: request_id.to_owned(),
        }
    }

    #[test]
    fn an_invocation_completes_when_the_runtime_and_every_extension_are_done() {
        let t0 = Instant::now();
        let (a, b) = (extension("id-a", "a"), extension("id-b", "b"));
        let awaited = [&a, &b];
        let mut marks = vec![
            (t0, next("id-a")),
            (t0 + ms(5), done("earlier")),
            (t0 + ms(20), done("r1")),
            (t0 + ms(25), next("id-a")),
        ];
        let started = t0 + ms(1);
        assert_eq!(completion(&marks, "r1", started, &awaited), None);
        assert_eq!(
            pending(&marks, "r1", started, &awaited),
            "extension b's next"
        );
        marks.push((t0 + ms(70), next("id-b")));
        let found = completion(&marks, "r1", started, &awaited)
            .unwrap()
            .unwrap();
        let report = found.report("r1".to_owned(), started, InvokeStatus::Success, None);
        assert_eq!(report.runtime_duration, ms(19));
        assert_eq!(report.post_runtime_extensions_duration, ms(50));
        assert_eq!(report.duration, ms(69));
        let shares: Vec<_> = report
            .extensions
            .iter()
            .map(|share| (share.name.as_str(), share.post_runtime_duration))
            .collect();
        assert_eq!(shares, [("a", ms(5)), ("b", ms(50))]);
    }

    #[test]
    fn an_extension_back_before_the_response_adds_no_post_runtime_time() {
        let t0 = Instant::now();
        let a = extension("id-a", "a");
        let marks = vec![(t0 + ms(3), next("id-a")), (t0 + ms(10), done("r1"))];
        let report = completion(&marks, "r1", t0, &[&a])
            .unwrap()
            .unwrap()
            .report("r1".to_owned(), t0, InvokeStatus::Success, None);
        assert_eq!(report.post_runtime_extensions_duration, Duration::ZERO);
        assert_eq!(report.duration, ms(10));
    }

    #[test]
    fn an_exit_ends_the_wait_and_a_timeout_names_what_is_pending() {
        let t0 = Instant::now();
        let a = extension("id-a", "a");
        let exited = vec![(
            t0,
            Mark::Exited {
                name: "a".to_owned(),
            },
        )];
        assert_eq!(
            completion(&exited, "r1", t0, &[&a]),
            Some(Err("a".to_owned()))
        );
        assert_eq!(
            pending(&[], "r1", t0, &[&a]),
            "the runtime's response, extension a's next"
        );
    }
}
