//! `deployer destroy`.

use crate::GlobalArgs;

/// Arguments of `deployer destroy`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DestroyArgs {}

/// Runs `deployer destroy`.
pub async fn run(_global: &GlobalArgs, _args: &DestroyArgs) -> miette::Result<()> {
    Err(super::not_implemented("destroy"))
}
