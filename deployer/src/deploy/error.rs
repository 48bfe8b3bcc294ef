//! What can go wrong deploying or deleting a stack, each with what to do about it.

use std::time::Duration;

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};

use super::events::RootCause;
use crate::aws::CallFailure;

/// A failed deploy or delete.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DeployError {
    /// A CloudFormation call failed (network, credentials, throttling, validation).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Api(CallFailure),
    /// Another operation is running on the stack.
    #[error("stack {stack_name} is busy: {status}")]
    Busy {
        /// The stack.
        stack_name: String,
        /// Its status.
        status: String,
        /// What to do.
        #[help]
        hint: String,
    },
    /// The stack is in a state that cannot be deployed over.
    #[error("stack {stack_name} is in {status} and cannot be updated")]
    NotUpdatable {
        /// The stack.
        stack_name: String,
        /// Its status.
        status: String,
        /// What to do.
        #[help]
        hint: String,
    },
    /// CloudFormation rejected the change set (template or parameter error).
    #[error("CloudFormation rejected the change set for stack {stack_name}: {reason}")]
    ChangeSetFailed {
        /// The stack.
        stack_name: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// The create or update failed and was rolled back (or failed to roll back).
    #[error("stack {stack_name} ended in {status}{}", cause_suffix(.root_cause.as_deref()))]
    Failed {
        /// The stack.
        stack_name: String,
        /// The final status.
        status: String,
        /// The first failed resource and its reason.
        root_cause: Option<Box<RootCause>>,
        /// What to do.
        #[help]
        hint: String,
    },
    /// The stack could not be deleted.
    #[error("stack {stack_name} failed to delete{}", failures_suffix(.failures))]
    DeleteFailed {
        /// The stack.
        stack_name: String,
        /// The resources that failed to delete, with reasons.
        failures: Vec<RootCause>,
        /// What to do.
        #[help]
        hint: String,
    },
    /// An operation took longer than allowed. CloudFormation carries on regardless.
    #[error("gave up after {} waiting for {what} of stack {stack_name}", super::render::format_elapsed(*.waited))]
    Timeout {
        /// The stack.
        stack_name: String,
        /// What we waited for.
        what: &'static str,
        /// How long we waited.
        waited: Duration,
        /// What to do.
        #[help]
        hint: String,
    },
}

fn cause_suffix(cause: Option<&RootCause>) -> String {
    cause.map(|cause| format!(": {cause}")).unwrap_or_default()
}

fn failures_suffix(failures: &[RootCause]) -> String {
    failures
        .iter()
        .map(|failure| format!("\n  {failure}"))
        .collect()
}

impl DeployError {
    /// Describes a failed call of CloudFormation's `operation`.
    pub fn api<E, R>(operation: &'static str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        Self::Api(CallFailure::from_sdk("CloudFormation", operation, &error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_listed_one_per_line() {
        let error = DeployError::DeleteFailed {
            stack_name: "app".to_owned(),
            failures: vec![RootCause {
                logical_id: "Bucket".to_owned(),
                resource_type: "AWS::S3::Bucket".to_owned(),
                status: "DELETE_FAILED".to_owned(),
                reason: "The bucket you tried to delete is not empty".to_owned(),
            }],
            hint: String::new(),
        };
        assert_eq!(
            error.to_string(),
            "stack app failed to delete\n  Bucket (AWS::S3::Bucket) DELETE_FAILED: The bucket you tried to delete is not empty"
        );
    }
}
