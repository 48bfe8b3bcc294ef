//! Kinesis records back into the extension's events. A record is either one event's JSON
//! (`json` format) or a KPL aggregate of several (`kpl` format); both are recognised on
//! every record, whatever the extension is configured to write, so a stream that changed
//! format mid-way reads whole.

use telemetry_kinesis_contract::kpl;
use telemetry_kinesis_contract::names::request_id_of_key;
pub use telemetry_kinesis_contract::payload::Payload;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One Kinesis record, as GetRecords returned it.
#[derive(Debug, Clone, Copy)]
pub struct KinesisRecord<'a> {
    /// The shard it was read from.
    pub shard_id: &'a str,
    /// Its sequence number.
    pub sequence_number: &'a str,
    /// Its partition key.
    pub partition_key: &'a str,
    /// When Kinesis accepted it.
    pub arrival: Option<OffsetDateTime>,
    /// Its data.
    pub data: &'a [u8],
}

/// Where an event was stored: shard, sequence number and, inside a KPL aggregate, the
/// user record's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The shard.
    pub shard_id: String,
    /// The Kinesis record's sequence number.
    pub sequence_number: String,
    /// The index inside a KPL aggregate, `None` for a plain record.
    pub subsequence: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "shard {} sequence {}",
            self.shard_id, self.sequence_number
        )?;
        if let Some(index) = self.subsequence {
            write!(f, " (aggregated record {index})")?;
        }
        Ok(())
    }
}

/// One event read from the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Where it was stored.
    pub location: Location,
    /// The (user record's) partition key.
    pub partition_key: String,
    /// When Kinesis accepted the record.
    pub arrival: Option<OffsetDateTime>,
    /// The payload exactly as stored.
    pub data: String,
    /// The parsed payload.
    pub payload: Payload,
}

impl StoredEvent {
    /// The event time, when it parses as RFC 3339.
    pub fn event_time(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.payload.time, &Rfc3339).ok()
    }

    /// The invocation this event belongs to: the record's `requestId`, else the partition
    /// key when it names an invocation (the extension keys text logs by the invocation in
    /// progress; its own `init-` and `env-` keys name none).
    pub fn request_id(&self) -> Option<&str> {
        self.payload
            .record_request_id()
            .or_else(|| request_id_of_key(&self.partition_key))
    }
}

/// A record (or an aggregated user record) that is not one of the extension's events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {reason}")]
pub struct Undecodable {
    /// Where it was stored.
    pub location: Location,
    /// Why it does not decode.
    pub reason: String,
}

/// Decodes one Kinesis record into its events, in order; each user record that does not
/// decode is an error of its own, so one bad event does not hide the others.
pub fn decode(record: KinesisRecord<'_>) -> Vec<Result<StoredEvent, Undecodable>> {
    let location = |subsequence| Location {
        shard_id: record.shard_id.to_owned(),
        sequence_number: record.sequence_number.to_owned(),
        subsequence,
    };
    let aggregated = record.data.starts_with(&kpl::MAGIC);
    let user_records = match kpl::decode(record.partition_key, record.data) {
        Ok(user_records) => user_records,
        Err(error) => {
            return vec![Err(Undecodable {
                location: location(None),
                reason: error.to_string(),
            })];
        }
    };
    user_records
        .into_iter()
        .enumerate()
        .map(|(index, (partition_key, data))| {
            let location = location(aggregated.then_some(index));
            let data = String::from_utf8(data).map_err(|_| Undecodable {
                location: location.clone(),
                reason: "not UTF-8 text".to_owned(),
            })?;
            let payload = serde_json::from_str::<Payload>(&data).map_err(|error| Undecodable {
                location: location.clone(),
                reason: format!("not a telemetry event: {error}"),
            })?;
            Ok(StoredEvent {
                location,
                partition_key,
                arrival: record.arrival,
                data,
                payload,
            })
        })
        .collect()
}

