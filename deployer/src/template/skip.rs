//! Security scanner checks a resource is exempt from, recorded in the template itself as
//! checkov reads them: `Metadata: {checkov: {skip: [{id, comment}]}}`. Keeping them beside
//! the resource, each with its reason, means nobody has to pass skips on a command line
//! and every reader of the template sees why.

use serde::Serialize;
use serde::ser::SerializeMap;

/// A checkov check that does not fit a resource, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SkippedCheck {
    /// The check's ID, e.g. `CKV_AWS_116`.
    pub id: &'static str,
    /// Why it does not apply; shown in the scanner's report.
    pub comment: &'static str,
}

/// A resource's `Metadata` with its skipped checks.
pub(super) struct SkipMetadata<'a>(pub(super) &'a [SkippedCheck]);

impl Serialize for SkipMetadata<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Skips<'a>(&'a [SkippedCheck]);
        impl Serialize for Skips<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("skip", self.0)?;
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry("checkov", &Skips(self.0))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn skips_serialize_where_checkov_reads_them() {
        let skips = [SkippedCheck {
            id: "CKV_AWS_116",
            comment: "invoked synchronously",
        }];
        assert_eq!(
            serde_json::to_value(SkipMetadata(&skips)).unwrap(),
            json!({"checkov": {"skip": [{"id": "CKV_AWS_116", "comment": "invoked synchronously"}]}})
        );
    }
}
