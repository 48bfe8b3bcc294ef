//! The KPL aggregated record format (awslabs/amazon-kinesis-producer,
//! `aggregation-format.md`): magic bytes `F3 89 9A C2`, a protobuf `AggregatedRecord`,
//! then the MD5 of the protobuf bytes. KCL, Firehose and the `aws-kinesis-agg`
//! libraries de-aggregate it.

use md5::{Digest, Md5};
use prost::Message;
use prost::encoding::{encode_varint, encoded_len_varint};

/// First bytes of every aggregated record.
pub const MAGIC: [u8; 4] = [0xF3, 0x89, 0x9A, 0xC2];
/// Length of the MD5 trailer.
pub const DIGEST_LEN: usize = 16;

/// `AggregatedRecord` of the KPL's `messages.proto` (proto2).
#[derive(Clone, PartialEq, Message)]
pub struct AggregatedRecord {
    /// Partition keys, referenced by index.
    #[prost(string, repeated, tag = "1")]
    pub partition_key_table: Vec<String>,
    /// Explicit hash keys, referenced by index (unused here).
    #[prost(string, repeated, tag = "2")]
    pub explicit_hash_key_table: Vec<String>,
    /// The user records.
    #[prost(message, repeated, tag = "3")]
    pub records: Vec<Record>,
}

/// `Record` of the KPL's `messages.proto`.
#[derive(Clone, PartialEq, Message)]
pub struct Record {
    /// Index into the partition key table.
    #[prost(uint64, required, tag = "1")]
    pub partition_key_index: u64,
    /// Index into the explicit hash key table.
    #[prost(uint64, optional, tag = "2")]
    pub explicit_hash_key_index: Option<u64>,
    /// The user record's data.
    #[prost(bytes = "vec", required, tag = "3")]
    pub data: Vec<u8>,
    /// Tags (unused here).
    #[prost(message, repeated, tag = "4")]
    pub tags: Vec<Tag>,
}

/// `Tag` of the KPL's `messages.proto`.
#[derive(Clone, PartialEq, Message)]
pub struct Tag {
    /// Key.
    #[prost(string, required, tag = "1")]
    pub key: String,
    /// Value.
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}

/// Builds one aggregated record, tracking its exact encoded size as records are added.
/// Records are written to protobuf as they are added, so each event's data is copied twice
/// at most (into the records, then into the finished record).
#[derive(Debug, Default)]
pub struct Aggregator {
    keys: Vec<String>,
    /// The encoded `records` fields (field 3 of `AggregatedRecord`).
    records: Vec<u8>,
    count: usize,
    protobuf_len: usize,
}

/// Field 1 (`partition_key_table`) and 3 (`records`) of `AggregatedRecord`, and 3 (`data`)
/// of `Record`: length-delimited.
const KEY_TABLE_TAG: u8 = (1 << 3) | 2;
const RECORDS_TAG: u8 = (3 << 3) | 2;
const DATA_TAG: u8 = (3 << 3) | 2;
/// Field 1 (`partition_key_index`) of `Record`: a varint.
const KEY_INDEX_TAG: u8 = 1 << 3;

impl Aggregator {
    /// Size of the aggregated record if `(partition_key, data)` were added.
    pub fn len_with(&self, partition_key: &str, data: &[u8]) -> usize {
        let index = self.key_index(partition_key);
        let mut added = field_len(record_len(index.unwrap_or(self.keys.len() as u64), data));
        if index.is_none() {
            added += field_len(partition_key.len());
        }
        MAGIC.len() + self.protobuf_len + added + DIGEST_LEN
    }

    /// Adds a user record.
    pub fn push(&mut self, partition_key: &str, data: &[u8]) {
        let index = match self.key_index(partition_key) {
            Some(index) => index,
            None => {
                self.keys.push(partition_key.to_owned());
                self.protobuf_len += field_len(partition_key.len());
                self.keys.len() as u64 - 1
            }
        };
        let body = record_len(index, data);
        self.protobuf_len += field_len(body);
        let records = &mut self.records;
        records.push(RECORDS_TAG);
        encode_varint(body as u64, records);
        records.push(KEY_INDEX_TAG);
        encode_varint(index, records);
        records.push(DATA_TAG);
        encode_varint(data.len() as u64, records);
        records.extend_from_slice(data);
        self.count += 1;
    }

    /// Number of user records added.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Encoded size so far.
    pub fn len(&self) -> usize {
        MAGIC.len() + self.protobuf_len + DIGEST_LEN
    }

