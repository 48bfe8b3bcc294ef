//! Invocations under each flush strategy at a low and a high rate: the post-runtime
//! duration Lambda bills after the function's response, and the delivery latency from an
//! event's time to the stand-in's acknowledgement of it.

use crate::artifacts::ExtensionLayer;
use crate::delivery;
use crate::error::BenchError;
use crate::harness::{self, Setup};
use crate::stats::Summary;
use sandbox::{LineFormat, Script};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::time::Instant;

/// Log lines the function writes per invocation.
pub const LINES_PER_INVOKE: usize = 10;
/// Bytes per line.
pub const LINE_BYTES: usize = 200;
/// How long the function takes.
pub const FUNCTION_DURATION: Duration = Duration::from_millis(5);

/// The flush strategies, as `TELEMETRY_KINESIS_FLUSH` values.
pub const STRATEGIES: [&str; 3] = ["adaptive", "end", "background"];

/// An invocation rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rate {
    /// Table label.
    pub label: &'static str,
    /// Invocations measured (one more is run so every measured one has a successor).
    pub invocations: usize,
    /// Pause between one invocation's end and the next one's start.
    pub gap: Duration,
}

/// The figures of one strategy at one rate.
#[derive(Debug, Clone, Serialize)]
pub struct InvocationFigures {
    /// `TELEMETRY_KINESIS_FLUSH`.
    pub strategy: &'static str,
    /// The rate.
    pub rate: Rate,
    /// `TELEMETRY_KINESIS_BUFFERING_TIMEOUT_MS`, when not the default.
    pub buffering_timeout_ms: Option<u32>,
    /// Post-runtime duration per invocation, ms.
    pub post_runtime_ms: Option<Summary>,
    /// Event time to acknowledgement, ms, for the measured invocations' log lines.
    pub latency_ms: Option<Summary>,
    /// Log lines of the measured invocations that reached the stand-in.
    pub delivered_lines: usize,
    /// Log lines the measured invocations wrote.
    pub written_lines: usize,
}

/// Invocation number of a scripted line record (`invoke I line N ...`).
fn invocation_of(line: &str) -> Option<usize> {
    line.strip_prefix("invoke ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// Latency in ms of one delivered payload, if it is a scripted line of a measured
/// invocation.
fn line_latency(payload: &[u8], acknowledged: OffsetDateTime, measured: usize) -> Option<f64> {
    let event: serde_json::Value = serde_json::from_slice(payload).ok()?;
    if event["type"] != "function" {
        return None;
    }
    let invocation = invocation_of(event["record"].as_str()?)?;
    if invocation > measured {
        return None;
    }
    let time = OffsetDateTime::parse(event["time"].as_str()?, &Rfc3339).ok()?;
    Some((acknowledged - time).as_seconds_f64() * 1000.0)
}

/// Runs `rate.invocations + 1` invocations with `strategy` (and a Telemetry API
/// buffering timeout other than the default, if given).
pub async fn run(
    layer: &ExtensionLayer,
    strategy: &'static str,
    rate: Rate,
    buffering_timeout_ms: Option<u32>,
) -> Result<InvocationFigures, BenchError> {
    let script = Script {
        lines_per_invoke: LINES_PER_INVOKE,
        line_bytes: LINE_BYTES,
        format: LineFormat::Text,
        duration: FUNCTION_DURATION,
    };
    let mut env = vec![(settings::FLUSH.to_owned(), strategy.to_owned())];
    if let Some(timeout) = buffering_timeout_ms {
        env.push((
            settings::BUFFERING_TIMEOUT_MS.to_owned(),
            timeout.to_string(),
        ));
    }
    let setup = Setup {
        env,
        freeze: true,
        script,
        first_invoke: false,
        ..Setup::driven()
    };
    let running = harness::start(layer, setup).await?;
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let measured = rate.invocations;
    let watcher = {
        let latencies = Arc::clone(&latencies);
        let stop = Arc::clone(&stop);
        let kinesis = &running.kinesis;
        async move {
            loop {
                let stopping = stop.load(Ordering::Acquire);
                let deadline = Instant::now() + Duration::from_millis(200);
                delivery::drain(kinesis, deadline, |_, records| {
                    let now = OffsetDateTime::now_utc();
                    let mut latencies = latencies.lock().unwrap_or_else(PoisonError::into_inner);
                    for record in &records {
                        for payload in delivery::events_in(record) {
                            latencies.extend(line_latency(&payload, now, measured));
                        }
                    }
                    false
                })
                .await;
                if stopping {
                    return;
                }
            }
        }
    };
    let sandbox = running.sandbox;
    // Shutdown delivers what is still buffered; the watcher sees it, then one more
    // drain round after the stop flag.
    let invoking = async move {
        let mut sandbox = sandbox;
        let mut post_runtime = Vec::new();
        let mut outcome = Ok(());
        for index in 0..=rate.invocations {
            if index > 0 && !rate.gap.is_zero() {
                tokio::time::sleep(rate.gap).await;
            }
            match sandbox.invoke(serde_json::json!({})).await {
                Ok(report) => post_runtime
                    .push(report.post_runtime_extensions_duration.as_secs_f64() * 1000.0),
                Err(error) => {
                    outcome = Err(error);
                    break;
                }
            }
        }
        let shutdown = sandbox.shutdown().await;
        stop.store(true, Ordering::Release);
        outcome.and(shutdown.map(|_| ()))?;
        Ok::<_, BenchError>(post_runtime)
    };
    let (post_runtime, ()) = tokio::join!(invoking, watcher);
    let post_runtime = post_runtime?;
    let latencies = latencies
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    Ok(InvocationFigures {
        strategy,
        rate,
        buffering_timeout_ms,
        post_runtime_ms: Summary::of(&post_runtime),
        latency_ms: Summary::of(&latencies),
        delivered_lines: latencies.len(),
        written_lines: measured * LINES_PER_INVOKE,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn latency_of_measured_lines_only() {
        let acknowledged = OffsetDateTime::parse("2025-01-01T00:00:01.250Z", &Rfc3339).unwrap();
        let line = |invocation: usize| {
            serde_json::json!({"type": "function", "time": "2025-01-01T00:00:01.000Z",
                "record": format!("invoke {invocation} line 0 xxx")})
            .to_string()
        };
        assert_eq!(
            line_latency(line(2).as_bytes(), acknowledged, 3),
            Some(250.0)
        );
        assert_eq!(line_latency(line(4).as_bytes(), acknowledged, 3), None);
        let platform = r#"{"type":"platform.start","time":"2025-01-01T00:00:01.000Z","record":{}}"#;
        assert_eq!(line_latency(platform.as_bytes(), acknowledged, 3), None);
    }
}
