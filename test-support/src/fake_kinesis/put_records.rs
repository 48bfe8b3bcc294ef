//! The PutRecords wire format (JSON 1.1, base64 `Data`) and Kinesis's validation of it,
//! as pure functions.

use std::borrow::Cow;
use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use telemetry_kinesis_contract::limits::{
    MAX_BYTES_PER_CALL, MAX_PARTITION_KEY_CHARS, MAX_RECORD_BYTES, MAX_RECORDS_PER_CALL,
};

use super::behaviour::EntryError;
use super::counting::{CountedRecord, count_record};

/// A valid PutRecords request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `StreamName`, or `StreamARN` when the call names the stream by ARN.
    pub stream: String,
    /// Partition key and decoded data of each entry, in order.
    pub entries: Vec<(String, Vec<u8>)>,
}

/// Why Kinesis would reject the whole call: HTTP 400 with this `__type` and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The error type.
    pub kind: &'static str,
    /// The message.
    pub message: &'static str,
}

fn reject(kind: &'static str, message: &'static str) -> Rejection {
    Rejection { kind, message }
}

/// The request as sent, borrowed from the body (fast enough not to be the bottleneck of a
/// throughput benchmark).
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "StreamName", borrow, default)]
    stream_name: Option<Cow<'a, str>>,
    #[serde(rename = "StreamARN", borrow, default)]
    stream_arn: Option<Cow<'a, str>>,
    #[serde(rename = "Records", borrow)]
    records: Option<Vec<WireRecord<'a>>>,
}

#[derive(Deserialize)]
struct WireRecord<'a> {
    #[serde(rename = "Data", borrow, default)]
    data: Cow<'a, str>,
    #[serde(rename = "PartitionKey", borrow, default)]
    partition_key: Cow<'a, str>,
}

/// Parses and validates a request body within the Kinesis limits.
pub fn parse(body: &[u8]) -> Result<Request, Rejection> {
    let (stream, records) = wire(body)?;
    let mut entries = Vec::with_capacity(records.len());
    let mut total = 0;
    for record in records {
        let key = record.partition_key.into_owned();
        let data = STANDARD
            .decode(record.data.as_bytes())
            .map_err(|_| reject("SerializationException", "Data is not base64"))?;
        total += check_record(key.len(), key.chars().count(), data.len())?;
        entries.push((key, data));
    }
    check_total(total)?;
    Ok(Request { stream, entries })
}

/// Validates a request body as [`parse`] does, but only counts its records (sizes from
/// the base64 lengths, KPL user records by their headers): nothing is decoded or kept.
pub fn count(body: &[u8]) -> Result<Vec<CountedRecord>, Rejection> {
    let (_, records) = wire(body)?;
    let mut counted = Vec::with_capacity(records.len());
    let mut total = 0;
    for record in records {
        let entry = count_record(record.data.as_bytes(), &record.partition_key)
            .ok_or_else(|| reject("SerializationException", "Data is not base64"))?;
        total += check_record(entry.key_len, entry.key_chars, entry.data_len)?;
        counted.push(entry);
    }
    check_total(total)?;
    Ok(counted)
}

/// The stream and the records of a body holding 1 to 500 of them.
fn wire(body: &[u8]) -> Result<(String, Vec<WireRecord<'_>>), Rejection> {
    let request: Wire<'_> = serde_json::from_slice(body)
        .map_err(|_| reject("SerializationException", "invalid JSON"))?;
    let stream = request
        .stream_name
        .or(request.stream_arn)
        .unwrap_or_default()
        .into_owned();
    let Some(records) = request.records else {
        return Err(reject("ValidationException", "no Records"));
    };
    if records.is_empty() || records.len() > MAX_RECORDS_PER_CALL {
        return Err(reject(
            "ValidationException",
            "Records must hold 1 to 500 entries",
        ));
    }
    Ok((stream, records))
}

/// Checks one record's key and size; returns the bytes it counts for in the call.
fn check_record(key_len: usize, key_chars: usize, data_len: usize) -> Result<usize, Rejection> {
    if key_len == 0 || key_chars > MAX_PARTITION_KEY_CHARS || data_len + key_len > MAX_RECORD_BYTES
    {
        return Err(reject("ValidationException", "record too large or bad key"));
    }
    Ok(data_len + key_len)
}

fn check_total(total: usize) -> Result<(), Rejection> {
    if total > MAX_BYTES_PER_CALL {
        return Err(reject("InvalidArgumentException", "request over 5 MiB"));
    }
    Ok(())
}

/// The answer's body: per entry, a sequence number or the error it failed with.
pub fn answer(results: &[Result<u64, EntryError>]) -> String {
    let failed = results.iter().filter(|result| result.is_err()).count();
    let mut body = String::with_capacity(32 + results.len() * 112);
    let _ = write!(body, "{{\"FailedRecordCount\":{failed},\"Records\":[");
    for (index, result) in results.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        let _ = match result {
            Ok(sequence) => write!(
                body,
                "{{\"SequenceNumber\":\"{sequence:056}\",\"ShardId\":\"shardId-000000000000\"}}"
            ),
            Err(error) => write!(
                body,
                "{{\"ErrorCode\":\"{}\",\"ErrorMessage\":\"injected by the fake\"}}",
                error.code()
            ),
        };
    }
    body.push_str("]}");
    body
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::{Value, json};

    fn body(entries: usize, data_bytes: usize) -> Vec<u8> {
        let data = STANDARD.encode(vec![b'x'; data_bytes]);
        let records: Vec<Value> = (0..entries)
            .map(|_| json!({"PartitionKey": "k", "Data": data}))
            .collect();
        json!({"StreamARN": "arn:aws:kinesis:us-east-1:123456789012:stream/s", "Records": records})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn limits_are_enforced() {
        let request = parse(&body(500, 10)).unwrap();
        assert_eq!(request.entries.len(), 500);
        assert!(request.stream.ends_with("stream/s"));
        assert_eq!(
            parse(&body(501, 1)).unwrap_err().kind,
            "ValidationException"
        );
        assert_eq!(parse(&body(0, 1)).unwrap_err().kind, "ValidationException");
        assert_eq!(
            parse(&body(6, 1024 * 1024 - 1)).unwrap_err().kind,
            "InvalidArgumentException"
        );
        assert_eq!(
            parse(&body(1, 1024 * 1024)).unwrap_err().kind,
            "ValidationException"
        );
        assert_eq!(parse(b"{").unwrap_err().kind, "SerializationException");
        for (entries, bytes) in [(500, 10), (501, 1), (0, 1), (6, 1024 * 1024 - 1)] {
            let body = body(entries, bytes);
            assert_eq!(
                count(&body).map(|counted| counted.len()),
                parse(&body).map(|request| request.entries.len())
            );
        }
    }

    #[test]
    fn answers_count_failures() {
        let value: Value =
            serde_json::from_str(&answer(&[Ok(1), Err(EntryError::Throttled), Ok(2)])).unwrap();
        assert_eq!(value["FailedRecordCount"], 1);
        assert_eq!(
            value["Records"][1]["ErrorCode"],
            "ProvisionedThroughputExceededException"
        );
        assert!(
            value["Records"][2]["SequenceNumber"]
                .as_str()
                .unwrap()
                .ends_with('2')
        );
    }
}
