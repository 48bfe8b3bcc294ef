//! Terminal output policy: colour, logging to stderr, error reports, and stdout writes
//! that treat a closed pipe (`deployer synth | head`) as success.

use std::io::{self, IsTerminal, Write};

/// The environment variable that turns colour off when set to a non-empty value
/// (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";

/// Whether stderr output may use colour: not with `--no-color`, not when `NO_COLOR` is set
/// to anything non-empty, and only on a terminal.
pub fn color_enabled(no_color_flag: bool, lookup: impl Fn(&str) -> Option<String>) -> bool {
    color_allowed(no_color_flag, lookup) && io::stderr().is_terminal()
}

/// The part of [`color_enabled`] that does not depend on the terminal.
pub fn color_allowed(no_color_flag: bool, lookup: impl Fn(&str) -> Option<String>) -> bool {
    !no_color_flag && lookup(NO_COLOR).is_none_or(|value| value.is_empty())
}

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

/// Writes a result to stdout. A reader that went away is not an error.
pub fn print_stdout(text: &str) -> miette::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            Err(miette::miette!("cannot write to standard output: {error}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_rules() {
        assert!(color_allowed(false, |_| None));
        assert!(!color_allowed(true, |_| None));
        assert!(!color_allowed(false, |_| Some("1".to_owned())));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(color_allowed(false, |_| Some(String::new())));
    }
}
