//! Network failures that name their endpoint. The SDK's connection errors say what failed
//! ("tcp connect error: Connection refused") but not where; this interceptor remembers each
//! attempt's endpoint and, when the attempt fails to connect or to get an answer, puts it
//! in the error, keeping the error's kind so the SDK retries exactly as before.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextMut,
};
use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// A connection-level failure at `endpoint`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{endpoint}: {reason}")]
pub struct Unreachable {
    /// `scheme://host[:port]` of the request.
    pub endpoint: String,
    /// The innermost cause, e.g. `Connection refused (os error 111)`.
    pub reason: String,
}

/// The endpoint of the attempt in progress, kept in the operation's config bag.
#[derive(Debug, Clone)]
struct AttemptEndpoint(String);

impl Storable for AttemptEndpoint {
    type Storer = StoreReplace<Self>;
}

/// Puts the endpoint into connection errors (see the module documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct NameEndpoint;

/// `scheme://authority` of a request URI; the URI itself when it does not parse.
fn origin(uri: &str) -> String {
    match uri.parse::<http::Uri>() {
        Ok(parsed) => match (parsed.scheme_str(), parsed.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => uri.to_owned(),
        },
        Err(_) => uri.to_owned(),
    }
}

/// The innermost message of an error chain.
pub(super) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

impl Intercept for NameEndpoint {
    fn name(&self) -> &'static str {
        "NameEndpoint"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state()
            .store_put(AttemptEndpoint(origin(context.request().uri())));
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(AttemptEndpoint(endpoint)) = cfg.load::<AttemptEndpoint>().cloned() else {
            return Ok(());
        };
        if let Some(Err(error)) = context.output_or_error_mut()
            && let Some(connector) = error.as_connector_error()
            && !is_named(connector)
        {
            let named = Box::new(Unreachable {
                endpoint,
                reason: innermost(connector),
            });
            let replaced = if connector.is_timeout() {
                ConnectorError::timeout(named)
            } else if connector.is_io() {
                ConnectorError::io(named)
            } else {
                ConnectorError::other(named, connector.as_other())
            };
            *error = OrchestratorError::connector(replaced);
        }
        Ok(())
    }
}

fn is_named(error: &ConnectorError) -> bool {
    std::error::Error::source(error).is_some_and(|source| source.is::<Unreachable>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin("http://127.0.0.1:1/?Action=DescribeStacks"),
            "http://127.0.0.1:1"
        );
        assert_eq!(
            origin("https://kinesis.eu-west-1.amazonaws.com/"),
            "https://kinesis.eu-west-1.amazonaws.com"
        );
        assert_eq!(origin("not a uri"), "not a uri");
    }

    #[test]
    fn the_innermost_cause_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let connector = ConnectorError::io(Box::new(io));
        assert_eq!(innermost(&connector), "refused");
    }
}
