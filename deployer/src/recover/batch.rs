//! Cutting records into PutRecords calls within the contract's Kinesis limits: at most
//! [`MAX_RECORDS_PER_CALL`] records and [`MAX_BYTES_PER_CALL`] bytes (data and partition
//! keys) per call, and no record over [`MAX_RECORD_BYTES`].

use telemetry_kinesis_contract::limits::{
    MAX_BYTES_PER_CALL, MAX_RECORD_BYTES, MAX_RECORDS_PER_CALL,
};

/// One record to put: its partition key and its data, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The partition key.
    pub partition_key: String,
    /// The data.
    pub data: Vec<u8>,
}

impl Record {
    /// What the record counts against Kinesis's limits.
    pub fn size(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }
}

/// Records in calls, in their order, and the records too large for any call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batches {
    /// One entry per PutRecords call.
    pub calls: Vec<Vec<Record>>,
    /// Records over [`MAX_RECORD_BYTES`].
    pub too_large: Vec<Record>,
}

/// Cuts `records` into calls, keeping their order.
pub fn batches(records: impl IntoIterator<Item = Record>) -> Batches {
    let mut result = Batches::default();
    let mut call: Vec<Record> = Vec::new();
    let mut call_bytes = 0;
    for record in records {
        let size = record.size();
        if size > MAX_RECORD_BYTES {
            result.too_large.push(record);
            continue;
        }
        if call.len() == MAX_RECORDS_PER_CALL || call_bytes + size > MAX_BYTES_PER_CALL {
            result.calls.push(std::mem::take(&mut call));
            call_bytes = 0;
        }
        call_bytes += size;
        call.push(record);
    }
    if !call.is_empty() {
        result.calls.push(call);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, bytes: usize) -> Record {
        Record {
            partition_key: key.to_owned(),
            data: vec![b'x'; bytes],
        }
    }

    #[test]
    fn at_most_500_records_per_call() {
        let result = batches((0..1001).map(|n| record(&n.to_string(), 10)));
        let sizes: Vec<usize> = result.calls.iter().map(Vec::len).collect();
        assert_eq!(sizes, [500, 500, 1]);
        assert_eq!(result.calls[2][0].partition_key, "1000");
    }

    #[test]
    fn at_most_5_mib_per_call_keys_included() {
        // Six records of 1 MiB less one byte, with a one-byte key: five fit in 5 MiB.
        let result = batches((0..6).map(|_| record("k", MAX_RECORD_BYTES - 1)));
        let sizes: Vec<usize> = result.calls.iter().map(Vec::len).collect();
        assert_eq!(sizes, [5, 1]);
        assert!(
            result
                .calls
                .iter()
                .all(|call| call.iter().map(Record::size).sum::<usize>() <= MAX_BYTES_PER_CALL)
        );
    }

    #[test]
    fn a_record_over_the_limit_is_set_aside() {
        let result = batches([
            record("k", 10),
            record("k", MAX_RECORD_BYTES),
            record("k", 20),
        ]);
        assert_eq!(result.too_large.len(), 1);
        assert_eq!(result.calls.len(), 1);
        assert_eq!(result.calls[0].len(), 2);
        assert!(batches([]).calls.is_empty());
    }
}
