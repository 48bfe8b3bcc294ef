//! What names the destination stream: a stream name, or a stream ARN. PutRecords takes
//! either (`StreamName` or `StreamARN`); a stream in another account can only be named by
//! its ARN.

use std::fmt;
use std::str::FromStr;

use crate::limits::MAX_STREAM_NAME_CHARS;

/// A valid stream name or stream ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StreamTarget {
    /// A stream in the caller's account and region.
    Name(String),
    /// `arn:<partition>:kinesis:<region>:<account>:stream/<name>`.
    Arn {
        /// The whole ARN.
        arn: String,
        /// The stream name part.
        name: String,
    },
}

/// Why a value names no stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is neither a stream name nor a stream ARN: {reason}")]
pub struct InvalidStream {
    /// The value given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// What a stream name or ARN must look like, for error messages.
pub const EXPECTED: &str = "a Kinesis stream name (1-128 letters, digits, '_', '.', '-') or a \
                            stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)";

impl StreamTarget {
    /// The stream name (the ARN's last part for an ARN).
    pub fn name(&self) -> &str {
        match self {
            Self::Name(name) | Self::Arn { name, .. } => name,
        }
    }

    /// The ARN, when given as one.
    pub fn arn(&self) -> Option<&str> {
        match self {
            Self::Name(_) => None,
            Self::Arn { arn, .. } => Some(arn),
        }
    }

    /// The ARN's region, when given as an ARN: clients must use that region, since the
    /// endpoint PutRecords resolves for an ARN is the client's region's.
    pub fn region(&self) -> Option<&str> {
        self.arn().and_then(|arn| arn.split(':').nth(3))
    }

    /// The value as given (name or ARN).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Name(name) => name,
            Self::Arn { arn, .. } => arn,
        }
    }
}

/// Checks a stream name: 1-128 characters of `[a-zA-Z0-9_.-]`.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("the name is empty");
    }
    if name.len() > MAX_STREAM_NAME_CHARS {
        return Err("a stream name has at most 128 characters");
    }
    if !name
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-'))
    {
        return Err("a stream name holds only letters, digits, '_', '.' and '-'");
    }
    Ok(())
}

fn parse_arn(arn: &str) -> Result<String, &'static str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts.as_slice() else {
        return Err("an ARN has six ':'-separated parts");
    };
    if !partition.starts_with("aws") {
        return Err("the ARN's partition is not an AWS partition (aws, aws-cn, aws-us-gov)");
    }
    if *service != "kinesis" {
        return Err("the ARN is not a Kinesis ARN");
    }
    if region.is_empty() {
        return Err("the ARN has no region");
    }
    if account.len() != 12 || !account.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err("the ARN's account is not 12 digits");
    }
    let Some(name) = resource.strip_prefix("stream/") else {
        return Err("the ARN does not name a stream (…:stream/NAME)");
    };
    check_name(name)?;
    Ok(name.to_owned())
}

impl FromStr for StreamTarget {
    type Err = InvalidStream;

    fn from_str(value: &str) -> Result<Self, InvalidStream> {
        let trimmed = value.trim();
        let invalid = |reason| InvalidStream {
            value: value.to_owned(),
            reason,
        };
        if trimmed.starts_with("arn:") {
            let name = parse_arn(trimmed).map_err(invalid)?;
            Ok(Self::Arn {
                arn: trimmed.to_owned(),
                name,
            })
        } else {
            check_name(trimmed).map_err(invalid)?;
            Ok(Self::Name(trimmed.to_owned()))
        }
    }
}

impl fmt::Display for StreamTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_and_arns() {
        assert_eq!(
            " telemetry-kinesis-stream "
                .parse::<StreamTarget>()
                .unwrap(),
            StreamTarget::Name("telemetry-kinesis-stream".into())
        );
        let arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/my.stream_1";
        let target: StreamTarget = arn.parse().unwrap();
        assert_eq!(target.name(), "my.stream_1");
        assert_eq!(target.arn(), Some(arn));
        assert_eq!(target.region(), Some("eu-west-1"));
        assert_eq!(StreamTarget::Name("s".into()).region(), None);
        assert_eq!(target.to_string(), arn);
        let china = "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s";
        assert!(china.parse::<StreamTarget>().is_ok());
    }

    #[test]
    fn invalid_values_say_why() {
        let cases = [
            ("bad name!", "letters, digits"),
            ("", "empty"),
            (&"x".repeat(129), "128"),
            ("arn:aws:kinesis:eu-west-1:123:stream/s", "12 digits"),
            ("arn:aws:sqs:eu-west-1:123456789012:stream/s", "Kinesis"),
            (
                "arn:aws:kinesis:eu-west-1:123456789012:consumer/s",
                "stream/NAME",
            ),
            ("arn:aws:kinesis:eu-west-1:123456789012", "six"),
            ("arn:aws:kinesis::123456789012:stream/s", "region"),
            (
                "arn:aws:kinesis:eu-west-1:123456789012:stream/a b",
                "letters",
            ),
        ];
        for (value, reason) in cases {
            let error = value.parse::<StreamTarget>().unwrap_err();
            assert!(error.reason.contains(reason), "{value}: {error}");
            assert!(error.to_string().contains("stream name"), "{error}");
        }
    }
}