    /// Whether no record was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The aggregated record's bytes: the magic, the protobuf (the partition key table,
    /// then the records, in field order), its MD5.
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        out.extend_from_slice(&MAGIC);
        for key in &self.keys {
            out.push(KEY_TABLE_TAG);
            encode_varint(key.len() as u64, &mut out);
            out.extend_from_slice(key.as_bytes());
        }
        out.extend_from_slice(&self.records);
        let digest = Md5::digest(&out[MAGIC.len()..]);
        out.extend_from_slice(&digest);
        out
    }

    fn key_index(&self, partition_key: &str) -> Option<u64> {
        // Keys repeat in runs (one invocation's events): look from the end.
        self.keys
            .iter()
            .rposition(|key| key == partition_key)
            .map(|index| index as u64)
    }
}

/// Encoded length of a `Record` message body.
fn record_len(index: u64, data: &[u8]) -> usize {
    1 + encoded_len_varint(index) + field_len(data.len())
}

/// Encoded length of a length-delimited field (tag below 16) of `len` bytes.
fn field_len(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

/// Why a Kinesis record could not be de-aggregated.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The MD5 trailer does not match the protobuf bytes.
    #[error("aggregated record digest mismatch")]
    Digest,
    /// The protobuf bytes are invalid.
    #[error("aggregated record protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// A record points past the partition key table.
    #[error("aggregated record partition key index {0} out of range")]
    KeyIndex(u64),
}

/// De-aggregates a Kinesis record into `(partition_key, data)` user records. Data
/// without the magic bytes is a plain record and comes back whole under `partition_key`.
pub fn decode(partition_key: &str, data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, DecodeError> {
    if data.len() < MAGIC.len() + DIGEST_LEN || data[..MAGIC.len()] != MAGIC {
        return Ok(vec![(partition_key.to_owned(), data.to_vec())]);
    }
    let (protobuf, digest) = data[MAGIC.len()..].split_at(data.len() - MAGIC.len() - DIGEST_LEN);
    if Md5::digest(protobuf).as_slice() != digest {
        return Err(DecodeError::Digest);
    }
    let aggregated = AggregatedRecord::decode(protobuf)?;
    aggregated
        .records
        .into_iter()
        .map(|record| {
            let key = usize::try_from(record.partition_key_index)
                .ok()
                .and_then(|index| aggregated.partition_key_table.get(index))
                .ok_or(DecodeError::KeyIndex(record.partition_key_index))?;
            Ok((key.clone(), record.data))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_with_exact_sizes() {
        let mut aggregator = Aggregator::default();
        let records = [
            ("a", vec![1u8; 3]),
            ("b", vec![2; 200]),
            ("a", vec![]),
            ("c", vec![3; 70_000]),
        ];
        for (key, data) in &records {
            let expected = aggregator.len_with(key, data);
            aggregator.push(key, data);
            assert_eq!(aggregator.len(), expected);
        }
        let len = aggregator.len();
        assert_eq!(aggregator.count(), records.len());
        let bytes = aggregator.finish();
        assert_eq!(bytes.len(), len);
        // The same protobuf prost writes for the same records.
        let expected_protobuf = AggregatedRecord {
            partition_key_table: vec!["a".into(), "b".into(), "c".into()],
            explicit_hash_key_table: Vec::new(),
            records: records
                .iter()
                .map(|(key, data)| Record {
                    partition_key_index: ["a", "b", "c"].iter().position(|k| k == key).unwrap()
                        as u64,
                    explicit_hash_key_index: None,
                    data: data.clone(),
                    tags: Vec::new(),
                })
                .collect(),
        }
        .encode_to_vec();
        assert_eq!(&bytes[4..bytes.len() - DIGEST_LEN], &expected_protobuf[..]);
        assert_eq!(bytes[..4], MAGIC);
        let decoded = decode("outer", &bytes).unwrap();
        let expected: Vec<(String, Vec<u8>)> = records
            .iter()
            .map(|(key, data)| ((*key).to_owned(), data.clone()))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn plain_and_corrupt_records() {
        assert_eq!(
            decode("k", b"{}").unwrap(),
            vec![("k".to_owned(), b"{}".to_vec())]
        );
        let mut aggregator = Aggregator::default();
        aggregator.push("k", b"x");
        let mut bytes = aggregator.finish().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(matches!(decode("k", &bytes), Err(DecodeError::Digest)));
    }
}
