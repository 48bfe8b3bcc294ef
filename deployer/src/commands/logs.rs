//! `deployer logs`.

use crate::GlobalArgs;

/// Arguments of `deployer logs`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogsArgs {}

/// Runs `deployer logs`.
pub async fn run(_global: &GlobalArgs, _args: &LogsArgs) -> miette::Result<()> {
    Err(super::not_implemented("logs"))
}
