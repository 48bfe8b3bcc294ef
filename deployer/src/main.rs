//! `deployer`: parse, set up logging, run, report the error chain once.

use std::process::ExitCode;

use deployer::output;

fn main() -> ExitCode {
    let (cli, colour) = deployer::cli::parse();
    output::init_tracing(colour.stderr());
    output::init_error_reporting(colour.stderr());

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
