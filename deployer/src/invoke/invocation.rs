//! One invocation's outcome, the same for remote and local runs: shown as a line, or as a
//! JSON object with `--json`.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// Longest error message shown; Lambda's can hold a whole stack trace.
const MAX_MESSAGE_CHARS: usize = 1000;

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// The function returned a response.
    Success,
    /// The function failed.
    Error,
}

/// What a failed function said about its failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionError {
    /// `errorType` of the error payload, else the `X-Amz-Function-Error` kind (`Unhandled`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// `errorMessage` of the error payload, else the payload's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

impl FunctionError {
    /// Reads an error payload: Lambda's `{"errorType": .., "errorMessage": ..}`, or any
    /// other text (an emulator's plain message); `kind` is the function-error header.
    pub fn from_payload(kind: Option<&str>, payload: &[u8]) -> Self {
        let parsed: Option<Value> = serde_json::from_slice(payload).ok();
        let field = |name: &str| {
            parsed
                .as_ref()
                .and_then(|value| value.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let text = String::from_utf8_lossy(payload).trim().to_owned();
        Self {
            error_type: field("errorType").or_else(|| kind.map(str::to_owned)),
            error_message: field("errorMessage")
                .or_else(|| parsed.as_ref().and_then(Value::as_str).map(str::to_owned))
                .or_else(|| (parsed.is_none() && !text.is_empty()).then_some(text))
                .map(|message| shorten(&message)),
        }
    }

    /// [`Self::from_payload`] for an already parsed payload.
    pub fn from_value(kind: Option<&str>, payload: Option<&Value>) -> Self {
        let bytes = payload.map(Value::to_string).unwrap_or_default();
        Self::from_payload(kind, bytes.as_bytes())
    }
}

/// A message on one line, at most [`MAX_MESSAGE_CHARS`] long.
fn shorten(message: &str) -> String {
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_MESSAGE_CHARS {
        line
    } else {
        let mut cut: String = line.chars().take(MAX_MESSAGE_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// One invocation's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    /// Its request id.
    pub request_id: String,
    /// How it ended.
    pub status: Status,
    /// The function's error, when it failed.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub error: Option<FunctionError>,
    /// How long the call took, as the caller saw it.
    #[serde(serialize_with = "milliseconds")]
    pub duration: Duration,
}

fn milliseconds<S: serde::Serializer>(
    duration: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}

impl Invocation {
    /// A successful invocation.
    pub fn success(request_id: impl Into<String>, duration: Duration) -> Self {
        Self {
            request_id: request_id.into(),
            status: Status::Success,
            error: None,
            duration,
        }
    }

    /// A failed invocation.
    pub fn failure(
        request_id: impl Into<String>,
        duration: Duration,
        error: FunctionError,
    ) -> Self {
        Self {
            request_id: request_id.into(),
            status: Status::Error,
            error: Some(error),
            duration,
        }
    }

    /// Whether the function failed.
    pub fn failed(&self) -> bool {
        self.status == Status::Error
    }
}

impl fmt::Display for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            Status::Success => "success",
            Status::Error => "error",
        };
        write!(f, "{} {status}", self.request_id)?;
        let error = self.error.clone().unwrap_or_default();
        if let Some(kind) = &error.error_type {
            write!(f, " ({kind})")?;
        }
        write!(f, " {:.1} ms", self.duration.as_secs_f64() * 1000.0)?;
        if let Some(message) = &error.error_message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json() {
        let error = FunctionError::from_payload(
            Some("Unhandled"),
            br#"{"errorType": "ValueError", "errorMessage": "boom\n  at line 3"}"#,
        );
        let invocation = Invocation::failure("r1", Duration::from_micros(12_345), error);
        assert_eq!(
            invocation.to_string(),
            "r1 error (ValueError) 12.3 ms: boom at line 3"
        );
        assert_eq!(
            serde_json::to_value(&invocation).unwrap_or_default(),
            serde_json::json!({"requestId": "r1", "status": "error", "errorType": "ValueError",
                               "errorMessage": "boom at line 3", "duration": 12.345})
        );
        let ok = Invocation::success("r1", Duration::from_micros(12_345));
        assert_eq!(ok.to_string(), "r1 success 12.3 ms");
        assert_eq!(
            serde_json::to_value(&ok).unwrap_or_default(),
            serde_json::json!({"requestId": "r1", "status": "success", "duration": 12.345})
        );
        assert!(invocation.failed() && !ok.failed());
    }

    #[test]
    fn error_payloads_of_every_shape() {
        // moto answers with plain text under `Handled`.
        let text = FunctionError::from_payload(Some("Handled"), b"error running docker: nope");
        assert_eq!(text.error_type.as_deref(), Some("Handled"));
        assert_eq!(
            text.error_message.as_deref(),
            Some("error running docker: nope")
        );
        let empty = FunctionError::from_payload(Some("Unhandled"), b"");
        assert_eq!(empty.error_message, None);
        let value = serde_json::json!({"errorMessage": "m", "errorType": "T"});
        let parsed = FunctionError::from_value(None, Some(&value));
        assert_eq!(parsed.error_type.as_deref(), Some("T"));
        let long = FunctionError::from_payload(None, "x".repeat(5000).as_bytes());
        assert_eq!(
            long.error_message.map(|message| message.chars().count()),
            Some(MAX_MESSAGE_CHARS)
        );
    }
}
