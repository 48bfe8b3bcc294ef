//! A CloudFormation engine, generic over template, parameters and tags: deploy through change
//! sets with a local "nothing changed" skip, delete, and show stack events as they happen.

mod changes;
mod delete;
mod engine;
mod error;
mod events;
mod monitor;
mod poll;
mod progress;
mod render;
mod status;

pub use changes::{DeployedState, is_empty_change_set, is_unchanged, templates_equal};
pub use engine::{DeleteReport, DeployReport, Engine, StackSpec};
pub use error::DeployError;
pub use events::{EventCursor, PageOutcome, RootCause, StackEvent, failed_resources, root_cause};
pub use poll::{Backoff, PollSettings};
pub use progress::{LiveProgress, PlainProgress, Progress, Silent, stderr_progress};
pub use render::{ResourceRow, apply_event, format_elapsed, format_event_line, render_table};
pub use status::{Readiness, readiness};
