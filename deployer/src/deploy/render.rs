//! Showing stack events, pure formatting: plain lines for logs and CI, and the live
//! table's lines. [`super::progress`] decides when to write what.

use std::time::Duration;

use super::events::StackEvent;
use crate::output::{self, styles};

/// `4.2s`, `1m05s`: short enough for a column, exact enough to read.
pub fn format_elapsed(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    if seconds < 60 {
        format!("{:.1}s", elapsed.as_secs_f64())
    } else {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

fn status_style(status: &str) -> anstyle::Style {
    if status.ends_with("_FAILED") || status.contains("ROLLBACK") {
        styles::RED
    } else if status.ends_with("_COMPLETE") {
        styles::GREEN
    } else {
        styles::YELLOW
    }
}

fn paint(text: &str, status: &str, colour: bool) -> String {
    output::paint(status_style(status), text, colour)
}

fn with_reason(mut text: String, reason: Option<&str>) -> String {
    if let Some(reason) = reason {
        text.push_str(": ");
        text.push_str(reason);
    }
    text
}

/// One plain line for an event: elapsed, status, type, logical ID, reason.
pub fn format_event_line(elapsed: Duration, event: &StackEvent, colour: bool) -> String {
    let status = paint(&format!("{:<36}", event.status), &event.status, colour);
    let rest = with_reason(
        format!("{:<32} {}", event.resource_type, event.logical_id),
        event.reason.as_deref(),
    );
    format!("{:>7}  {status} {rest}", format_elapsed(elapsed))
        .trim_end()
        .to_owned()
}

/// The latest state of one resource in the live table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRow {
    /// Logical ID.
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// Latest status.
    pub status: String,
    /// Latest reason, if any.
    pub reason: Option<String>,
}

/// Keeps one row per resource, in the order they first appeared, updated in place.
pub fn apply_event(rows: &mut Vec<ResourceRow>, event: &StackEvent) {
    let row = ResourceRow {
        logical_id: event.logical_id.clone(),
        resource_type: event.resource_type.clone(),
        status: event.status.clone(),
        reason: event.reason.clone(),
    };
    match rows
        .iter_mut()
        .find(|existing| existing.logical_id == row.logical_id)
    {
        Some(existing) => *existing = row,
        None => rows.push(row),
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The live table: a header with the elapsed time, then one line per resource, every line cut
/// to `width` columns so the redraw can count lines.
pub fn render_table(
    title: &str,
    elapsed: Duration,
    rows: &[ResourceRow],
    width: usize,
    colour: bool,
) -> Vec<String> {
    let mut lines = vec![truncate(
        &format!("{title} ({})", format_elapsed(elapsed)),
        width,
    )];
    for row in rows {
        let status_column = format!("  {:<36} ", row.status);
        let rest = with_reason(
            format!("{:<32} {}", row.resource_type, row.logical_id),
            row.reason.as_deref(),
        );
        let rest = truncate(&rest, width.saturating_sub(status_column.chars().count()));
        lines.push(format!(
            "{}{}",
            paint(&status_column, &row.status, colour),
            rest
        ));
    }
    lines
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A stream's event, for the rendering and progress tests.
    pub(in crate::deploy) fn event(
        logical_id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> StackEvent {
        StackEvent {
            event_id: format!("{logical_id}-{status}"),
            timestamp: None,
            logical_id: logical_id.to_owned(),
            resource_type: "AWS::Kinesis::Stream".to_owned(),
            status: status.to_owned(),
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn elapsed_is_short() {
        assert_eq!(format_elapsed(Duration::from_millis(4_240)), "4.2s");
        assert_eq!(format_elapsed(Duration::from_secs(65)), "1m05s");
    }

    #[test]
    fn a_plain_line_holds_status_type_id_and_reason() {
        let line = format_event_line(
            Duration::from_millis(12_300),
            &event("Stream", "CREATE_FAILED", Some("Invalid shard count")),
            false,
        );
        assert_eq!(
            line,
            "  12.3s  CREATE_FAILED                        AWS::Kinesis::Stream             Stream: Invalid shard count"
        );
        let coloured = format_event_line(
            Duration::ZERO,
            &event("Stream", "CREATE_COMPLETE", None),
            true,
        );
        assert!(coloured.contains("\x1b[32mCREATE_COMPLETE"), "{coloured:?}");
    }

    #[test]
    fn the_table_keeps_one_row_per_resource_and_fits_the_width() {
        let mut rows = Vec::new();
        apply_event(&mut rows, &event("Stream", "CREATE_IN_PROGRESS", None));
        apply_event(&mut rows, &event("Role", "CREATE_IN_PROGRESS", None));
        apply_event(&mut rows, &event("Stream", "CREATE_COMPLETE", None));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].status, "CREATE_COMPLETE");
        let lines = render_table("app: UPDATE", Duration::from_secs(3), &rows, 60, false);
        assert_eq!(lines[0], "app: UPDATE (3.0s)");
        assert_eq!(lines.len(), 3);
        assert!(
            lines.iter().all(|line| line.chars().count() <= 60),
            "{lines:#?}"
        );
        assert!(lines[1].starts_with("  CREATE_COMPLETE"));
    }
}
