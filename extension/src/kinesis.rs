//! The Kinesis side of dispatch: one PutRecords call through aws-sdk-kinesis, with the
//! standard credential chain, region and `AWS_ENDPOINT_URL(_KINESIS)`.

use std::future::Future;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;

use telemetry_kinesis_contract::stream::StreamTarget;

use crate::batcher::Entry;
use crate::error_chain::error_chain;

/// Bound on connecting to Kinesis (TCP and TLS), on a CPU-starved small function too.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A whole PutRecords call failed (network, throttling of the call, 5xx, timeout).
#[derive(Debug, thiserror::Error)]
#[error("PutRecords failed: {0}")]
pub struct PutError(pub String);

/// Where records go: Kinesis, or a stand-in in unit tests.
pub trait Sink {
    /// Sends one call; on success, whether each entry was accepted, in order.
    fn put_records(
        &self,
        entries: &[Entry],
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
        let reached = result
            .as_ref()
            .map_or_else(|error| error.raw_response().is_some(), |_| true);
        tracing::debug!(reached, "Kinesis connection prepared");
    }

    async fn put_records(&self, entries: &[Entry]) -> Result<Vec<bool>, PutError> {
        let records = entries
            .iter()
            .map(|entry| {
                PutRecordsRequestEntry::builder()
                    .partition_key(&*entry.partition_key)
                    .data(Blob::new(entry.data.to_vec()))
                    .build()
                    .map_err(|error| PutError(error.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A stream ARN goes as `StreamARN`: the only way to name another account's stream.
        let request = match &self.stream {
            StreamTarget::Name(name) => self.client.put_records().stream_name(name),
            StreamTarget::Arn { arn, .. } => self.client.put_records().stream_arn(arn),
        };
        let output = request
            .set_records(Some(records))
            .send()
            .await
            .map_err(|error| PutError(error_chain(&error)))?;
        let results = output.records();
        if results.len() != entries.len() {
            return Err(PutError(format!(
                "{} results for {} records",
                results.len(),
                entries.len()
            )));
        }
        Ok(results
            .iter()
            .map(|result| result.error_code().is_none())
            .collect())
    }
}
