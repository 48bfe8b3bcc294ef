//! The command line, as clap parses it. Values are validated later, into separate types
//! (for example [`crate::StackOptions`]), so every check is testable without clap.

use clap::{Args, Parser, Subcommand};

use crate::aws::AwsArgs;
use crate::commands;

/// The default CloudFormation stack name.
pub const DEFAULT_STACK_NAME: &str = "telemetry-kinesis";

/// Builds, packages, deploys and reads the Lambda telemetry-to-Kinesis pipeline.
///
/// Results go to stdout, progress and diagnostics to stderr.
#[derive(Debug, Parser)]
#[command(
    name = "deployer",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every subcommand accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts, before or after its name.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// AWS connection options.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// CloudFormation stack name
    #[arg(long, global = true, value_name = "NAME", default_value = DEFAULT_STACK_NAME)]
    pub stack_name: String,
    /// Never colour the output (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the CloudFormation template (YAML, or JSON with --json)
    Synth(commands::synth::SynthArgs),
    /// Build the extension and write the layer zip
    Package(commands::package::PackageArgs),
    /// Package, upload and deploy the stack, waiting until it is complete
    Up(commands::up::UpArgs),
    /// Delete the stack and what it uploaded
    Destroy(commands::destroy::DestroyArgs),
    /// Read the telemetry records the stream holds
    Logs(commands::logs::LogsArgs),
    /// Invoke the sample function
    Invoke(commands::invoke::InvokeArgs),
    /// Invoke the sample function and wait for its telemetry on the stream
    Verify(commands::verify::VerifyArgs),
}
