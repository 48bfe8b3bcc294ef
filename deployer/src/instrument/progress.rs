//! Progress of a run over many functions, on stderr: on a terminal, one spinner line that
//! says how many are done and how the last one ended (the report follows on stdout);
//! elsewhere (CI logs), one plain line per function as it ends.

use std::io::Write;
use std::time::Duration;

/// How often the spinner turns.
pub const TICK: Duration = Duration::from_millis(120);
const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/// Carriage return, then erase the line.
const CLEAR_LINE: &str = "\r\x1b[K";

/// Progress lines, and a spinner when `live`.
pub struct Progress<W: Write> {
    out: W,
    live: bool,
    what: String,
    total: usize,
    done: usize,
    frame: usize,
    drawn: bool,
    last: String,
}

impl Progress<std::io::Stderr> {
    /// Progress on stderr: live only on a terminal.
    pub fn stderr(what: impl Into<String>, total: usize) -> Self {
        use std::io::IsTerminal;
        let live = std::io::stderr().is_terminal();
        Self::new(std::io::stderr(), live, what, total)
    }
}

impl<W: Write> Progress<W> {
    /// Progress of `total` steps of `what` ("reading functions"), written to `out`.
    pub fn new(out: W, live: bool, what: impl Into<String>, total: usize) -> Self {
        Self {
            out,
            live,
            what: what.into(),
            total,
            done: 0,
            frame: 0,
            drawn: false,
            last: String::new(),
        }
    }

    /// Whether a spinner is shown (and so [`Self::tick`] is worth calling).
    pub fn is_live(&self) -> bool {
        self.live
    }

    // Progress is best effort: a closed stderr must not fail the run.
    fn clear(&mut self) {
        if self.drawn {
            let _ = write!(self.out, "{CLEAR_LINE}");
            self.drawn = false;
        }
    }

    fn draw(&mut self) {
        if self.live && self.done < self.total {
            let frame = FRAMES[self.frame % FRAMES.len()];
            let _ = write!(
                self.out,
                "{CLEAR_LINE}{frame} {} {}/{}  {}",
                self.what, self.done, self.total, self.last
            );
            self.drawn = true;
        }
        let _ = self.out.flush();
    }

    /// One step is done; `line` says how it went, when there is something to say.
    pub fn step(&mut self, line: Option<&str>) {
        self.done += 1;
        if let Some(line) = line {
            if self.live {
                line.clone_into(&mut self.last);
            } else {
                let _ = writeln!(self.out, "{line}");
            }
        }
        self.draw();
    }

    /// Turns the spinner.
    pub fn tick(&mut self) {
        self.frame += 1;
        self.draw();
    }

    /// Removes the spinner.
    pub fn finish(&mut self) {
        self.clear();
        let _ = self.out.flush();
    }

    /// The writer, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_progress_is_one_line_per_step() {
        let mut progress = Progress::new(Vec::new(), false, "instrumenting", 2);
        progress.tick();
        progress.step(Some("f1: instrumented"));
        progress.step(None);
        progress.finish();
        let text = String::from_utf8(progress.into_inner()).unwrap();
        assert_eq!(text, "f1: instrumented\n");
    }

    #[test]
    fn live_progress_is_one_line_redrawn_then_erased() {
        let mut progress = Progress::new(Vec::new(), true, "instrumenting", 2);
        progress.tick();
        progress.step(Some("f1: instrumented"));
        progress.finish();
        let text = String::from_utf8(progress.into_inner()).unwrap();
        assert_eq!(
            text,
            "\r\x1b[K⠙ instrumenting 0/2  \r\x1b[K⠙ instrumenting 1/2  f1: instrumented\r\x1b[K"
        );
    }
}
