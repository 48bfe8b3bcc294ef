//! `deployer`: parse, set up logging, run, report the error chain once.

use std::process::ExitCode;

use clap::Parser;
use deployer::Cli;
use deployer::output::color_enabled;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = color_enabled(cli.global.no_color, |name| std::env::var(name).ok());
    deployer::output::init_tracing(color);
    deployer::output::init_error_reporting(color);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("deployer: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(deployer::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            eprintln!("{report:?}");
            deployer::exit::exit_code(&report)
        }
    }
}
