//! Output lines of the runtime and the extensions: each kept for inspection (up to a cap)
//! and published as a `function` or `extension` Telemetry API event.

use crate::delivery::{Hub, LineSource};
use crate::log_events::{LogType, log_record, record_event, record_request_id};
use crate::process::ProcessHandle;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Lines kept per stream for inspection; later lines are still delivered and counted.
pub const MAX_CAPTURED_LINES: usize = 100_000;

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// Turns output lines into captured lines and telemetry events.
#[derive(Clone)]
pub(crate) struct LineSink {
    pub handle: Arc<ProcessHandle>,
    pub hub: Arc<Hub>,
    pub log_type: LogType,
}

impl LineSink {
    /// A line read from a process's output.
    pub(crate) fn line(&self, stream: Stream, text: String) {
        self.emit(stream, text, None);
    }

    /// A line the invocation `request_id` wrote (the scripted function knows which).
    pub(crate) fn invocation_line(&self, stream: Stream, text: String, request_id: &str) {
        self.emit(stream, text, Some(request_id));
    }

    fn emit(&self, stream: Stream, text: String, request_id: Option<&str>) {
        if self.hub.wants(self.log_type) {
            let record = log_record(&text);
            let source = match request_id {
                Some(request_id) => LineSource::Invocation(request_id),
                None => LineSource::Output {
                    named: record_request_id(&record),
                },
            };
            let event = record_event(self.log_type, OffsetDateTime::now_utc(), &record);
            self.hub.publish_log(self.log_type, event.into(), source);
        }
        let mut state = self.handle.lock();
        let output = &mut state.output;
        let lines = match stream {
            Stream::Stdout => &mut output.stdout,
            Stream::Stderr => &mut output.stderr,
        };
        if lines.len() < MAX_CAPTURED_LINES {
            lines.push(text);
        } else {
            output.lines_not_kept += 1;
        }
    }
}

/// Reads `stream` line by line into `sink` until it closes, then counts it closed.
pub(crate) async fn read_lines(stream: impl AsyncRead + Unpin, which: Stream, sink: LineSink) {
    let mut reader = BufReader::new(stream);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer).await {
            Ok(0) | Err(_) => {
                sink.handle
                    .open_streams
                    .send_modify(|open| *open = open.saturating_sub(1));
                return;
            }
            Ok(_) => {
                while matches!(buffer.last(), Some(b'\n' | b'\r')) {
                    buffer.pop();
                }
                sink.line(which, String::from_utf8_lossy(&buffer).into_owned());
            }
        }
    }
}
