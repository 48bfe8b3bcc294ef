//! Counting a PutRecords body without decoding it: each record's decoded size from its
//! base64 length, and the user records of a KPL aggregate by walking the protobuf's field
//! headers through the base64 text (a few bytes per user record are decoded, never the
//! data). Cheap enough for a stand-in that must not be the bottleneck of a throughput
//! benchmark; nothing is checked beyond what Kinesis checks (no MD5 of aggregates).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use telemetry_kinesis_contract::kpl::{DIGEST_LEN, MAGIC};

/// One record of a call, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedRecord {
    /// Decoded data bytes.
    pub data_len: usize,
    /// Partition key bytes.
    pub key_len: usize,
    /// Partition key characters.
    pub key_chars: usize,
    /// User records: those of a KPL aggregate, else 1.
    pub user_records: u64,
}

/// The decoded length of standard base64 `text` (padded); `None` when it cannot be base64.
pub fn decoded_len(text: &[u8]) -> Option<usize> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let padding = text
        .iter()
        .rev()
        .take(2)
        .filter(|&&byte| byte == b'=')
        .count();
    (text.len() / 4 * 3).checked_sub(padding)
}

/// Counts one record whose data is the base64 `text`.
pub fn count_record(text: &[u8], key: &str) -> Option<CountedRecord> {
    let data_len = decoded_len(text)?;
    Some(CountedRecord {
        data_len,
        key_len: key.len(),
        key_chars: key.chars().count(),
        user_records: aggregated_records(
            &mut Base64Bytes {
                text,
                group: usize::MAX,
                decoded: [0; 3],
            },
            data_len,
        )
        .unwrap_or(1),
    })
}

/// The user records of already decoded record data: those of a KPL aggregate, else 1.
pub fn user_records(data: &[u8]) -> u64 {
    aggregated_records(&mut Plain(data), data.len()).unwrap_or(1)
}

/// Bytes read by offset.
trait ByteAt {
    fn byte(&mut self, offset: usize) -> Option<u8>;

    /// A protobuf varint at `offset`; returns it and the offset after it.
    fn varint(&mut self, mut offset: usize) -> Option<(u64, usize)> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte(offset)?;
            offset += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some((value, offset));
            }
        }
        None
    }
}

struct Plain<'a>(&'a [u8]);

impl ByteAt for Plain<'_> {
    fn byte(&mut self, offset: usize) -> Option<u8> {
        self.0.get(offset).copied()
    }
}

/// Random access to the bytes a base64 text decodes to, one 4-character group at a time.
struct Base64Bytes<'a> {
    text: &'a [u8],
    group: usize,
    decoded: [u8; 3],
}

impl ByteAt for Base64Bytes<'_> {
    fn byte(&mut self, offset: usize) -> Option<u8> {
        let group = offset / 3;
        if group != self.group {
            let chars = self.text.get(group * 4..group * 4 + 4)?;
            let mut decoded = [0u8; 3];
            STANDARD.decode_slice(chars, &mut decoded).ok()?;
            self.decoded = decoded;
            self.group = group;
        }
        Some(self.decoded[offset % 3])
    }
}

/// The user records of a KPL aggregate (`records`, field 3, of `AggregatedRecord`), or
/// `None` when the data is not one.
fn aggregated_records(bytes: &mut impl ByteAt, data_len: usize) -> Option<u64> {
    let end = data_len.checked_sub(DIGEST_LEN)?;
    if end < MAGIC.len() {
        return None;
    }
    if (0..MAGIC.len()).any(|index| bytes.byte(index) != Some(MAGIC[index])) {
        return None;
    }
    let mut offset = MAGIC.len();
    let mut records = 0;
    while offset < end {
        let (tag, next) = bytes.varint(offset)?;
        offset = match tag & 7 {
            0 => bytes.varint(next)?.1,
            2 => {
                let (len, start) = bytes.varint(next)?;
                start.checked_add(usize::try_from(len).ok()?)?
            }
            _ => return None,
        };
        if tag >> 3 == 3 {
            records += 1;
        }
    }
    (offset == end).then_some(records)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use telemetry_kinesis_contract::kpl::Aggregator;

    #[test]
    fn sizes_come_from_the_base64_length() {
        for data in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0xff; 1000]] {
            let text = STANDARD.encode(data);
            assert_eq!(decoded_len(text.as_bytes()), Some(data.len()));
            let counted = count_record(text.as_bytes(), "clé").unwrap();
            assert_eq!((counted.data_len, counted.user_records), (data.len(), 1));
            assert_eq!((counted.key_len, counted.key_chars), (4, 3));
        }
        assert_eq!(decoded_len(b"abc"), None);
    }

    #[test]
    fn aggregates_count_their_user_records() {
        for count in [1usize, 2, 3, 130, 1000] {
            let mut aggregator = Aggregator::default();
            for index in 0..count {
                let key = format!("key-{}", index % 7);
                aggregator.push(
                    &key,
                    format!("event {index} {}", "x".repeat(index % 300)).as_bytes(),
                );
            }
            let data = aggregator.finish();
            assert_eq!(user_records(&data), count as u64);
            let text = STANDARD.encode(data);
            let counted = count_record(text.as_bytes(), "key-0").unwrap();
            assert_eq!(counted.user_records, count as u64);
        }
        // Magic bytes followed by something that is not a protobuf: one record.
        let mut bogus = MAGIC.to_vec();
        bogus.extend([0xff; 40]);
        assert_eq!(user_records(&bogus), 1);
        assert_eq!(user_records(b"{}"), 1);
        let text = STANDARD.encode(bogus);
        assert_eq!(count_record(text.as_bytes(), "k").unwrap().user_records, 1);
    }
}
