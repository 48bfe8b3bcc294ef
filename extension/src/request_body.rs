//! The PutRecords request body, written straight from the buffered events: the JSON 1.1
//! document the SDK would serialize (`{"Records":[{"Data":…,"PartitionKey":…}],"StreamName":…}`),
//! with each record's data base64-encoded (SIMD, the encoder the SDK itself links) into one
//! buffer, and no intermediate copies.

use base64_simd::STANDARD;
use telemetry_kinesis_contract::stream::StreamTarget;

use crate::batcher::Entry;

/// The body of one PutRecords call.
pub fn put_records(stream: &StreamTarget, entries: &[Entry<'_>]) -> Vec<u8> {
    let capacity = entries
        .iter()
        .map(|entry| {
            STANDARD.encoded_length(entry.data.len())
                + entry.partition_key.len()
                + r#"{"Data":"","PartitionKey":""},"#.len()
        })
        .sum::<usize>()
        + stream.as_str().len()
        + r#"{"Records":[],"StreamName":""}"#.len();
    let mut body = Vec::with_capacity(capacity);
    body.extend_from_slice(b"{\"Records\":[");
    for (index, entry) in entries.iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        body.extend_from_slice(b"{\"Data\":\"");
        STANDARD.encode_append(&entry.data, &mut body);
        body.extend_from_slice(b"\",\"PartitionKey\":");
        write_str(&mut body, entry.partition_key);
        body.push(b'}');
    }
    body.extend_from_slice(b"],");
    match stream {
        StreamTarget::Name(name) => {
            body.extend_from_slice(b"\"StreamName\":");
            write_str(&mut body, name);
        }
        StreamTarget::Arn { arn, .. } => {
            body.extend_from_slice(b"\"StreamARN\":");
            write_str(&mut body, arn);
        }
    }
    body.push(b'}');
    body
}

fn write_str(out: &mut Vec<u8>, text: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as REFERENCE;
    use serde_json::{Value, json};
    use std::borrow::Cow;

    fn entry<'a>(key: &'a str, data: &'a [u8]) -> Entry<'a> {
        Entry {
            partition_key: key,
            data: Cow::Borrowed(data),
            events: 0..1,
        }
    }

    #[test]
    fn the_body_is_the_put_records_document() {
        let entries = [entry("r-1", b"{\"a\":1}"), entry("k\"2", &[0, 255, 7])];
        let body = put_records(&StreamTarget::Name("s".into()), &entries);
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            value,
            json!({"Records": [
                {"Data": REFERENCE.encode(b"{\"a\":1}"), "PartitionKey": "r-1"},
                {"Data": REFERENCE.encode([0, 255, 7]), "PartitionKey": "k\"2"},
            ], "StreamName": "s"})
        );
        let arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/s";
        let body = put_records(&arn.parse().unwrap(), &entries[..1]);
        let value: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["StreamARN"], arn);
        assert!(value.get("StreamName").is_none());
    }

    #[test]
    fn the_capacity_is_exact_for_plain_keys() {
        let data = [b'x'; 100];
        let entries: Vec<Entry> = (0..100)
            .map(|index| entry("request-id", &data[..index]))
            .collect();
        let body = put_records(&StreamTarget::Name("stream".into()), &entries);
        // One comma fewer than reserved.
        assert!(
            body.capacity() - body.len() <= 1,
            "{} vs {}",
            body.capacity(),
            body.len()
        );
    }
}
