//! How a Kinesis request names a stream: by ARN when given one (the request then reaches the
//! stream's own account), else by name in the caller's account.

use telemetry_kinesis_contract::stream::StreamTarget;

/// `(StreamName, StreamARN)` for a request: exactly one is set.
pub fn stream_parameters(target: &StreamTarget) -> (Option<String>, Option<String>) {
    match target.arn() {
        Some(arn) => (None, Some(arn.to_owned())),
        None => (Some(target.name().to_owned()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_of_name_and_arn() {
        let name: StreamTarget = "s".parse().unwrap();
        assert_eq!(stream_parameters(&name), (Some("s".to_owned()), None));
        let arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/s";
        let target: StreamTarget = arn.parse().unwrap();
        assert_eq!(stream_parameters(&target), (None, Some(arn.to_owned())));
    }
}
