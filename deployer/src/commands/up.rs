//! `deployer up`.

use crate::{GlobalArgs, StackArgs};

/// Arguments of `deployer up`: the stack options `synth` takes, plus deployment options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UpArgs {
    /// What the stack contains.
    #[command(flatten)]
    pub stack: StackArgs,
}

/// Runs `deployer up`.
pub async fn run(_global: &GlobalArgs, _args: &UpArgs) -> miette::Result<()> {
    Err(super::not_implemented("up"))
}
