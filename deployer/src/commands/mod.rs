//! One module per subcommand, each with its clap arguments and a `run` function.

pub mod destroy;
pub mod invoke;
pub mod logs;
pub mod package;
pub mod synth;
pub mod up;

/// The error a subcommand returns until its implementation lands.
pub(crate) fn not_implemented(name: &str) -> miette::Report {
    miette::miette!(
        help = "use `deployer synth` and `deployer package` meanwhile",
        "`deployer {name}` is not implemented yet"
    )
}
