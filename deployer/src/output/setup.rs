//! Where diagnostics go: `tracing` events and error reports on stderr, coloured per the
//! run's [`super::Colour`].

use std::io::{self, IsTerminal};

/// The default log filter: our own progress at info; the SDK's and the local simulator's
/// chatter only when it is an error (the deployer reports those failures itself, with a hint).
pub const DEFAULT_LOG_FILTER: &str = "info,aws_config=error,aws_smithy_runtime=error,aws_runtime=error,lambda_simulator=warn,lambda_lifecycle=warn";

/// Sends `tracing` events to stderr, without timestamps or targets; `RUST_LOG` filters
/// (default [`DEFAULT_LOG_FILTER`]).
pub fn init_tracing(color: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER));
    // Ignore the error of a second initialisation (only possible in tests).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(color)
        .with_target(false)
        .without_time()
        .try_init();
}

/// Configures how `miette` renders error reports.
pub fn init_error_reporting(color: bool) {
    // Wrapping suits a person at a terminal; in a log (CI) it splits names and makes
    // messages hard to search, so lines stay whole there.
    let wrap = io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .wrap_lines(wrap)
                .build(),
        )
    }));
}
