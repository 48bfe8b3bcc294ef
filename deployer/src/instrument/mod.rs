//! Adding the extension to functions people already have (`deployer instrument`), taking it
//! off exactly (`deployer uninstrument`), and showing where it stands (`deployer status`).
//!
//! Pure cores: [`arn`], [`runtimes`] (the runtimes that cannot run extensions, as data),
//! [`record`] (the undo record kept in the function's tags), [`function`] (a function and a
//! change to it), [`refusal`], [`plan`] and [`undo`] (what to change, or why not),
//! [`snippet`] (template lines for functions CloudFormation manages), [`settings`] (the
//! extension's variables as options), [`report`] and [`status`] (what people read).
//!
//! I/O shells: [`lambda`] and [`iam`] (the calls, with [`retry`]'s patience), [`selection`]
//! (which functions) and [`run_args`] (how a changing run behaves), [`target`] (the stack's layer, policy and stream), [`apply`] and
//! [`restore`] (changing functions), [`heirs`] (shared roles), [`parallel`] and
//! [`progress`] (many functions at once, on a terminal or in a log).

pub mod apply;
pub mod arn;
pub mod function;
pub mod heirs;
pub mod iam;
pub mod lambda;
pub mod parallel;
pub mod plan;
pub mod progress;
pub mod record;
pub mod refusal;
pub mod report;
pub mod restore;
pub mod retry;
pub mod run_args;
pub mod runtimes;
pub mod selection;
pub mod settings;
pub mod snippet;
pub mod status;
pub mod target;
pub mod undo;

pub use arn::{FunctionRef, LayerVersionArn};
pub use function::{Change, FunctionState, PolicyAction};
pub use lambda::{FunctionError, Lambda};
pub use report::{FunctionReport, Outcome, RunReport};
pub use retry::Patience;
pub use selection::SelectionArgs;

/// Some functions were refused or failed (after the report was printed).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{what}: {refused} refused, {failed} failed")]
#[diagnostic(help("the report above says why for each; the other functions were done"))]
pub struct NotAllDone {
    /// `instrument` or `uninstrument`.
    pub what: &'static str,
    /// Functions refused.
    pub refused: usize,
    /// Functions whose calls failed.
    pub failed: usize,
}
