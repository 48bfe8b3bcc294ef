//! Driving a fault scenario: the invocations and what they sent, the waits, the signal.
//!
//! What was sent is what reached the extension's subscription: the scripted function's
//! lines, and the platform events the simulator emitted for the invocations. The simulator
//! now and then emits no `platform.report` for one of many back-to-back invocations (its
//! readiness race; the report comes only after the function timeout), so platform events
//! are taken from the simulator's own record, not assumed.

use crate::accounting;
use crate::artifacts::EXTENSION_NAME;
use crate::error::BenchError;
use crate::harness;
use sandbox::{LineFormat, Sandbox, script_line};
use std::collections::HashSet;
use std::time::Duration;
use test_support::fake_kinesis::FakeKinesis;
use tokio::time::Instant;

/// Polling period of conditions nothing announces (a process's exit, delivery counts).
const POLL: Duration = Duration::from_millis(1);
/// How long to wait for the simulator's last `platform.report`, or for the sandbox to
/// deliver an invocation's events.
const EVENT_WAIT: Duration = Duration::from_secs(2);
/// How long to wait for an exit after the signal.
const EXIT_WAIT: Duration = Duration::from_secs(10);
/// The platform events of an invocation.
const PLATFORM_EVENTS: [&str; 3] = ["platform.start", "platform.runtimeDone", "platform.report"];

/// The events sent to the extension, by key (see [`accounting::key`]).
#[derive(Debug, Default)]
pub struct Sent {
    /// Keys of the events sent.
    pub keys: HashSet<String>,
    /// Platform events of the invocations the simulator did not emit.
    pub platform_not_emitted: u64,
    request_ids: Vec<String>,
}

impl Sent {
    /// Runs invocation `number` (the scripted function counts from 1), whose function
    /// writes `lines` lines of `line_bytes`, and records its lines.
    pub async fn invoke(
        &mut self,
        sandbox: &mut Sandbox,
        number: u64,
        lines: usize,
        line_bytes: usize,
    ) -> Result<(), BenchError> {
        let report = sandbox.invoke(serde_json::json!({})).await?;
        self.request_ids.push(report.request_id);
        for index in 0..lines {
            let line = script_line(LineFormat::Text, number, index, line_bytes);
            self.keys.insert(accounting::function_key(&line));
        }
        Ok(())
    }

    /// Adds the platform events the simulator emitted for the invocations so far, once it
    /// emitted the last one's `platform.report` (or [`EVENT_WAIT`] passed).
    pub async fn add_platform_events(&mut self, sandbox: &Sandbox) {
        let simulator = sandbox.simulator();
        let reported = |events: &[sandbox::lambda_simulator::TelemetryEvent], id: &str| {
            events.iter().any(|event| request_id(event) == Some(id))
        };
        if let Some(last) = self.request_ids.last() {
            let deadline = Instant::now() + EVENT_WAIT;
            while Instant::now() < deadline
                && !reported(
                    &simulator
                        .get_telemetry_events_by_type("platform.report")
                        .await,
                    last,
                )
            {
                tokio::time::sleep(POLL).await;
            }
        }
        let ours: HashSet<&str> = self.request_ids.iter().map(String::as_str).collect();
        let mut emitted = 0;
        for kind in PLATFORM_EVENTS {
            for event in simulator.get_telemetry_events_by_type(kind).await {
                if let Some(id) = request_id(&event).filter(|id| ours.contains(id))
                    && self.keys.insert(accounting::platform_key(kind, id))
                {
                    emitted += 1;
                }
            }
        }
        let expected = (PLATFORM_EVENTS.len() * self.request_ids.len()) as u64;
        self.platform_not_emitted = expected.saturating_sub(emitted);
    }
}

fn request_id(event: &sandbox::lambda_simulator::TelemetryEvent) -> Option<&str> {
    event
        .record
        .get("requestId")
        .and_then(serde_json::Value::as_str)
}

/// Telemetry events the sandbox has delivered to the extension so far.
pub fn delivered_events(sandbox: &Sandbox) -> u64 {
    sandbox
        .delivery_stats()
        .get(EXTENSION_NAME)
        .map_or(0, |stats| stats.events)
}

/// Telemetry batches the sandbox has given up delivering to the extension so far.
pub fn undelivered_batches(sandbox: &Sandbox) -> u64 {
    sandbox
        .delivery_stats()
        .get(EXTENSION_NAME)
        .map_or(0, |stats| stats.failed_batches)
}

/// Waits until the sandbox has delivered `events` events to the extension.
pub async fn wait_delivered(sandbox: &Sandbox, events: u64) -> Result<(), BenchError> {
    let deadline = Instant::now() + EVENT_WAIT;
    while delivered_events(sandbox) < events {
        if Instant::now() >= deadline {
            return Err(BenchError::Timeout(format!(
                "the sandbox delivered {} of {events} events to the extension",
                delivered_events(sandbox)
            )));
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(())
}

/// Sends SIGTERM to `pid` and returns how long it took to exit.
pub async fn terminate(pid: u32) -> Result<Duration, BenchError> {
    let target = i32::try_from(pid)
        .map(nix::unistd::Pid::from_raw)
        .map_err(|_| BenchError::Timeout(format!("process id {pid} out of range")))?;
    let signalled = Instant::now();
    nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGTERM)
        .map_err(|error| BenchError::io("sending SIGTERM")(error.into()))?;
    while !harness::exited(pid) {
        if signalled.elapsed() >= EXIT_WAIT {
            return Err(BenchError::Timeout(format!(
                "the extension did not exit within {EXIT_WAIT:?} of SIGTERM"
            )));
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(signalled.elapsed())
}

/// Waits until every sent event is on the stream; false after `limit`.
pub async fn wait_all_on_stream(
    kinesis: &FakeKinesis,
    sent: &HashSet<String>,
    limit: Duration,
) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let accepted = kinesis.accepted();
        let stream = accounting::stream_payloads(&kinesis.records());
        let on_stream: HashSet<String> = stream
            .iter()
            .filter_map(accounting::key)
            .filter(|key| sent.contains(key))
            .collect();
        if on_stream.len() == sent.len() {
            return true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let _ = kinesis
            .wait_for(|counters| counters.entries_accepted > accepted, left)
            .await;
    }
}
