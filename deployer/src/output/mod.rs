//! Terminal output policy: one colour setting for everything written ([`Colour`]), the
//! terminal's width ([`terminal_width`]), logging and error reports on stderr
//! ([`init_tracing`], [`init_error_reporting`]), and stdout writes that treat a closed pipe
//! (`deployer synth | head`) as success ([`print_stdout`]).

mod colour;
mod confirm;
mod setup;
mod width;

use std::io::{self, Write};

pub use colour::{Colour, NO_COLOR, paint, styles};
pub use confirm::{confirm, confirm_after, is_yes};
pub use setup::{DEFAULT_LOG_FILTER, init_error_reporting, init_tracing};
pub use width::{DEFAULT_WIDTH, terminal_width, width_from};

/// A time as the deployer shows every time: RFC 3339 in UTC with milliseconds
/// (`2024-05-01T12:00:00.000Z`), Lambda's own precision.
pub fn timestamp(time: time::OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_default()
}

/// `count` and its noun, plural unless one: `1 object version`, `3 object versions`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
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
