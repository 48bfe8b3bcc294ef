//! Reading single values: trimmed, typed, ranged, with errors that name the variable.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use telemetry_kinesis_contract::TelemetryType;
use telemetry_kinesis_contract::settings::TYPES;

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid {variable}={value:?}: expected {expected}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// The value found.
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
}

/// An error for `variable`'s `value`.
pub fn error(variable: &'static str, value: &str, expected: &str) -> ConfigError {
    ConfigError {
        variable,
        value: value.to_owned(),
        expected: expected.to_owned(),
    }
}

/// Variable lookup that trims values and treats blank ones as unset.
pub struct Lookup<F>(F);

impl<F: Fn(&str) -> Option<String>> Lookup<F> {
    /// Wraps a variable-to-value function.
    pub fn new(lookup: F) -> Self {
        Self(lookup)
    }

    /// The trimmed value, if set and not blank.
    pub fn value(&self, variable: &str) -> Option<String> {
        (self.0)(variable)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The value parsed as `T`.
    pub fn parsed<T: FromStr>(
        &self,
        variable: &'static str,
        expected: &str,
    ) -> Result<Option<T>, ConfigError> {
        self.value(variable)
            .map(|value| value.parse().map_err(|_| error(variable, &value, expected)))
            .transpose()
    }

    /// The value parsed as a number within `range`.
    pub fn ranged<T: FromStr + PartialOrd + Display>(
        &self,
        variable: &'static str,
        range: &RangeInclusive<T>,
    ) -> Result<Option<T>, ConfigError> {
        let expected = format!("an integer from {} to {}", range.start(), range.end());
        match self.parsed::<T>(variable, &expected)? {
            Some(number) if !range.contains(&number) => {
                Err(error(variable, &number.to_string(), &expected))
            }
            number => Ok(number),
        }
    }
}

/// A host name (letters, digits, `-` and `.`) or an IP address, for a URI.
pub fn parse_host(variable: &'static str, value: &str) -> Result<String, ConfigError> {
    let expected = "a host name (letters, digits, '-', '.') or an IP address";
    if value.parse::<std::net::IpAddr>().is_ok() {
        return Ok(value.to_owned());
    }
    let valid = value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(error(variable, value, expected))
    }
}

/// A comma-separated list of Telemetry API types, duplicates removed, not empty.
pub fn parse_types(value: &str) -> Result<Vec<TelemetryType>, ConfigError> {
    let expected = format!(
        "a comma-separated list of {}",
        TelemetryType::ALL
            .iter()
            .map(|kind| kind.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut types = Vec::new();
    for part in value.split(',').filter(|part| !part.trim().is_empty()) {
        let kind: TelemetryType = part.parse().map_err(|_| error(TYPES, value, &expected))?;
        if !types.contains(&kind) {
            types.push(kind);
        }
    }
    if types.is_empty() {
        return Err(error(TYPES, value, &expected));
    }
    Ok(types)
}
