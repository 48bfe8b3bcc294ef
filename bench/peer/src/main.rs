//! The benchmark's peer: a minimal extension that forwards Telemetry API events to a
//! Kinesis stream the way the `lambda-extension` crate's examples forward logs
//! (`extension-telemetry-basic` for the telemetry processor, `extension-logs-kinesis-firehose`
//! for the SDK call): the crate registers, subscribes and serves the telemetry listener;
//! each batch becomes PutRecords calls of at most 500 records, one record per event (the
//! event as JSON), the partition key the event's `requestId` where it has one. Errors are
//! returned to the crate, which prints them and answers 200; no retries beyond the SDK's
//! defaults.
//!
//! Settings (the benchmark's, not Lambda's): `PEER_STREAM_NAME` (required) and
//! `PEER_TELEMETRY_PORT` (default: the crate's, 9003). Kinesis is reached with the SDK
//! defaults (`AWS_REGION`, `AWS_ENDPOINT_URL_KINESIS`, the credential chain).

use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use lambda_extension::{
    Error, Extension, LambdaTelemetry, LambdaTelemetryRecord, Service, SharedService,
};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// The stream the records go to.
const STREAM_VARIABLE: &str = "PEER_STREAM_NAME";
/// The telemetry listener's port.
const PORT_VARIABLE: &str = "PEER_TELEMETRY_PORT";
/// The crate's default telemetry port.
const DEFAULT_PORT: u16 = 9003;
/// Partition key of events without a `requestId`.
const DEFAULT_PARTITION_KEY: &str = "telemetry";
/// Kinesis accepts at most 500 records per PutRecords call.
const MAX_RECORDS_PER_CALL: usize = 500;

#[derive(Clone)]
struct KinesisTelemetryProcessor {
    client: Client,
    stream: String,
}

/// The event's invocation, where its record names one.
fn partition_key(record: &LambdaTelemetryRecord) -> &str {
    match record {
        LambdaTelemetryRecord::PlatformStart { request_id, .. }
        | LambdaTelemetryRecord::PlatformRuntimeDone { request_id, .. }
        | LambdaTelemetryRecord::PlatformReport { request_id, .. } => request_id,
        _ => DEFAULT_PARTITION_KEY,
    }
}

impl Service<Vec<LambdaTelemetry>> for KinesisTelemetryProcessor {
    type Response = ();
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut core::task::Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, events: Vec<LambdaTelemetry>) -> Self::Future {
        let mut records = Vec::with_capacity(events.len());
        for event in &events {
            let built = serde_json::to_vec(event)
                .map_err(Error::from)
                .and_then(|data| {
                    PutRecordsRequestEntry::builder()
                        .data(Blob::new(data))
                        .partition_key(partition_key(&event.record))
                        .build()
                        .map_err(Error::from)
                });
            match built {
                Ok(record) => records.push(record),
                Err(error) => return Box::pin(async move { Err(error) }),
            }
        }
        let client = self.client.clone();
        let stream = self.stream.clone();
        Box::pin(async move {
            for chunk in records.chunks(MAX_RECORDS_PER_CALL) {
                client
                    .put_records()
                    .stream_name(&stream)
                    .set_records(Some(chunk.to_vec()))
                    .send()
                    .await?;
            }
            Ok(())
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Required to enable CloudWatch error logging by the runtime (as the crate's examples).
    lambda_extension::tracing::init_default_subscriber();

    let stream =
        std::env::var(STREAM_VARIABLE).map_err(|_| format!("{STREAM_VARIABLE} is not set"))?;
    let port = match std::env::var(PORT_VARIABLE) {
        Ok(port) => port.parse()?,
        Err(_) => DEFAULT_PORT,
    };
    let config = aws_config::load_from_env().await;
    let processor = SharedService::new(KinesisTelemetryProcessor {
        client: Client::new(&config),
        stream,
    });

    Extension::new()
        .with_telemetry_processor(processor)
        .with_telemetry_port_number(port)
        .run()
        .await?;

    Ok(())
}
