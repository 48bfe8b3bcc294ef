//! The deployer: renders, packages, deploys and reads the Lambda telemetry-to-Kinesis
//! pipeline. The binary only parses arguments and dispatches to [`run`]; each subcommand
//! is a module under [`commands`] with a `run` function, so it can be tested as a library.

pub mod architecture;
pub mod assets;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod deploy;
pub mod exit;
pub mod instrument;
pub mod interrupt;
pub mod invoke;
pub mod logs;
pub mod options;
pub mod output;
pub mod package;
pub mod recover;
pub mod stack;
pub mod template;
pub mod verify;

pub use architecture::Architecture;
pub use cli::{Cli, Command, GlobalArgs};
pub use options::{StackArgs, StackOptions};

/// Runs one parsed command line to completion.
///
/// Results go to stdout, progress and diagnostics to stderr. Errors are returned as
/// [`miette::Report`]s so the binary prints their chain once, with hints.
pub async fn run(cli: Cli) -> miette::Result<()> {
    let Cli { global, command } = cli;
    if !matches!(command, Command::Synth(_) | Command::Package(_)) {
        // Commands that call AWS end on Ctrl-C with exit 130 and say what carries on.
        interrupt::listen_for_interrupts();
    }
    match command {
        Command::Synth(args) => commands::synth::run(&global, &args),
        Command::Package(args) => commands::package::run(&global, &args),
        Command::Up(args) => commands::up::run(&global, &args).await,
        Command::Destroy(args) => commands::destroy::run(&global, &args).await,
        Command::Logs(args) => commands::logs::run(&global, &args).await,
        Command::Invoke(args) => commands::invoke::run(&global, &args).await,
        Command::Verify(args) => commands::verify::run(&global, &args).await,
        Command::Recover(args) => commands::recover::run(&global, &args).await,
        Command::Instrument(args) => commands::instrument::run(&global, &args).await,
        Command::Uninstrument(args) => commands::uninstrument::run(&global, &args).await,
        Command::Status(args) => commands::status::run(&global, &args).await,
    }
}
