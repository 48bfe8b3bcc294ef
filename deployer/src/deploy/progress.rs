//! Where the engine reports progress while a stack operation runs: plain lines for logs,
//! pipes and CI, or a live table redrawn in place on a terminal.

use std::io::Write;
use std::time::Duration;

use super::events::StackEvent;
use super::render::{ResourceRow, apply_event, format_event_line, render_table};
use crate::output;

/// Where the engine reports progress. Implementations write to stderr (results go to stdout).
pub trait Progress: Send {
    /// A new stack event, `elapsed` since the operation started.
    fn event(&mut self, elapsed: Duration, event: &StackEvent);
    /// A step worth saying ("creating change set", "recreating the stack").
    fn note(&mut self, text: &str);
    /// Time passed without new events; a live view refreshes its clock.
    fn tick(&mut self, _elapsed: Duration) {}
}

/// Discards everything: for callers that want only the result.
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&mut self, _elapsed: Duration, _event: &StackEvent) {}
    fn note(&mut self, _text: &str) {}
}

/// Moves the cursor up `n` lines: `\x1b[{n}A`. Then carriage return and erase to the end of
/// the screen.
fn erase_sequence(lines: usize) -> String {
    format!("\x1b[{lines}A\r\x1b[J")
}

/// Plain lines, one per event: for logs, pipes and CI.
pub struct PlainProgress<W: Write + Send> {
    out: W,
    colour: bool,
}

impl<W: Write + Send> PlainProgress<W> {
    /// Writes to `out`, with colour only if `colour`.
    pub fn new(out: W, colour: bool) -> Self {
        Self { out, colour }
    }

    /// The writer, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> Progress for PlainProgress<W> {
    fn event(&mut self, elapsed: Duration, event: &StackEvent) {
        // Progress is best effort: a closed stderr must not fail the deploy.
        let _ = writeln!(
            self.out,
            "{}",
            format_event_line(elapsed, event, self.colour)
        );
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }
}

/// A table of resources redrawn in place: for a person at a terminal.
pub struct LiveProgress<W: Write + Send> {
    out: W,
    title: String,
    rows: Vec<ResourceRow>,
    drawn_lines: usize,
    width: usize,
    colour: bool,
    elapsed: Duration,
}

impl<W: Write + Send> LiveProgress<W> {
    /// A live view titled `title`, `width` columns wide.
    pub fn new(out: W, title: impl Into<String>, width: usize, colour: bool) -> Self {
        Self {
            out,
            title: title.into(),
            rows: Vec::new(),
            drawn_lines: 0,
            width: width.max(20),
            colour,
            elapsed: Duration::ZERO,
        }
    }

    fn erase(&mut self) {
        if self.drawn_lines > 0 {
            // Up to the table's first line, then clear to the end of the screen.
            let _ = write!(self.out, "{}", erase_sequence(self.drawn_lines));
            self.drawn_lines = 0;
        }
    }

    fn draw(&mut self) {
        self.erase();
        let lines = render_table(
            &self.title,
            self.elapsed,
            &self.rows,
            self.width,
            self.colour,
        );
        for line in &lines {
            let _ = writeln!(self.out, "{line}");
        }
        self.drawn_lines = lines.len();
        let _ = self.out.flush();
    }
}

impl<W: Write + Send> Progress for LiveProgress<W> {
    fn event(&mut self, elapsed: Duration, event: &StackEvent) {
        self.elapsed = elapsed;
        apply_event(&mut self.rows, event);
        self.draw();
    }

    fn note(&mut self, text: &str) {
        // Notes stay above the table: erase it, write the note, draw it again below.
        self.erase();
        let _ = writeln!(self.out, "{text}");
        if !self.rows.is_empty() {
            self.draw();
        }
        let _ = self.out.flush();
    }

    fn tick(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
        if !self.rows.is_empty() {
            self.draw();
        }
    }
}

/// Progress on stderr: a live table on a terminal, sized to it, plain lines otherwise.
pub fn stderr_progress(title: &str, colour: bool) -> Box<dyn Progress> {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        let width = output::terminal_width();
        Box::new(LiveProgress::new(std::io::stderr(), title, width, colour))
    } else {
        Box::new(PlainProgress::new(std::io::stderr(), colour))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::render::tests::event;

    #[test]
    fn the_live_view_redraws_in_place_and_keeps_notes_above() {
        let mut live = LiveProgress::new(Vec::new(), "app", 80, false);
        live.event(
            Duration::from_secs(1),
            &event("Stream", "CREATE_IN_PROGRESS", None),
        );
        live.note("recreating");
        live.event(
            Duration::from_secs(2),
            &event("Stream", "CREATE_COMPLETE", None),
        );
        let text = String::from_utf8(live.out).unwrap();
        // Drawn, erased for the note, drawn, erased and drawn again: two lines each time.
        assert_eq!(text.matches(&erase_sequence(2)).count(), 2, "{text:?}");
        assert!(text.contains("recreating\n"));
        assert!(text.ends_with(
            "CREATE_COMPLETE                      AWS::Kinesis::Stream             Stream\n"
        ));
    }

    #[test]
    fn plain_progress_writes_lines() {
        let mut plain = PlainProgress::new(Vec::new(), false);
        plain.note("creating change set");
        plain.event(Duration::ZERO, &event("Stream", "CREATE_IN_PROGRESS", None));
        let text = String::from_utf8(plain.into_inner()).unwrap();
        assert_eq!(text.lines().count(), 2);
    }
}
