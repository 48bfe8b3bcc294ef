//! One readable line per event: time, function, type, and a compact rendering of the
//! record (for `platform.report` the durations and memory, for logs the message).

use std::fmt::Write as _;

use serde_json::{Map, Value};

use anstyle::Style;

use super::event::Payload;
use crate::output::paint;
use crate::output::styles::{CYAN, DIM, GREEN, MAGENTA, RED, YELLOW};

/// Width the type column is padded to (the longest common type, `platform.runtimeDone`).
const TYPE_WIDTH: usize = 20;

/// Renders `payload` as one line, without a trailing newline; ANSI colour when `colour`.
pub fn render_line(payload: &Payload, colour: bool) -> String {
    let paint = |style: Style, text: &str| paint(style, text, colour);
    let function = payload.function_name.as_deref().unwrap_or("-");
    let kind_style = match payload.kind.as_str() {
        "platform.report" if !succeeded(&payload.record) => RED,
        "platform.report" => GREEN,
        "platform.logsDropped" => RED,
        kind if kind.starts_with("platform") => YELLOW,
        "extension" => MAGENTA,
        _ => Style::new(),
    };
    let kind = paint(kind_style, &format!("{:<TYPE_WIDTH$}", payload.kind));
    format!(
        "{} {} {} {}",
        paint(DIM, &display_time(&payload.time)),
        paint(CYAN, function),
        kind,
        describe(&payload.kind, &payload.record)
    )
}

/// An event time in one precision, milliseconds in UTC (`2024-05-01T12:00:00.000Z`),
/// whatever the producer wrote (Lambda writes milliseconds, other producers nanoseconds);
/// a time that does not parse is shown as it is.
pub fn display_time(time: &str) -> String {
    time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| time.to_owned(), crate::output::timestamp)
}

/// The compact rendering of a record of type `kind`.
pub fn describe(kind: &str, record: &Value) -> String {
    let described = match (kind, record) {
        (_, Value::String(text)) => Some(one_line(text)),
        ("function" | "extension", Value::Object(fields)) => Some(log_message(fields)),
        ("platform.report", Value::Object(fields)) => Some(report(fields)),
        ("platform.start", Value::Object(fields)) => Some(start(fields)),
        ("platform.runtimeDone", Value::Object(fields)) => Some(runtime_done(fields)),
        ("platform.initReport" | "platform.restoreReport", Value::Object(fields)) => {
            Some(init_report(fields))
        }
        ("platform.logsDropped", Value::Object(fields)) => Some(logs_dropped(fields)),
        _ => None,
    };
    described.unwrap_or_else(|| record.to_string())
}

/// Log text on one line: the trailing newline dropped, inner line breaks escaped.
fn one_line(text: &str) -> String {
    text.trim_end_matches(['\n', '\r'])
        .replace('\r', "\\r")
        .replace('\n', "\\n")
}

fn succeeded(record: &Value) -> bool {
    record
        .get("status")
        .and_then(Value::as_str)
        .is_none_or(|status| status == "success")
}

/// A JSON-format log record: `[LEVEL] message`, the message as text when it is a
/// string, else its JSON.
fn log_message(fields: &Map<String, Value>) -> String {
    let message = match fields.get("message") {
        Some(Value::String(text)) => one_line(text),
        Some(other) => other.to_string(),
        None => Value::Object(fields.clone()).to_string(),
    };
    match fields.get("level").and_then(Value::as_str) {
        Some(level) => format!("[{level}] {message}"),
        None => message,
    }
}

fn request_id(fields: &Map<String, Value>) -> &str {
    fields
        .get("requestId")
        .and_then(Value::as_str)
        .unwrap_or("-")
}

fn metric(fields: &Map<String, Value>, name: &str) -> Option<f64> {
    fields.get("metrics")?.get(name)?.as_f64()
}

fn milliseconds(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0} ms")
    } else {
        format!("{value:.2} ms")
    }
}

fn status_suffix(fields: &Map<String, Value>) -> String {
    match fields.get("status").and_then(Value::as_str) {
        Some(status) if status != "success" => {
            let mut suffix = format!(" status {status}");
            if let Some(error) = fields.get("errorType").and_then(Value::as_str) {
                let _ = write!(suffix, " ({error})");
            }
            suffix
        }
        _ => String::new(),
    }
}

fn report(fields: &Map<String, Value>) -> String {
    let mut line = request_id(fields).to_owned();
    if let Some(duration) = metric(fields, "durationMs") {
        let _ = write!(line, " duration {}", milliseconds(duration));
    }
    if let Some(billed) = metric(fields, "billedDurationMs") {
        let _ = write!(line, " billed {}", milliseconds(billed));
    }
    match (
        metric(fields, "maxMemoryUsedMB"),
        metric(fields, "memorySizeMB"),
    ) {
        (Some(used), Some(size)) => {
            let _ = write!(line, " memory {used}/{size} MB");
        }
        (None, Some(size)) => {
            let _ = write!(line, " memory {size} MB");
        }
        (Some(used), None) => {
            let _ = write!(line, " memory {used} MB used");
        }
        (None, None) => {}
    }
    if let Some(init) = metric(fields, "initDurationMs") {
        let _ = write!(line, " init {}", milliseconds(init));
    }
    line + &status_suffix(fields)
}

fn start(fields: &Map<String, Value>) -> String {
    let mut line = request_id(fields).to_owned();
    if let Some(version) = fields.get("version").and_then(Value::as_str) {
        let _ = write!(line, " version {version}");
    }
    line
}

