//! `deployer package`: build the extension and write the layer zip.

use miette::IntoDiagnostic;

use crate::package::{self, LayerArgs};
use crate::{Architecture, GlobalArgs, output};

/// Arguments of `deployer package`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PackageArgs {
    /// Architecture to build and check the binary for
    #[arg(long, value_enum, default_value_t = Architecture::X86_64)]
    pub architecture: Architecture,
    /// Where the binary comes from and where the zip goes.
    #[command(flatten)]
    pub layer: LayerArgs,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs `deployer package`: the zip's path, size and sha256 go to stdout.
pub fn run(_global: &GlobalArgs, args: &PackageArgs) -> miette::Result<()> {
    let layer = package::package(args.architecture, &args.layer)?;
    tracing::debug!(path = %layer.path.display(), size = layer.size, "layer zip written");
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&layer).into_diagnostic()?;
        json.push('\n');
        json
    } else {
        layer.to_string()
    };
    output::print_stdout(&text)
}
