//! What can stop a read of the stream. A record that does not decode is not among them:
//! it is reported and skipped ([`super::event::Undecodable`]).

use aws_sdk_kinesis::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;

/// Why reading the stream failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The stream does not exist (in this account and region).
    #[error("stream `{stream}` does not exist")]
    StreamNotFound {
        /// The stream name.
        stream: String,
    },
    /// The credentials may not read the stream.
    #[error("access denied: {operation} on stream `{stream}`: {message}")]
    AccessDenied {
        /// The Kinesis operation.
        operation: &'static str,
        /// The stream name.
        stream: String,
        /// The service's message.
        message: String,
    },
    /// Any other failed call.
    #[error("{operation} on stream `{stream}` failed: {message}")]
    Api {
        /// The Kinesis operation.
        operation: &'static str,
        /// The stream name.
        stream: String,
        /// The error chain.
        message: String,
    },
    /// A shard reader task panicked or was cancelled.
    #[error("a shard reader stopped unexpectedly: {0}")]
    Task(String),
}

/// How the reader reacts to a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Iterator older than five minutes: get a new one at the same place.
    ExpiredIterator,
    /// Too many calls or bytes for the shard (or KMS): wait and retry.
    Throttled,
    /// Anything else: the read fails.
    Fatal,
}

/// Classifies an error code.
pub fn kind_of_code(code: Option<&str>) -> ErrorKind {
    match code {
        Some("ExpiredIteratorException") => ErrorKind::ExpiredIterator,
        Some(
            "ProvisionedThroughputExceededException"
            | "LimitExceededException"
            | "KMSThrottlingException"
            | "ThrottlingException",
        ) => ErrorKind::Throttled,
        _ => ErrorKind::Fatal,
    }
}

/// Classifies an SDK error.
pub fn kind_of<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> ErrorKind {
    kind_of_code(error.code())
}

impl ReadError {
    /// The error for a fatal failure of `operation` on `stream`.
    pub fn from_sdk<E, R>(operation: &'static str, stream: &str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let stream = stream.to_owned();
        match error.code() {
            Some("ResourceNotFoundException") => Self::StreamNotFound { stream },
            Some("AccessDeniedException" | "AccessDenied" | "UnrecognizedClientException") => {
                Self::AccessDenied {
                    operation,
                    stream,
                    message: error.message().unwrap_or_default().to_owned(),
                }
            }
            _ => Self::Api {
                operation,
                stream,
                message: DisplayErrorContext(&error).to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(
            kind_of_code(Some("ExpiredIteratorException")),
            ErrorKind::ExpiredIterator
        );
        for code in [
            "ProvisionedThroughputExceededException",
            "LimitExceededException",
            "KMSThrottlingException",
        ] {
            assert_eq!(kind_of_code(Some(code)), ErrorKind::Throttled, "{code}");
        }
        assert_eq!(
            kind_of_code(Some("ResourceNotFoundException")),
            ErrorKind::Fatal
        );
        assert_eq!(kind_of_code(None), ErrorKind::Fatal);
    }
}
