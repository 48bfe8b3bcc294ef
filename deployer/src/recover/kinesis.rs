//! PutRecords to one stream, named by name or ARN: the I/O behind [`PutRecords`].

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use telemetry_kinesis_contract::stream::StreamTarget;

use super::batch::Record;
use super::send::PutRecords;
use crate::aws::{CallFailure, Cause, stream_parameters};

/// Puts records to one stream.
#[derive(Debug, Clone)]
pub struct KinesisSink {
    /// A client for the stream's region.
    pub client: aws_sdk_kinesis::Client,
    /// The stream.
    pub target: StreamTarget,
}

impl PutRecords for KinesisSink {
    async fn put(&self, records: &[Record]) -> Result<Vec<Option<String>>, CallFailure> {
        let entries = records
            .iter()
            .map(|record| {
                PutRecordsRequestEntry::builder()
                    .partition_key(&record.partition_key)
                    .data(Blob::new(record.data.clone()))
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| CallFailure {
                service: "Kinesis",
                operation: "PutRecords",
                cause: Cause::Other(error.to_string()),
            })?;
        let (name, arn) = stream_parameters(&self.target);
        let output = self
            .client
            .put_records()
            .set_stream_name(name)
            .set_stream_arn(arn)
            .set_records(Some(entries))
            .send()
            .await
            .map_err(|error| CallFailure::from_sdk("Kinesis", "PutRecords", &error))?;
        Ok(output
            .records()
            .iter()
            .map(|entry| entry.error_code().map(str::to_owned))
            .collect())
    }
}
