//! `deployer invoke`.

use crate::GlobalArgs;

/// Arguments of `deployer invoke`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InvokeArgs {}

/// Runs `deployer invoke`.
pub async fn run(_global: &GlobalArgs, _args: &InvokeArgs) -> miette::Result<()> {
    Err(super::not_implemented("invoke"))
}
