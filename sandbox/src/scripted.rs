//! The built-in scripted function: a runtime that runs as a task in this process (no Python
//! to pay for), talks to the Runtime API like any runtime, and writes its log lines straight
//! into the `function` stream. On Lambda Managed Instances it runs one worker task per
//! concurrent invocation, as Lambda runs one runtime worker each.

use crate::capture::{LineSink, Stream};
use crate::http::{HttpClient, send};
use bytes::Bytes;
use http_body_util::Full;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The shape of the scripted function's log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineFormat {
    /// Plain text lines (string records).
    #[default]
    Text,
    /// JSON object lines, as with Lambda's JSON log format (object records).
    Json,
}

/// What the scripted function does on every invocation: writes `lines_per_invoke` lines of
/// `line_bytes` bytes each, then waits out the rest of `duration`, then responds
/// `{"lines": n}`. When invocations run concurrently (Lambda Managed Instances), each
/// spreads its lines over `duration`, yielding between lines, so concurrent invocations'
/// lines interleave, and its JSON lines name their invocation ([`script_invocation_line`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Lines written per invocation.
    pub lines_per_invoke: usize,
    /// Length of each line in bytes (at least the line's fixed part).
    pub line_bytes: usize,
    /// Text or JSON lines.
    pub format: LineFormat,
    /// How long an invocation takes at least.
    pub duration: Duration,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            lines_per_invoke: 1,
            line_bytes: 64,
            format: LineFormat::Text,
            duration: Duration::ZERO,
        }
    }
}

/// Line `index` of invocation `invoke`: `invoke I line N ` padded with `x` to `bytes` (for
/// JSON, the padded text is the `message` of `{"level":"INFO","message":..}`).
pub fn script_line(format: LineFormat, invoke: u64, index: usize, bytes: usize) -> String {
    script_invocation_line(format, invoke, index, bytes, None)
}

/// [`script_line`], with JSON lines naming their invocation when `request_id` is given:
/// `{"level":"INFO","message":..,"requestId":..}`, as Lambda's JSON log format does (the
/// scripted function names it on Lambda Managed Instances only). Text lines never do.
pub fn script_invocation_line(
    format: LineFormat,
    invoke: u64,
    index: usize,
    bytes: usize,
    request_id: Option<&str>,
) -> String {
    let text = format!("invoke {invoke} line {index} ");
    match (format, request_id) {
        (LineFormat::Text, _) => pad(text, bytes),
        (LineFormat::Json, None) => {
            const SKELETON: usize = r#"{"level":"INFO","message":""}"#.len();
            let message = pad(text, bytes.saturating_sub(SKELETON));
            serde_json::json!({"level": "INFO", "message": message}).to_string()
        }
        (LineFormat::Json, Some(request_id)) => {
            const SKELETON: usize = r#"{"level":"INFO","message":"","requestId":""}"#.len();
            let message = pad(text, bytes.saturating_sub(SKELETON + request_id.len()));
            serde_json::json!({"level": "INFO", "message": message, "requestId": request_id})
                .to_string()
        }
    }
}

fn pad(mut text: String, bytes: usize) -> String {
    if text.len() < bytes {
        text.extend(std::iter::repeat_n('x', bytes - text.len()));
    }
    text
}

/// One runtime worker of the scripted function.
pub(crate) struct Worker {
    pub client: HttpClient,
    /// The Runtime API, `http://host:port`.
    pub api: String,
    pub script: Script,
    pub sink: LineSink,
    /// Invocations so far, shared by the workers: numbers the lines.
    pub invocations: Arc<AtomicU64>,
    /// Whether invocations run concurrently.
    pub concurrent: bool,
}

/// Runs a worker of the scripted runtime until the Runtime API goes away (or the task is
/// aborted).
pub(crate) async fn run(worker: Worker) {
    let Worker {
        client,
        api,
        script,
        sink,
        invocations,
        concurrent,
    } = worker;
    loop {
        let next = http::Request::get(format!("{api}/2018-06-01/runtime/invocation/next"))
            .body(Full::new(Bytes::new()));
        let Ok(next) = next else { return };
        let Ok(response) = send(&client, next).await else {
            return;
        };
        let Some(request_id) = response
            .headers
            .get("lambda-runtime-aws-request-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
        else {
            return;
        };
        let started = tokio::time::Instant::now();
        let invoke = invocations.fetch_add(1, Ordering::Relaxed) + 1;
        let lines = script.lines_per_invoke;
        for index in 0..lines {
            let named = concurrent.then_some(request_id.as_str());
            let line =
                script_invocation_line(script.format, invoke, index, script.line_bytes, named);
            sink.invocation_line(Stream::Stdout, line, &request_id);
            if concurrent {
                let share = u32::try_from(index + 1).unwrap_or(u32::MAX);
                let count = u32::try_from(lines).unwrap_or(u32::MAX);
                tokio::time::sleep_until(started + script.duration * share / count).await;
                tokio::task::yield_now().await;
            }
        }
        tokio::time::sleep_until(started + script.duration).await;
        let body = serde_json::json!({"lines": script.lines_per_invoke}).to_string();
        let done = http::Request::post(format!(
            "{api}/2018-06-01/runtime/invocation/{request_id}/response"
        ))
        .body(Full::new(Bytes::from(body)));
        let Ok(done) = done else { return };
        if send(&client, done).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_requested_size_and_format() {
        let text = script_line(LineFormat::Text, 2, 7, 40);
        assert_eq!(text.len(), 40);
        assert!(text.starts_with("invoke 2 line 7 x"));
        let json = script_line(LineFormat::Json, 1, 0, 100);
        assert_eq!(json.len(), 100);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["level"], "INFO");
        assert!(
            value["message"]
                .as_str()
                .unwrap()
                .starts_with("invoke 1 line 0 ")
        );
        assert_eq!(script_line(LineFormat::Text, 1, 0, 0), "invoke 1 line 0 ");
    }

    #[test]
    fn json_lines_of_a_named_invocation_carry_its_request_id_and_text_lines_do_not() {
        let json = script_invocation_line(LineFormat::Json, 3, 1, 120, Some("r-1"));
        assert_eq!(json.len(), 120);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["requestId"], "r-1");
        assert!(
            value["message"]
                .as_str()
                .unwrap()
                .starts_with("invoke 3 line 1 ")
        );
        let text = script_invocation_line(LineFormat::Text, 3, 1, 40, Some("r-1"));
        assert_eq!(text, script_line(LineFormat::Text, 3, 1, 40));
        assert!(!text.contains("r-1"));
    }
}
