//! What can stop a read of the stream. A record that does not decode is not among them:
//! it is reported and skipped ([`super::event::Undecodable`]).

use aws_sdk_kinesis::error::{ProvideErrorMetadata, SdkError};
use miette::miette;

use crate::aws::CallFailure;

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
    #[error("access denied reading stream `{stream}`: {failure}")]
    AccessDenied {
        /// The stream name.
        stream: String,
        /// The failed call.
        failure: CallFailure,
    },
    /// Any other failed call.
    #[error("cannot read stream `{stream}`: {failure}")]
    Api {
        /// The stream name.
        stream: String,
        /// The failed call.
        failure: CallFailure,
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
    pub fn from_sdk<E, R>(operation: &'static str, stream: &str, error: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let stream = stream.to_owned();
        let failure = CallFailure::from_sdk("Kinesis", operation, error);
        match failure.error_code() {
            Some("ResourceNotFoundException") => Self::StreamNotFound { stream },
            Some("AccessDeniedException" | "AccessDenied" | "UnrecognizedClientException") => {
                Self::AccessDenied { stream, failure }
            }
            _ => Self::Api { stream, failure },
        }
    }
}

/// The report for a failed read, with what to do about it.
pub fn read_error_report(error: ReadError, stream: &str) -> miette::Report {
    let help = match &error {
        ReadError::StreamNotFound { .. } => format!(
            "check the stream name `{stream}` and the region; `deployer up` creates the stream"
        ),
        ReadError::AccessDenied { .. } => "the credentials need kinesis:DescribeStreamSummary, \
             kinesis:ListShards, kinesis:GetShardIterator and kinesis:GetRecords on the stream"
            .to_owned(),
        ReadError::Api { failure, .. } if failure.is_network() => {
            "check the network and the endpoint (--endpoint-url, AWS_ENDPOINT_URL, \
             AWS_ENDPOINT_URL_KINESIS); RUST_LOG=debug shows the whole error chain"
                .to_owned()
        }
        ReadError::Api { .. } | ReadError::Task(_) => {
            "check the credentials and the region; RUST_LOG=debug shows the whole error chain"
                .to_owned()
        }
    };
    miette!(help = help, "{error}")
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
