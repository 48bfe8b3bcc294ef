//! Reading a log group's spilled lines: which group a function logs to, and FilterLogEvents
//! over every log stream of it since a time, asking the service to return only the lines
//! that carry the spill marker.

use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use telemetry_kinesis_contract::spill::MARKER;
use time::OffsetDateTime;

use super::scan::{Scanned, Scanner};
use crate::aws::CallFailure;

/// The group Lambda writes a function's logs to unless its `LoggingConfig` names another.
pub fn default_log_group(function: &str) -> String {
    format!("/aws/lambda/{function}")
}

/// The filter pattern: the marker as a quoted term, so only spilled lines come back.
pub fn filter_pattern() -> String {
    format!("\"{MARKER}\"")
}

/// What a log group name may hold: 1-512 of letters, digits, `_ - / . #`.
pub fn parse_log_group(name: &str) -> Result<String, String> {
    if (1..=512).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"_-/.#".contains(&byte))
    {
        Ok(name.to_owned())
    } else {
        Err("not a log group name: use 1-512 letters, digits and _ - / . #".to_owned())
    }
}

/// The function's log group: its `LoggingConfig.LogGroup`, else the default group. When
/// the configuration cannot be read (the function is gone, or not readable), the default.
pub async fn log_group_of(lambda: &aws_sdk_lambda::Client, function: &str) -> String {
    match lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
    {
        Ok(configuration) => configuration
            .logging_config()
            .and_then(|logging| logging.log_group())
            .map_or_else(|| default_log_group(function), str::to_owned),
        Err(error) => {
            let failure = CallFailure::from_sdk("Lambda", "GetFunctionConfiguration", &error);
            tracing::warn!(
                "{failure}; reading {}, where Lambda logs unless told otherwise",
                default_log_group(function)
            );
            default_log_group(function)
        }
    }
}

/// Why the log group could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReadLogsError {
    /// No such group in this account and region.
    #[error("log group `{log_group}` does not exist")]
    #[diagnostic(help(
        "check --function or --log-group and the region; Lambda creates a function's group \
         with its first log line"
    ))]
    NoLogGroup {
        /// The group.
        log_group: String,
    },
    /// The call failed.
    #[error("cannot read log group `{log_group}`: {failure}")]
    #[diagnostic(help(
        "the credentials need logs:FilterLogEvents on the group; RUST_LOG=debug shows the \
         whole error chain"
    ))]
    Api {
        /// The group.
        log_group: String,
        /// What failed.
        failure: CallFailure,
    },
}

fn read_error<E, R>(log_group: &str, error: &SdkError<E, R>) -> ReadLogsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let failure = CallFailure::from_sdk("CloudWatch Logs", "FilterLogEvents", error);
    match failure.error_code() {
        Some("ResourceNotFoundException") => ReadLogsError::NoLogGroup {
            log_group: log_group.to_owned(),
        },
        _ => ReadLogsError::Api {
            log_group: log_group.to_owned(),
            failure,
        },
    }
}

/// Reads the spilled lines of every log stream of `log_group` logged at or after `start`.
pub async fn scan_log_group(
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    start: OffsetDateTime,
) -> Result<Scanned, ReadLogsError> {
    let start_ms = i64::try_from(start.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let mut pages = logs
        .filter_log_events()
        .log_group_name(log_group)
        .filter_pattern(filter_pattern())
        .start_time(start_ms)
        .into_paginator()
        .send();
    let mut scanner = Scanner::default();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|error| read_error(log_group, &error))?;
        for event in page.events() {
            if let Some(message) = event.message() {
                scanner.line(message);
            }
        }
    }
    Ok(scanner.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_patterns() {
        assert_eq!(default_log_group("fn"), "/aws/lambda/fn");
        assert_eq!(filter_pattern(), "\"telemetryKinesisSpill\"");
        assert!(parse_log_group("/aws/lambda/my-fn_1.x#y").is_ok());
        assert!(parse_log_group("").is_err());
        assert!(parse_log_group("has space").is_err());
    }
}
