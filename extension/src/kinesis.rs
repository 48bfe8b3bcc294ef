//! The Kinesis side of dispatch: one PutRecords call through aws-sdk-kinesis, with the
//! standard credential chain, region and `AWS_ENDPOINT_URL(_KINESIS)`.
//!
//! The request body is written straight from the buffered events (see `request_body.rs`)
//! and put in place by an interceptor before signing: the SDK still resolves the endpoint,
//! signs (SigV4 over that body), sends and parses the answer, but no event is copied into
//! the SDK's own request types first.

use std::future::Future;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::sync::{Mutex, PoisonError};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;

use telemetry_kinesis_contract::stream::StreamTarget;

use crate::error_chain::error_chain;

/// Bound on connecting to Kinesis (TCP and TLS), on a CPU-starved small function too.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A whole PutRecords call failed (network, throttling of the call, 5xx, timeout).
#[derive(Debug, thiserror::Error)]
#[error("PutRecords failed: {0}")]
pub struct PutError(pub String);

/// Where records go: Kinesis, or a stand-in in unit tests.
pub trait Sink {
    /// The stream the calls write to.
    fn stream(&self) -> &StreamTarget;

    /// Sends one call (its request body, holding `records` records); on success, whether
    /// each record was accepted, in order.
    fn put_records(
        &self,
        body: Bytes,
        records: usize,
    ) -> impl Future<Output = Result<Vec<bool>, PutError>> + Send;

    /// Prepares what the first call needs (credentials, TLS roots, a connection), so that
    /// it costs the first invocation nothing. The default does nothing.
    fn warm_up(&self) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }
}

/// PutRecords to a Kinesis stream.
#[derive(Debug, Clone)]
pub struct KinesisSink {
    client: aws_sdk_kinesis::Client,
    stream: StreamTarget,
}

impl KinesisSink {
    /// Loads the AWS configuration from the environment. Retries are ours (only the
    /// failed entries are retried), so the SDK's are disabled. The dispatcher bounds every
    /// attempt with its adaptive timeout; the SDK's timeouts are only a backstop.
    pub async fn from_env(stream: StreamTarget) -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(crate::attempt::MAX)
                    .operation_timeout(crate::attempt::MAX)
                    .build(),
            )
            .load()
            .await;
        Self {
            client: aws_sdk_kinesis::Client::new(&config),
            stream,
        }
    }
}

impl Sink for KinesisSink {
    /// A PutRecords call without records: Kinesis refuses it without storing or billing
    /// anything, and the call has loaded the credentials and the TLS roots and left an
    /// open connection in the pool.
    async fn warm_up(&self) {
        let request = match &self.stream {
            StreamTarget::Name(name) => self.client.put_records().stream_name(name),
            StreamTarget::Arn { arn, .. } => self.client.put_records().stream_arn(arn),
        };
        let result = request.set_records(Some(Vec::new())).send().await;
        let code = result
            .as_ref()
            .err()
            .and_then(|error| error.as_service_error())
            .and_then(|error| aws_sdk_kinesis::error::ProvideErrorMetadata::code(error));
        match warm_up_verdict(code, &self.stream) {
            Some(problem) => tracing::warn!("{problem}"),
            None => tracing::debug!(code, "Kinesis connection prepared"),
        }
    }

    fn stream(&self) -> &StreamTarget {
        &self.stream
    }

    async fn put_records(&self, body: Bytes, records: usize) -> Result<Vec<bool>, PutError> {
        // A stream ARN goes as `StreamARN`: the only way to name another account's stream.
        let request = match &self.stream {
            StreamTarget::Name(name) => self.client.put_records().stream_name(name),
            StreamTarget::Arn { arn, .. } => self.client.put_records().stream_arn(arn),
        };
        let output = request
            .set_records(Some(Vec::new()))
            .customize()
            .interceptor(RecordsBody(Mutex::new(Some(body))))
            .send()
            .await
            .map_err(|error| PutError(error_chain(&error)))?;
        let results = output.records();
        if results.len() != records {
            return Err(PutError(format!(
                "{} results for {records} records",
                results.len()
            )));
        }
        Ok(results
            .iter()
            .map(|result| result.error_code().is_none())
            .collect())
    }
}

/// What the answer to the preparing call says about the configuration: Kinesis refuses a
/// call without records as invalid; if it answers instead that the call is denied or the
/// stream missing, that is worth saying at once, before any event waits on it.
fn warm_up_verdict(code: Option<&str>, stream: &StreamTarget) -> Option<String> {
    match code? {
        "AccessDeniedException" => Some(format!(
            "PutRecords to {stream} is denied: attach the stack's write policy (WritePolicyArn) \
             to the function's role; events are kept and retried meanwhile"
        )),
        "ResourceNotFoundException" => Some(format!(
            "the Kinesis stream {stream} does not exist in this account and region; events are \
             kept and retried meanwhile"
        )),
        _ => None,
    }
}

/// Puts the request body written from the buffered events in place of the SDK's (which
/// holds no records), before the request is signed. One attempt per call: the SDK's
/// retries are off.
#[derive(Debug)]
struct RecordsBody(Mutex<Option<Bytes>>);

impl Intercept for RecordsBody {
    fn name(&self) -> &'static str {
        "RecordsBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .ok_or("the PutRecords body was already used")?;
        let request = context.request_mut();
        request
            .headers_mut()
            .insert("Content-Length", body.len().to_string());
        *request.body_mut() = SdkBody::from(body);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preparing_call_reports_a_denied_or_missing_stream() {
        let stream = StreamTarget::Name("s".into());
        assert_eq!(warm_up_verdict(Some("ValidationException"), &stream), None);
        assert_eq!(warm_up_verdict(None, &stream), None);
        let denied = warm_up_verdict(Some("AccessDeniedException"), &stream).unwrap_or_default();
        assert!(denied.contains("write policy"), "{denied}");
        let missing =
            warm_up_verdict(Some("ResourceNotFoundException"), &stream).unwrap_or_default();
        assert!(missing.contains("does not exist"), "{missing}");
    }
}
