//! Colour: allowed unless `--no-color` or `NO_COLOR` says otherwise (<https://no-color.org>),
//! decided once and applied to clap's errors, logs, error reports, progress and results
//! alike; each stream is then coloured only when it is a terminal. Styles are `anstyle`
//! values, never hand-written escape codes.

use std::io::{self, IsTerminal};

use anstyle::Style;

/// The environment variable that turns colour off when set to a non-empty value.
pub const NO_COLOR: &str = "NO_COLOR";

/// The colour setting of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    allowed: bool,
}

impl Colour {
    /// Colour is allowed unless `no_color_flag` (`--no-color`) or a non-empty `NO_COLOR`.
    pub fn new(no_color_flag: bool, lookup: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            allowed: !no_color_flag && lookup(NO_COLOR).is_none_or(|value| value.is_empty()),
        }
    }

    /// [`Self::new`] from the process environment.
    pub fn from_env(no_color_flag: bool) -> Self {
        Self::new(no_color_flag, |name| std::env::var(name).ok())
    }

    /// Whether colour is allowed at all.
    pub fn allowed(self) -> bool {
        self.allowed
    }

    /// Whether stderr (progress, logs, errors) is coloured.
    pub fn stderr(self) -> bool {
        self.allowed && io::stderr().is_terminal()
    }

    /// Whether stdout (results) is coloured.
    pub fn stdout(self) -> bool {
        self.allowed && io::stdout().is_terminal()
    }

    /// The same setting for clap's help and errors.
    pub fn clap(self) -> clap::ColorChoice {
        if self.allowed {
            clap::ColorChoice::Auto
        } else {
            clap::ColorChoice::Never
        }
    }
}

/// The styles the deployer uses.
pub mod styles {
    use anstyle::{AnsiColor, Effects, Style};

    /// Failures.
    pub const RED: Style = AnsiColor::Red.on_default();
    /// Successes.
    pub const GREEN: Style = AnsiColor::Green.on_default();
    /// Work in progress, platform events.
    pub const YELLOW: Style = AnsiColor::Yellow.on_default();
    /// Extension events.
    pub const MAGENTA: Style = AnsiColor::Magenta.on_default();
    /// Names.
    pub const CYAN: Style = AnsiColor::Cyan.on_default();
    /// Times.
    pub const DIM: Style = Style::new().effects(Effects::DIMMED);
}

/// `text` in `style` when `enabled`, else as it is.
pub fn paint(style: Style, text: &str, enabled: bool) -> String {
    if enabled {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_rules() {
        assert!(Colour::new(false, |_| None).allowed());
        assert!(!Colour::new(true, |_| None).allowed());
        assert!(!Colour::new(false, |_| Some("1".to_owned())).allowed());
        // An empty NO_COLOR does not count (no-color.org).
        assert!(Colour::new(false, |_| Some(String::new())).allowed());
        assert_eq!(Colour::new(true, |_| None).clap(), clap::ColorChoice::Never);
        assert!(!Colour::new(true, |_| None).stderr());
    }

    #[test]
    fn paint_wraps_in_the_style_and_a_reset() {
        assert_eq!(paint(styles::GREEN, "ok", true), "\x1b[32mok\x1b[0m");
        assert_eq!(paint(styles::GREEN, "ok", false), "ok");
    }
}