fn runtime_done(fields: &Map<String, Value>) -> String {
    let mut line = request_id(fields).to_owned();
    if let Some(status) = fields.get("status").and_then(Value::as_str) {
        let _ = write!(line, " {status}");
    }
    if let Some(duration) = metric(fields, "durationMs") {
        let _ = write!(line, " {}", milliseconds(duration));
    }
    line
}

fn init_report(fields: &Map<String, Value>) -> String {
    let mut line = fields
        .get("phase")
        .and_then(Value::as_str)
        .unwrap_or("init")
        .to_owned();
    if let Some(duration) = metric(fields, "durationMs") {
        let _ = write!(line, " {}", milliseconds(duration));
    }
    if let Some(status) = fields.get("status").and_then(Value::as_str) {
        let _ = write!(line, " {status}");
    }
    line
}

fn logs_dropped(fields: &Map<String, Value>) -> String {
    let count = |name: &str| fields.get(name).and_then(Value::as_u64).unwrap_or(0);
    let mut line = format!(
        "dropped {} records ({} bytes)",
        count("droppedRecords"),
        count("droppedBytes")
    );
    if let Some(reason) = fields.get("reason").and_then(Value::as_str) {
        let _ = write!(line, ": {reason}");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(kind: &str, record: Value) -> Payload {
        Payload {
            function_name: Some("sample".into()),
            ..Payload::new("2024-05-01T12:00:00.000Z", kind, record)
        }
    }

    #[test]
    fn lines_by_type() {
        let cases = [
            (
                "platform.report",
                json!({"requestId": "r1", "status": "success", "metrics": {
                    "durationMs": 12.345, "billedDurationMs": 13, "memorySizeMB": 128,
                    "maxMemoryUsedMB": 45, "initDurationMs": 120.5}}),
                "r1 duration 12.35 ms billed 13 ms memory 45/128 MB init 120.50 ms",
            ),
            (
                "platform.report",
                json!({"requestId": "r2", "status": "timeout", "errorType": "Sandbox.Timedout",
                       "metrics": {"durationMs": 3000.0, "billedDurationMs": 3000,
                                   "memorySizeMB": 128}}),
                "r2 duration 3000 ms billed 3000 ms memory 128 MB status timeout (Sandbox.Timedout)",
            ),
            (
                "platform.report",
                json!({"requestId": "r3", "metrics": {"maxMemoryUsedMB": 30}}),
                "r3 memory 30 MB used",
            ),
            ("platform.report", json!({}), "-"),
            (
                "platform.start",
                json!({"requestId": "r1", "version": "$LATEST"}),
                "r1 version $LATEST",
            ),
            (
                "platform.runtimeDone",
                json!({"requestId": "r1", "status": "success", "metrics": {"durationMs": 10.2}}),
                "r1 success 10.20 ms",
            ),
            (
                "platform.initReport",
                json!({"phase": "init", "status": "success", "metrics": {"durationMs": 150.0}}),
                "init 150 ms success",
            ),
            (
                "platform.logsDropped",
                json!({"reason": "slow", "droppedRecords": 3, "droppedBytes": 120}),
                "dropped 3 records (120 bytes): slow",
            ),
            ("function", json!("hello\n"), "hello"),
            ("function", json!("two\nlines\r\n"), "two\\nlines"),
            (
                "function",
                json!({"level": "INFO", "message": "sample event", "requestId": "r1"}),
                "[INFO] sample event",
            ),
            ("function", json!({"message": {"a": 1}}), "{\"a\":1}"),
            ("extension", json!({"x": 1}), "{\"x\":1}"),
            (
                "platform.initStart",
                json!({"phase": "init"}),
                "{\"phase\":\"init\"}",
            ),
            ("platform.start", json!(7), "7"),
        ];
        for (kind, record, expected) in cases {
            assert_eq!(describe(kind, &record), expected, "{kind} {record}");
        }
    }

    #[test]
    fn times_show_in_milliseconds_utc() {
        for (given, shown) in [
            ("2024-05-01T12:00:00.000Z", "2024-05-01T12:00:00.000Z"),
            ("2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00.123Z"),
            ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000Z"),
            ("2024-05-01T14:00:00.5+02:00", "2024-05-01T12:00:00.500Z"),
            ("not a time", "not a time"),
        ] {
            assert_eq!(display_time(given), shown, "{given}");
        }
    }

    #[test]
    fn plain_line_layout() {
        let line = render_line(&payload("function", json!("hi\n")), false);
        assert_eq!(
            line,
            "2024-05-01T12:00:00.000Z sample function             hi"
        );
        let mut anonymous = payload("platform.start", json!({"requestId": "r"}));
        anonymous.function_name = None;
        assert_eq!(
            render_line(&anonymous, false),
            "2024-05-01T12:00:00.000Z - platform.start       r"
        );
        assert!(!render_line(&anonymous, false).contains('\x1b'));
    }

    #[test]
    fn colour_marks_failures() {
        let ok = render_line(
            &payload("platform.report", json!({"status": "success"})),
            true,
        );
        for style in [GREEN, DIM, CYAN] {
            assert!(ok.contains(&style.render().to_string()), "{ok:?}");
        }
        let failed = render_line(
            &payload("platform.report", json!({"status": "error"})),
            true,
        );
        assert!(failed.contains(&RED.render().to_string()));
        let log = render_line(&payload("function", json!("x")), true);
        assert!(log.ends_with(" x"));
    }
}
