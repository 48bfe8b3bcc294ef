//! How wide the terminal is, for the live progress table: asked of the terminal itself,
//! else `COLUMNS`, else a default.

/// The width used when neither the terminal nor `COLUMNS` says.
pub const DEFAULT_WIDTH: usize = 80;
/// The variable shells set to the terminal's width.
pub const COLUMNS: &str = "COLUMNS";

/// The width from what is known: the terminal's, else `COLUMNS`, else [`DEFAULT_WIDTH`].
pub fn width_from(terminal: Option<usize>, columns: Option<&str>) -> usize {
    terminal
        .filter(|width| *width > 0)
        .or_else(|| columns.and_then(|columns| columns.trim().parse().ok()))
        .filter(|width| *width > 0)
        .unwrap_or(DEFAULT_WIDTH)
}

/// The width of the terminal stderr writes to.
pub fn terminal_width() -> usize {
    let terminal = terminal_size::terminal_size_of(std::io::stderr())
        .map(|(terminal_size::Width(width), _)| usize::from(width));
    width_from(terminal, std::env::var(COLUMNS).ok().as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_wins_then_columns_then_the_default() {
        assert_eq!(width_from(Some(132), Some("90")), 132);
        assert_eq!(width_from(None, Some("90")), 90);
        assert_eq!(width_from(Some(0), Some("90")), 90);
        assert_eq!(width_from(None, Some("wide")), DEFAULT_WIDTH);
        assert_eq!(width_from(None, None), DEFAULT_WIDTH);
    }
}
