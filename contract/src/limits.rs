//! Kinesis limits (PutRecords and records), as the Kinesis API reference states them.

/// Records per PutRecords call.
pub const MAX_RECORDS_PER_CALL: usize = 500;
/// Bytes per PutRecords call, data and partition keys included.
pub const MAX_BYTES_PER_CALL: usize = 5 * 1024 * 1024;
/// Bytes per record, data and partition key included.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// Longest partition key, in Unicode characters (at least 1).
pub const MAX_PARTITION_KEY_CHARS: usize = 256;
/// Largest event payload the extension writes: a record's 1 MiB less room for the partition
/// key and the KPL envelope of a single event. Larger events are truncated (see
/// [`crate::payload`]).
pub const MAX_PAYLOAD_BYTES: usize = MAX_RECORD_BYTES - 4096;
/// Longest stream name.
pub const MAX_STREAM_NAME_CHARS: usize = 128;
/// One PUT payload unit: Kinesis bills PutRecords per 25 KB of each record, rounded up.
pub const PUT_PAYLOAD_UNIT_BYTES: usize = 25 * 1024;

/// PUT payload units one record of `bytes` costs.
pub fn put_payload_units(bytes: usize) -> usize {
    bytes.div_ceil(PUT_PAYLOAD_UNIT_BYTES).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_up_per_record() {
        assert_eq!(put_payload_units(0), 1);
        assert_eq!(put_payload_units(1), 1);
        assert_eq!(put_payload_units(25 * 1024), 1);
        assert_eq!(put_payload_units(25 * 1024 + 1), 2);
        assert_eq!(put_payload_units(200 * 1024), 8);
    }
}
