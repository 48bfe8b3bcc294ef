//! What Lambda itself sets: the API address, the function's identity and memory, and the
//! execution model. Read apart from the extension's own settings: the API address is
//! needed to report any other error, and the execution model decides how to register.

use super::ConfigError;
use super::parse::error;

/// Set by Lambda: the Runtime/Extensions/Telemetry API address, `host:port`.
pub const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";
/// Set by Lambda: function name.
pub const FUNCTION_NAME: &str = "AWS_LAMBDA_FUNCTION_NAME";
/// Set by Lambda: function version.
pub const FUNCTION_VERSION: &str = "AWS_LAMBDA_FUNCTION_VERSION";
/// Set by Lambda: function memory in MB.
pub const FUNCTION_MEMORY_SIZE: &str = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
/// Set by Lambda: region.
pub const REGION: &str = "AWS_REGION";
/// Set by Lambda: how this execution environment was initialized.
const INITIALIZATION_TYPE: &str = "AWS_LAMBDA_INITIALIZATION_TYPE";

/// The execution model, from `AWS_LAMBDA_INITIALIZATION_TYPE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitializationType {
    /// `on-demand` (also assumed when the variable is missing).
    OnDemand,
    /// `provisioned-concurrency`: INIT may come long before the first invocation.
    ProvisionedConcurrency,
    /// `snap-start`: INIT runs once; environments are restored from its snapshot.
    SnapStart,
    /// `lambda-managed-instances`: concurrent invocations, no freeze, no INVOKE events
    /// for extensions.
    ManagedInstances,
    /// A value this code does not know: treated like on-demand.
    Other(String),
}

impl InitializationType {
    /// Whether Lambda offers INVOKE events to extensions here.
    pub fn offers_invoke(&self) -> bool {
        *self != Self::ManagedInstances
    }
}

/// Reads `AWS_LAMBDA_INITIALIZATION_TYPE`; never an error (Lambda may add models).
pub fn initialization_type(lookup: impl Fn(&str) -> Option<String>) -> InitializationType {
    match lookup(INITIALIZATION_TYPE).as_deref().map(str::trim) {
        None | Some("" | "on-demand") => InitializationType::OnDemand,
        Some("provisioned-concurrency") => InitializationType::ProvisionedConcurrency,
        Some("snap-start") => InitializationType::SnapStart,
        Some("lambda-managed-instances") => InitializationType::ManagedInstances,
        Some(other) => InitializationType::Other(other.to_owned()),
    }
}

/// Reads `AWS_LAMBDA_RUNTIME_API` as `host:port`, with or without `http://`.
/// It is parsed apart from [`Config`] because it is needed to report any other error.
pub fn runtime_api(lookup: impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let value = lookup(RUNTIME_API).unwrap_or_default();
    let trimmed = value.trim();
    let address = trimmed
        .strip_prefix("http://")
        .unwrap_or(trimmed)
        .trim_end_matches('/');
    let valid = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if valid {
        Ok(address.to_owned())
    } else {
        Err(error(
            RUNTIME_API,
            &value,
            "host:port, optionally prefixed with http://",
        ))
    }
}
