//! `bench`: runs the benchmark set and prints a table (or JSON with `--json`).

use bench::artifacts::Profile;
use bench::run::{Options, Suite};
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Benchmarks of the telemetry-kinesis extension and the deployer. Build first with
/// `cargo build --release -p telemetry-kinesis-extension` and `cargo build -p deployer`
/// (scripts/bench does both). Progress goes to stderr, the table to stdout.
#[derive(Debug, Parser)]
#[command(name = "bench", max_term_width = 100)]
struct Args {
    /// Run only these suites (repeatable)
    #[arg(long, value_enum)]
    only: Vec<Suite>,
    /// Run only these fault scenarios (repeatable; with the faults suite)
    #[arg(long, value_enum, value_name = "SCENARIO")]
    scenario: Vec<bench::suites::faults::Scenario>,
    /// Measure the debug extension build instead of the release one
    #[arg(long)]
    debug: bool,
    /// Shorter runs (smaller counts, 10 s throughput windows): figures for a quick look
    #[arg(long)]
    quick: bool,
    /// Seconds of each throughput window
    #[arg(long, value_name = "SECONDS")]
    throughput_seconds: Option<u64>,
    /// A release build of the extension with symbols, as LABEL=PATH (repeatable): measured
    /// by the variants suite, and under callgrind (with a breakdown by function) by the
    /// instructions suite
    #[arg(long, value_name = "LABEL=PATH")]
    variant: Vec<bench::suites::variants::Variant>,
    /// Print the results as JSON
    #[arg(long)]
    json: bool,
    /// Also write the results as JSON to this file
    #[arg(long, value_name = "PATH")]
    save: Option<PathBuf>,
}

fn options(args: &Args) -> Options {
    let mut options = Options::default();
    if !args.only.is_empty() {
        options.suites.clone_from(&args.only);
    }
    if !args.scenario.is_empty() {
        options.fault_scenarios.clone_from(&args.scenario);
    }
    if args.debug {
        options.profile = Profile::Debug;
    }
    if args.quick {
        options.cold_starts = 10;
        options.burst_events = 200_000;
        options.throughput_window = Duration::from_secs(10);
        options.comparison_window = Duration::from_secs(10);
        options.first_invocations = 10;
        options.peer_starts = 5;
        options.high_rate_invocations = 50;
        options.low_rate_invocations = 2;
        options.synth_runs = 5;
        options.cdk_runs = 1;
        options.up_runs = 1;
    }
    if let Some(seconds) = args.throughput_seconds {
        options.throughput_window = Duration::from_secs(seconds.max(1));
    }
    options.variants.clone_from(&args.variant);
    options
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bench: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let results = match runtime.block_on(bench::run::run(&options(&args))) {
        Ok(results) => results,
        Err(error) => {
            eprintln!("bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.save {
        let json = serde_json::to_string_pretty(&results).unwrap_or_default();
        if let Err(error) = std::fs::write(path, json) {
            eprintln!("bench: cannot write {}: {error}", path.display());
        }
    }
    let text = if args.json {
        serde_json::to_string_pretty(&results).unwrap_or_default() + "\n"
    } else {
        results.table()
    };
    // A closed stdout (`bench | head`) is not an error worth reporting.
    let _ = std::io::stdout().write_all(text.as_bytes());
    if results.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
