//! A failed AWS call in one line: the service, the operation and what went wrong, with the
//! endpoint when the network is at fault. The SDK's whole error chain (up to eight levels
//! of connector, dispatch and I/O errors) goes to the debug log (`RUST_LOG=debug`), not to
//! the person reading the error.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::interceptor::{Unreachable, innermost};

/// What went wrong with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// No connection: refused, reset, unknown host.
    Unreachable {
        /// `scheme://host[:port]`, when known.
        endpoint: Option<String>,
        /// The innermost cause.
        reason: String,
    },
    /// Connected, but no answer in time.
    NoAnswer {
        /// `scheme://host[:port]`, when known.
        endpoint: Option<String>,
        /// The innermost cause.
        reason: String,
    },
    /// The service answered with an error.
    Service {
        /// The error code (`ResourceNotFoundException`, ...).
        code: Option<String>,
        /// The service's message.
        message: String,
    },
    /// Anything else (a request that could not be built, an answer that did not parse).
    Other(String),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreachable {
                endpoint: Some(endpoint),
                reason,
            } => write!(f, "cannot reach {endpoint}: {reason}"),
            Self::Unreachable {
                endpoint: None,
                reason,
            } => write!(f, "cannot connect: {reason}"),
            Self::NoAnswer {
                endpoint: Some(endpoint),
                reason,
            } => write!(f, "no answer from {endpoint} in time: {reason}"),
            Self::NoAnswer {
                endpoint: None,
                reason,
            } => write!(f, "no answer in time: {reason}"),
            Self::Service {
                code: Some(code),
                message,
            } if !message.is_empty() => write!(f, "{code}: {message}"),
            Self::Service {
                code: Some(code), ..
            } => f.write_str(code),
            Self::Service {
                code: None,
                message,
            } => f.write_str(message),
            Self::Other(message) => f.write_str(message),
        }
    }
}

/// One failed call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{service} {operation} failed: {cause}")]
pub struct CallFailure {
    /// The service, as people name it (`CloudFormation`, `Kinesis`).
    pub service: &'static str,
    /// The API operation.
    pub operation: &'static str,
    /// What went wrong.
    pub cause: Cause,
}

impl miette::Diagnostic for CallFailure {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.is_network().then(|| {
            Box::new(
                "check the network and the endpoint (--endpoint-url, AWS_ENDPOINT_URL, \
                 AWS_ENDPOINT_URL_<SERVICE>); RUST_LOG=debug shows the whole error chain",
            ) as Box<dyn fmt::Display>
        })
    }
}

impl CallFailure {
    /// Describes `error`, the failure of `service`'s `operation`, and logs its whole chain
    /// at debug level.
    pub fn from_sdk<E, R>(
        service: &'static str,
        operation: &'static str,
        error: &SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        tracing::debug!(
            service,
            operation,
            error = %DisplayErrorContext(error),
            "AWS call failed"
        );
        let cause = match error {
            SdkError::DispatchFailure(failure) => {
                let named = find::<Unreachable>(error);
                let endpoint = named.map(|named| named.endpoint.clone());
                let reason = named.map_or_else(|| innermost(error), |named| named.reason.clone());
                if failure.is_timeout() {
                    Cause::NoAnswer { endpoint, reason }
                } else {
                    Cause::Unreachable { endpoint, reason }
                }
            }
            SdkError::TimeoutError(_) => Cause::NoAnswer {
                endpoint: None,
                reason: innermost(error),
            },
            SdkError::ServiceError(_) => Cause::Service {
                code: error.code().map(str::to_owned),
                message: error.message().unwrap_or_default().to_owned(),
            },
            _ => Cause::Other(innermost(error)),
        };
        Self {
            service,
            operation,
            cause,
        }
    }

    /// The service's error code, when the service answered with an error.
    pub fn error_code(&self) -> Option<&str> {
        match &self.cause {
            Cause::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether the network is at fault (no connection, or no answer).
    pub fn is_network(&self) -> bool {
        matches!(
            self.cause,
            Cause::Unreachable { .. } | Cause::NoAnswer { .. }
        )
    }
}

/// The first error of type `T` in `error`'s chain.
fn find<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::error::ErrorMetadata;

    type Error = SdkError<ErrorMetadata, ()>;

    fn dispatch(connector: ConnectorError) -> Error {
        SdkError::dispatch_failure(connector)
    }

    #[test]
    fn a_refused_connection_names_its_endpoint_in_one_line() {
        let named = Unreachable {
            endpoint: "http://127.0.0.1:1".to_owned(),
            reason: "Connection refused (os error 111)".to_owned(),
        };
        let failure = CallFailure::from_sdk(
            "CloudFormation",
            "DescribeStacks",
            &dispatch(ConnectorError::io(Box::new(named))),
        );
        assert_eq!(
            failure.to_string(),
            "CloudFormation DescribeStacks failed: cannot reach http://127.0.0.1:1: \
             Connection refused (os error 111)"
        );
        assert!(failure.is_network());
        assert!(miette::Diagnostic::help(&failure).is_some());
    }

    #[test]
    fn timeouts_and_unnamed_failures() {
        let io = std::io::Error::other("deadline");
        let failure = CallFailure::from_sdk(
            "Lambda",
            "Invoke",
            &dispatch(ConnectorError::timeout(Box::new(io))),
        );
        assert_eq!(
            failure.to_string(),
            "Lambda Invoke failed: no answer in time: deadline"
        );
    }

    #[test]
    fn service_errors_keep_code_and_message() {
        let metadata = ErrorMetadata::builder()
            .code("ResourceNotFoundException")
            .message("Stream s not found")
            .build();
        let error: Error = SdkError::service_error(metadata, ());
        let failure = CallFailure::from_sdk("Kinesis", "ListShards", &error);
        assert_eq!(
            failure.to_string(),
            "Kinesis ListShards failed: ResourceNotFoundException: Stream s not found"
        );
        assert_eq!(failure.error_code(), Some("ResourceNotFoundException"));
        assert!(!failure.is_network());
        assert!(miette::Diagnostic::help(&failure).is_none());
    }
}
