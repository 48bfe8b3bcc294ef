//! `deployer package`: build the extension and write the layer zip.

use crate::GlobalArgs;

/// Arguments of `deployer package`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PackageArgs {}

/// Runs `deployer package`.
pub fn run(_global: &GlobalArgs, _args: &PackageArgs) -> miette::Result<()> {
    Err(super::not_implemented("package"))
}
