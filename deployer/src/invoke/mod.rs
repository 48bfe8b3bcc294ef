//! Invoking the sample function: on AWS with aws-sdk-lambda ([`remote`]), or locally in the
//! `sandbox` module with the packaged layer and the real Python runtime client ([`local`]).

pub mod local;
pub mod remote;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "status", content = "errorType")]
pub enum Status {
    /// The function returned a response.
    Success,
    /// The function failed; the error type when known (`Unhandled`, ...).
    Error(Option<String>),
}

/// One invocation's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    /// Its request id.
    pub request_id: String,
    /// How it ended.
    #[serde(flatten)]
    pub status: Status,
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

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Success => f.write_str("success"),
            Self::Error(None) => f.write_str("error"),
            Self::Error(Some(kind)) => write!(f, "error ({kind})"),
        }
    }
}

impl fmt::Display for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {:.1} ms",
            self.request_id,
            self.status,
            self.duration.as_secs_f64() * 1000.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json() {
        let invocation = Invocation {
            request_id: "r1".into(),
            status: Status::Error(Some("Unhandled".into())),
            duration: Duration::from_micros(12_345),
        };
        assert_eq!(invocation.to_string(), "r1 error (Unhandled) 12.3 ms");
        assert_eq!(
            serde_json::to_value(&invocation).unwrap_or_default(),
            serde_json::json!({"requestId": "r1", "status": "error", "errorType": "Unhandled",
                               "duration": 12.345})
        );
        let ok = Invocation {
            status: Status::Success,
            ..invocation
        };
        assert_eq!(ok.to_string(), "r1 success 12.3 ms");
        assert_eq!(
            serde_json::to_value(&ok).unwrap_or_default()["status"],
            "success"
        );
    }
}