/// A stored event for unit tests of the modules that select and check events.
#[cfg(test)]
pub(crate) fn test_event(
    kind: &str,
    function: Option<&str>,
    key: &str,
    record: serde_json::Value,
) -> StoredEvent {
    StoredEvent {
        location: Location {
            shard_id: "s".into(),
            sequence_number: "1".into(),
            subsequence: None,
        },
        partition_key: key.into(),
        arrival: None,
        data: String::new(),
        payload: Payload {
            function_name: function.map(Into::into),
            ..Payload::new("t", kind, record)
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;
    use telemetry_kinesis_contract::kpl::Aggregator;

    fn record<'a>(data: &'a [u8], key: &'a str) -> KinesisRecord<'a> {
        KinesisRecord {
            shard_id: "shardId-000000000001",
            sequence_number: "42",
            partition_key: key,
            arrival: None,
            data,
        }
    }

    fn payload(kind: &str, record: serde_json::Value) -> String {
        json!({"id": "i-1", "time": "2024-05-01T12:00:00.000Z", "type": kind,
               "functionName": "f", "functionVersion": "$LATEST", "region": "r",
               "record": record})
        .to_string()
    }

    #[test]
    fn a_json_record_is_one_event_kept_verbatim() {
        let data = payload("platform.start", json!({"requestId": "r1"}));
        let events = decode(record(data.as_bytes(), "r1"));
        let event = events[0].as_ref().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(event.data, data);
        assert_eq!(event.payload.kind, "platform.start");
        assert_eq!(event.payload.function_name.as_deref(), Some("f"));
        assert_eq!(event.request_id(), Some("r1"));
        assert_eq!(event.location.subsequence, None);
        assert_eq!(
            event.event_time(),
            Some(time::macros::datetime!(2024-05-01 12:00:00 UTC))
        );
    }

    #[test]
    fn a_kpl_record_is_every_user_record_in_order() {
        let first = payload("function", json!("hello\n"));
        let second = payload("platform.report", json!({"requestId": "r2"}));
        let mut aggregator = Aggregator::default();
        aggregator.push("r1", first.as_bytes());
        aggregator.push("r2", second.as_bytes());
        let data = aggregator.finish();
        let events: Vec<StoredEvent> = decode(record(&data, "r1"))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].data, first);
        assert_eq!(events[0].request_id(), Some("r1"));
        assert_eq!(events[0].location.subsequence, Some(0));
        assert_eq!(events[1].data, second);
        assert_eq!(events[1].partition_key, "r2");
        assert_eq!(events[1].location.subsequence, Some(1));
    }

    #[test]
    fn text_logs_before_the_first_invocation_have_no_request_id() {
        let data = payload("function", json!("starting\n"));
        let events = decode(record(data.as_bytes(), "init-abc"));
        assert_eq!(events[0].as_ref().unwrap().request_id(), None);
    }

    #[test]
    fn undecodable_records_name_their_place() {
        let mut aggregator = Aggregator::default();
        aggregator.push("k", b"not json");
        aggregator.push("k", payload("function", json!("ok")).as_bytes());
        aggregator.push("k", &[0xff, 0xfe]);
        let data = aggregator.finish();
        let results = decode(record(&data, "k"));
        assert_eq!(results.len(), 3);
        let error = results[0].as_ref().unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("shard shardId-000000000001 sequence 42 (aggregated record 0): not a telemetry event"),
            "{error}"
        );
        assert!(results[1].is_ok());
        assert_eq!(
            results[2].as_ref().unwrap_err().reason,
            "not UTF-8 text".to_owned()
        );

        let mut corrupt = data.to_vec();
        let middle = corrupt.len() / 2;
        corrupt[middle] ^= 0xff;
        let results = decode(record(&corrupt, "k"));
        assert_eq!(results.len(), 1);
        let error = results[0].as_ref().unwrap_err();
        assert_eq!(error.location.subsequence, None);
        assert!(error.reason.contains("digest"), "{error}");

        let results = decode(record(br#"{"type": "function"}"#, "k"));
        assert!(results[0].as_ref().unwrap_err().reason.contains("time"));
    }
}
