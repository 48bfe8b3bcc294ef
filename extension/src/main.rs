//! The extension executable: set up logging and a single-threaded runtime, then run.

use std::process::ExitCode;

fn main() -> ExitCode {
    telemetry_kinesis_extension::logging::init();
    // One thread: the extension shares the function's CPU and memory.
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(telemetry_kinesis_extension::run::run_from_env()),
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}
