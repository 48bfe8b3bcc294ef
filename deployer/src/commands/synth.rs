//! `deployer synth`: print the stack's CloudFormation template, or the assets stack's.

use miette::{Context, IntoDiagnostic};

use crate::{GlobalArgs, StackArgs, StackOptions, assets, output, stack};

/// Arguments of `deployer synth`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SynthArgs {
    /// What the stack contains.
    #[command(flatten)]
    pub stack: StackArgs,
    /// Print the assets stack's template (the bucket of layer zips `up` creates) instead
    #[arg(long, conflicts_with = "StackArgs")]
    pub assets: bool,
    /// Print JSON instead of YAML
    #[arg(long)]
    pub json: bool,
}

/// Renders the template for these arguments, as YAML or JSON.
pub fn render(global: &GlobalArgs, args: &SynthArgs) -> miette::Result<String> {
    let template = if args.assets {
        assets::template()
    } else {
        stack::template(&StackOptions::from_args(&global.stack_name, &args.stack)?)
    };
    let rendered = if args.json {
        template.to_json()
    } else {
        template.to_yaml()
    };
    rendered
        .into_diagnostic()
        .wrap_err("cannot render the template")
}

/// Runs `deployer synth`: the template goes to stdout.
pub fn run(global: &GlobalArgs, args: &SynthArgs) -> miette::Result<()> {
    output::print_stdout(&render(global, args)?)
}
