//! What `deployer status` shows per instrumented function: the layer version it has against
//! the stack's current one, and when its last event reached the stream. Pure: the command
//! reads the functions and the stream, this module makes the rows and the text.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;

use super::arn::LayerVersionArn;
use super::function::FunctionState;
use super::record::Record;
use crate::output::{plural, timestamp};

/// How a function's layer compares with the stack's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerState {
    /// The stack's current version.
    Current,
    /// Another version: `instrument` again to move it to the current one.
    Outdated,
    /// No version of the layer: removed since it was instrumented.
    Missing,
    /// Not instrumented by this stack.
    NotInstrumented,
}

/// One function's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// The function.
    pub function: String,
    /// Its layer state.
    pub layer: LayerState,
    /// The version of the layer it has.
    pub layer_version: Option<u64>,
    /// Its last event's time on the stream (RFC 3339), if one was read.
    pub last_event: Option<String>,
}

/// The whole status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// The stack.
    pub stack_name: String,
    /// The stack's current layer version.
    pub layer_arn: String,
    /// The stream read for last events.
    pub stream: String,
    /// The start of the time read on the stream (RFC 3339).
    pub since: String,
    /// A reason the stream could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_error: Option<String>,
    /// One row per function.
    pub functions: Vec<StatusRow>,
}

/// The row of `function`, for stack `stack` whose layer is now `layer`.
pub fn row(
    function: &FunctionState,
    stack: &str,
    layer: &LayerVersionArn,
    last_events: &BTreeMap<String, OffsetDateTime>,
) -> StatusRow {
    let record = Record::from_tags(&function.tags).ok().flatten();
    let instrumented = record.as_ref().is_some_and(|record| record.stack == stack);
    let version = function.layers.iter().find_map(|arn| layer.version_in(arn));
    let state = match version {
        _ if !instrumented => LayerState::NotInstrumented,
        Some(version) if version == layer.version => LayerState::Current,
        Some(_) => LayerState::Outdated,
        None => LayerState::Missing,
    };
    StatusRow {
        function: function.name.clone(),
        layer: state,
        layer_version: version,
        last_event: last_events.get(&function.name).map(|time| timestamp(*time)),
    }
}

/// Keeps the latest `time` per function.
pub fn note_event(
    last_events: &mut BTreeMap<String, OffsetDateTime>,
    function: &str,
    time: OffsetDateTime,
) {
    let entry = last_events.entry(function.to_owned()).or_insert(time);
    if time > *entry {
        *entry = time;
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "stack {}: layer {}", self.stack_name, self.layer_arn)?;
        let width = self
            .functions
            .iter()
            .map(|row| row.function.len())
            .max()
            .unwrap_or(0)
            .max("FUNCTION".len());
        writeln!(f, "{:<width$}  {:<22}  LAST EVENT", "FUNCTION", "LAYER")?;
        for row in &self.functions {
            let layer = match (row.layer, row.layer_version) {
                (LayerState::Current, Some(version)) => format!("{version} (current)"),
                (LayerState::Outdated, Some(version)) => format!("{version} (outdated)"),
                (LayerState::NotInstrumented, _) => "not instrumented".to_owned(),
                _ => "missing".to_owned(),
            };
            let last = row.last_event.clone().unwrap_or_else(|| {
                if self.stream_error.is_some() {
                    "unknown".to_owned()
                } else {
                    format!("none since {}", self.since)
                }
            });
            writeln!(f, "{:<width$}  {layer:<22}  {last}", row.function)?;
        }
        if let Some(error) = &self.stream_error {
            writeln!(f, "stream {} not read: {error}", self.stream)?;
        }
        let outdated = self
            .functions
            .iter()
            .filter(|row| matches!(row.layer, LayerState::Outdated | LayerState::Missing))
            .count();
        write!(f, "{}", plural(self.functions.len(), "function"))?;
        if outdated > 0 {
            write!(
                f,
                ", {outdated} not on the current layer: run `deployer instrument` on them"
            )?;
        }
        writeln!(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::record::LayerChange;

    const LAYER: &str = "arn:aws:lambda:eu-west-3:1:layer:ext";

    fn function(name: &str, layers: &[&str], stack: Option<&str>) -> FunctionState {
        let tags = stack
            .map(|stack| {
                Record {
                    stack: stack.to_owned(),
                    layer: Some(LayerChange {
                        layer: LAYER.to_owned(),
                        replaced: None,
                    }),
                    ..Record::default()
                }
                .to_tags()
            })
            .unwrap_or_default();
        FunctionState {
            name: name.to_owned(),
            layers: layers.iter().map(|l| (*l).to_owned()).collect(),
            tags,
            ..FunctionState::default()
        }
    }

    #[test]
    fn rows_compare_versions_and_show_last_events() {
        let layer: LayerVersionArn = format!("{LAYER}:4").parse().unwrap();
        let time = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap();
        let mut events = BTreeMap::new();
        note_event(&mut events, "a", time - time::Duration::minutes(5));
        note_event(&mut events, "a", time);
        note_event(&mut events, "a", time - time::Duration::minutes(1));
        let rows = [
            row(
                &function("a", &[&format!("{LAYER}:4")], Some("s")),
                "s",
                &layer,
                &events,
            ),
            row(
                &function("b", &[&format!("{LAYER}:3")], Some("s")),
                "s",
                &layer,
                &events,
            ),
            row(&function("c", &[], Some("s")), "s", &layer, &events),
            row(&function("d", &[], None), "s", &layer, &events),
        ];
        let states: Vec<LayerState> = rows.iter().map(|row| row.layer).collect();
        assert_eq!(
            states,
            [
                LayerState::Current,
                LayerState::Outdated,
                LayerState::Missing,
                LayerState::NotInstrumented
            ]
        );
        assert_eq!(
            rows[0].last_event.as_deref(),
            Some("2026-01-01T00:00:00.000Z")
        );
        let report = StatusReport {
            stack_name: "s".to_owned(),
            layer_arn: layer.arn(),
            stream: "st".to_owned(),
            since: "2025-12-31T23:00:00.000Z".to_owned(),
            stream_error: None,
            functions: rows.to_vec(),
        };
        let text = report.to_string();
        assert!(
            text.contains("a         4 (current)             2026-01-01T00:00:00.000Z"),
            "{text}"
        );
        assert!(
            text.contains("b         3 (outdated)            none since 2025-12-31T23:00:00.000Z"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "4 functions, 2 not on the current layer: run `deployer instrument` on them\n"
            ),
            "{text}"
        );
    }
}
