//! The command line, as clap parses it. Values are validated later, into separate types
//! (for example [`crate::StackOptions`]), so every check is testable without clap.

use std::ffi::OsString;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::aws::AwsArgs;
use crate::commands;
use crate::options::parse_stack_name;
use crate::output::Colour;

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
    #[arg(long, global = true, value_name = "NAME", default_value = DEFAULT_STACK_NAME,
          value_parser = parse_stack_name)]
    pub stack_name: String,
    /// Never colour the output (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,
}

impl GlobalArgs {
    /// The run's colour setting (`--no-color`, `NO_COLOR`).
    pub fn colour(&self) -> Colour {
        Colour::from_env(self.no_color)
    }
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
    /// Delete the stack (with --all, also the assets stack and its bucket of layer zips)
    Destroy(commands::destroy::DestroyArgs),
    /// Read the telemetry records the stream holds
    Logs(commands::logs::LogsArgs),
    /// Invoke the sample function
    Invoke(crate::invoke::InvokeArgs),
    /// Invoke the sample function and wait for its telemetry on the stream
    Verify(crate::verify::VerifyArgs),
    /// Re-send the events the extension spilled to its log group (safe to repeat: consumers
    /// de-duplicate on id)
    Recover(commands::recover::RecoverArgs),
    /// Add the stack's extension layer, variables and write policy to existing functions
    Instrument(commands::instrument::InstrumentArgs),
    /// Undo exactly what `instrument` changed on functions
    Uninstrument(commands::uninstrument::UninstrumentArgs),
    /// Show each instrumented function's layer version and its last event on the stream
    Status(commands::status::StatusArgs),
}

/// Whether the arguments hold `--no-color` (before a `--` that ends the options). Read
/// before parsing, so clap's own errors follow the same colour setting.
pub fn has_no_color_flag(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|arg| *arg != "--")
        .any(|arg| arg == "--no-color")
}

/// Parses `args` with colour set by `colour`: clap's errors (exit 2) and help (exit 0)
/// end the process, as `Cli::parse` does.
pub fn parse_from(args: Vec<OsString>, colour: Colour) -> Cli {
    let matches = Cli::command().color(colour.clap()).get_matches_from(args);
    match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    }
}

/// Parses the process's arguments; returns the command line and the run's colour setting.
pub fn parse() -> (Cli, Colour) {
    let args: Vec<OsString> = std::env::args_os().collect();
    let colour = Colour::from_env(has_no_color_flag(&args));
    (parse_from(args, colour), colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn no_color_is_seen_before_parsing_wherever_it_is() {
        assert!(has_no_color_flag(&args(&[
            "deployer",
            "--no-color",
            "logs"
        ])));
        assert!(has_no_color_flag(&args(&[
            "deployer",
            "logs",
            "--no-color"
        ])));
        assert!(!has_no_color_flag(&args(&["deployer", "logs"])));
        assert!(!has_no_color_flag(&args(&[
            "deployer",
            "x",
            "--",
            "--no-color"
        ])));
        let colour = Colour::new(true, |_| None);
        let command = Cli::command().color(colour.clap());
        assert_eq!(command.get_color(), clap::ColorChoice::Never);
    }
}
