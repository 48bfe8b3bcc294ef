//! The simulator's settings from a sandbox configuration, with the one where the simulator's
//! default differs from Lambda: how long it waits for the extensions before freezing. A
//! SnapStart function runs as a published version (Lambda snapshots no `$LATEST`).

use crate::config::{Function, SandboxConfig};
use crate::error::SandboxError;
use crate::model::ExecutionModel;
use lambda_simulator::{FreezeMode, Simulator};

/// The variable holding the function's region.
const REGION: &str = "AWS_REGION";
/// The region when the caller sets none.
const DEFAULT_REGION: &str = "us-east-1";
/// The version a SnapStart function runs as: SnapStart works on published versions only.
pub(crate) const SNAPSTART_VERSION: &str = "1";

/// Starts a simulator configured as `config` asks.
pub(crate) async fn start(config: &SandboxConfig) -> Result<Simulator, SandboxError> {
    let mut builder = Simulator::builder()
        .function_name(&config.function_name)
        .memory_size_mb(config.memory_mb)
        .region(region(&config.env))
        .invocation_timeout(config.timeout)
        .init_timeout(config.init_timeout)
        // The simulator stops waiting for extensions after this and freezes them mid-work;
        // Lambda lets them run until the function timeout.
        .extension_ready_timeout(config.timeout)
        .shutdown_timeout(config.shutdown_budget)
        .freeze_mode(if config.freezes() {
            FreezeMode::Process
        } else {
            FreezeMode::None
        });
    if config.execution_model == ExecutionModel::SnapStart {
        builder = builder.function_version(SNAPSTART_VERSION);
    }
    if let Function::Python { handler, .. } = &config.function {
        builder = builder.handler(handler);
    }
    builder
        .build()
        .await
        .map_err(|error| SandboxError::Simulator(error.to_string()))
}

/// The region the caller's variables set last, or the default.
fn region(env: &[(String, String)]) -> String {
    env.iter()
        .rev()
        .find(|(key, _)| key == REGION)
        .map_or_else(|| DEFAULT_REGION.to_owned(), |(_, value)| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_region_set_wins_and_us_east_1_is_the_default() {
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect()
        };
        assert_eq!(region(&env(&[])), DEFAULT_REGION);
        assert_eq!(
            region(&env(&[
                (REGION, "eu-west-1"),
                ("X", "1"),
                (REGION, "ap-south-1")
            ])),
            "ap-south-1"
        );
    }
}
