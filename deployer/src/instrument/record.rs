//! The undo record: what `instrument` changed on a function, kept on the function itself as
//! tags, so `uninstrument` can restore exactly what was there (from any machine, without
//! state files) and `status` can find the instrumented functions.
//!
//! Lambda tag values hold at most 256 characters, and only letters, digits, spaces and
//! `_ . : / = + - @`: JSON's braces and quotes are not allowed. The record is therefore
//! compact JSON in standard base64 (whose alphabet is allowed), cut into 256-character
//! parts: [`RECORD_TAG`] holds the first, `RECORD_TAG:2`, `RECORD_TAG:3`... the next.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// The tag that holds the record (its first part).
pub const RECORD_TAG: &str = "telemetry-kinesis:instrumented";
/// The longest tag value Lambda accepts.
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// The most tags a Lambda function can have.
pub const MAX_TAGS: usize = 50;

/// What `instrument` changed on one function. Field names are one letter to keep the tags
/// few.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The stack whose layer, variables and policy these are.
    #[serde(rename = "s")]
    pub stack: String,
    /// The layer, when `instrument` added it or replaced a version of it.
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerChange>,
    /// Each variable `instrument` set, with its value before (`None`: it was not set).
    #[serde(rename = "v", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, Option<String>>,
    /// The policy `instrument` attached to the function's role (not set when the role
    /// already had it).
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// The layer `instrument` put on a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerChange {
    /// The layer's ARN without version: any version of it is ours to remove.
    #[serde(rename = "a")]
    pub layer: String,
    /// The version it replaced, in the same place (`None`: it was added at the end).
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
}

/// A record tag that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("its {RECORD_TAG} tags do not hold a record ({0}); remove them to start afresh")]
pub struct UnreadableRecord(pub String);

/// The key of part `index` (0-based) of the record.
fn part_key(index: usize) -> String {
    if index == 0 {
        RECORD_TAG.to_owned()
    } else {
        format!("{RECORD_TAG}:{}", index + 1)
    }
}

impl Record {
    /// The record as tags: key to value.
    pub fn to_tags(&self) -> BTreeMap<String, String> {
        // Serializing a struct of strings and maps cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        let encoded = STANDARD.encode(json);
        encoded
            .as_bytes()
            .chunks(MAX_TAG_VALUE_CHARS)
            .enumerate()
            .map(|(index, part)| (part_key(index), String::from_utf8_lossy(part).into_owned()))
            .collect()
    }

    /// The record a function's tags hold, `None` when it has none.
    pub fn from_tags(tags: &BTreeMap<String, String>) -> Result<Option<Self>, UnreadableRecord> {
        if !tags.contains_key(RECORD_TAG) {
            return Ok(None);
        }
        let mut encoded = String::new();
        for index in 0.. {
            match tags.get(&part_key(index)) {
                Some(part) => encoded.push_str(part),
                None => break,
            }
        }
        let json = STANDARD
            .decode(encoded.trim())
            .map_err(|error| UnreadableRecord(format!("not base64: {error}")))?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|error| UnreadableRecord(format!("not a record: {error}")))
    }
}

/// Every record tag key `tags` holds, to remove them all.
pub fn record_keys(tags: &BTreeMap<String, String>) -> Vec<String> {
    tags.keys()
        .filter(|key| {
            key.as_str() == RECORD_TAG
                || key
                    .strip_prefix(RECORD_TAG)
                    .and_then(|rest| rest.strip_prefix(':'))
                    .is_some_and(|index| index.parse::<usize>().is_ok())
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(previous: Option<&str>) -> Record {
        Record {
            stack: "telemetry-kinesis".to_owned(),
            layer: Some(LayerChange {
                layer: "arn:aws:lambda:eu-west-3:123456789012:layer:telemetry-kinesis-ext"
                    .to_owned(),
                replaced: Some("arn:aws:lambda:eu-west-3:123456789012:layer:x:3".to_owned()),
            }),
            variables: BTreeMap::from([
                ("TELEMETRY_KINESIS_STREAM_NAME".to_owned(), None),
                (
                    "TELEMETRY_KINESIS_FLUSH".to_owned(),
                    previous.map(str::to_owned),
                ),
            ]),
            policy: Some("arn:aws:iam::123456789012:policy/telemetry-kinesis-Write".to_owned()),
        }
    }

    /// Lambda's tag rules: values of allowed characters, at most 256 of them.
    fn lambda_accepts(tags: &BTreeMap<String, String>) -> bool {
        tags.iter().all(|(key, value)| {
            key.len() <= 128
                && value.chars().count() <= MAX_TAG_VALUE_CHARS
                && value
                    .chars()
                    .all(|c| c.is_alphanumeric() || " _.:/=+-@".contains(c))
        })
    }

    #[test]
    fn a_record_survives_tags_in_parts_of_allowed_characters() {
        let long = "é\"{}, ".repeat(200);
        for record in [record(None), record(Some("end")), record(Some(&long))] {
            let tags = record.to_tags();
            assert!(lambda_accepts(&tags), "{tags:?}");
            assert_eq!(Record::from_tags(&tags).unwrap(), Some(record.clone()));
            assert_eq!(record_keys(&tags).len(), tags.len());
        }
        let tags = record(Some(&long)).to_tags();
        assert!(tags.len() > 5);
        assert!(tags.contains_key("telemetry-kinesis:instrumented:2"));
    }

    #[test]
    fn other_tags_are_neither_read_nor_removed() {
        let mut tags = record(None).to_tags();
        tags.insert("team".to_owned(), "a".to_owned());
        tags.insert(format!("{RECORD_TAG}:note"), "b".to_owned());
        assert_eq!(Record::from_tags(&tags).unwrap(), Some(record(None)));
        assert!(!record_keys(&tags).iter().any(|key| key.ends_with("note")));
        assert_eq!(
            Record::from_tags(&BTreeMap::from([("team".to_owned(), "a".to_owned())])),
            Ok(None)
        );
    }

    #[test]
    fn a_damaged_record_is_said_to_be_unreadable() {
        let tags = BTreeMap::from([(RECORD_TAG.to_owned(), "not base64!".to_owned())]);
        let error = Record::from_tags(&tags).unwrap_err();
        assert!(error.to_string().contains("remove them"), "{error}");
        let tags = BTreeMap::from([(RECORD_TAG.to_owned(), STANDARD.encode("[1]"))]);
        assert!(Record::from_tags(&tags).is_err());
    }
}
