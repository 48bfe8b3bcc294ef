//! Exit codes, for pipelines: which kind of failure ended the run.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success, including "no changes" and "nothing to destroy" |
//! | 1    | the operation failed: CloudFormation, S3, packaging, network |
//! | 2    | invalid usage: an option value, or a confirmation needed without a terminal or `--yes` |
//! | 3    | no usable AWS configuration: no region, no credentials |
//! | 130  | interrupted (Ctrl-C); CloudFormation carries on with what it started |

use std::process::ExitCode;

use crate::aws::ConnectError;
pub use crate::interrupt::Interrupted;
use crate::invoke::LocalRunsUnavailable;
use crate::options::OptionsError;

/// Success.
pub const SUCCESS: u8 = 0;
/// The operation failed.
pub const FAILURE: u8 = 1;
/// Invalid usage (clap uses 2 for its own parse errors too).
pub const USAGE: u8 = 2;
/// No usable AWS configuration.
pub const AWS_CONFIG: u8 = 3;
/// Interrupted by SIGINT: 128 + 2, as shells report it.
pub const INTERRUPTED: u8 = 130;

/// A confirmation was needed and nobody can give it.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{action} needs confirmation, and there is no terminal to ask on")]
#[diagnostic(help("pass --yes to confirm"))]
pub struct ConfirmationRequired {
    /// What would have been asked.
    pub action: String,
}

/// An invalid value of one of `up`'s or `destroy`'s own options.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
pub struct InvalidOption(pub String);

/// The exit code for a failed run.
pub fn code_for(report: &miette::Report) -> u8 {
    if report.downcast_ref::<Interrupted>().is_some() {
        INTERRUPTED
    } else if report.downcast_ref::<OptionsError>().is_some()
        || report.downcast_ref::<ConfirmationRequired>().is_some()
        || report.downcast_ref::<InvalidOption>().is_some()
        || report.downcast_ref::<LocalRunsUnavailable>().is_some()
        || report
            .downcast_ref::<ConnectError>()
            .is_some_and(ConnectError::is_usage)
    {
        USAGE
    } else if report.downcast_ref::<ConnectError>().is_some() {
        AWS_CONFIG
    } else {
        FAILURE
    }
}

/// [`code_for`] as an [`ExitCode`].
pub fn exit_code(report: &miette::Report) -> ExitCode {
    ExitCode::from(code_for(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_code() {
        let interrupted = Interrupted::new("x");
        assert_eq!(code_for(&miette::Report::new(interrupted)), INTERRUPTED);
        assert_eq!(
            code_for(&miette::Report::new(OptionsError::Shards(0))),
            USAGE
        );
        assert_eq!(
            code_for(&miette::Report::new(ConfirmationRequired {
                action: "x".to_owned()
            })),
            USAGE
        );
        assert_eq!(
            code_for(&miette::Report::new(ConnectError::RegionOption(
                "x".to_owned()
            ))),
            USAGE
        );
        assert_eq!(code_for(&miette::Report::new(LocalRunsUnavailable)), USAGE);
        assert_eq!(
            code_for(&miette::Report::new(ConnectError::NoRegion)),
            AWS_CONFIG
        );
        assert_eq!(code_for(&miette::miette!("anything else")), FAILURE);
    }
}
