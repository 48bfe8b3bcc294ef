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
    let result = runtime.block_on(deployer::run(cli));
    // An interrupted prompt leaves its reader blocked on stdin: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            eprintln!("{report:?}");
            deployer::exit::exit_code(&report)
        }
    }
}
