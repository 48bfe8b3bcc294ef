//! What a stack's status lets us do next. Pure: the engine asks, then acts.

/// The deployer's reading of a stack status before a deploy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// No stack, or one that only holds a never-executed change set (`REVIEW_IN_PROGRESS`):
    /// deploy with a `CREATE` change set.
    Create,
    /// A stable stack: deploy with an `UPDATE` change set.
    Update,
    /// A failed first create (`ROLLBACK_COMPLETE`): it cannot be updated; delete it and create
    /// it again, as the CDK does.
    Recreate,
    /// Another operation is running on the stack.
    Busy,
    /// A state only a person can resolve; the hint says how.
    Stuck {
        /// What to do about it.
        hint: String,
    },
}

/// Reads a stack status (`None` when the stack does not exist).
pub fn readiness(status: Option<&str>, stack_name: &str) -> Readiness {
    match status {
        None | Some("REVIEW_IN_PROGRESS" | "DELETE_COMPLETE") => Readiness::Create,
        Some(
            "CREATE_COMPLETE"
            | "UPDATE_COMPLETE"
            | "UPDATE_ROLLBACK_COMPLETE"
            | "IMPORT_COMPLETE"
            | "IMPORT_ROLLBACK_COMPLETE",
        ) => Readiness::Update,
        Some("ROLLBACK_COMPLETE") => Readiness::Recreate,
        Some("UPDATE_ROLLBACK_FAILED") => Readiness::Stuck {
            hint: format!(
                "the stack's last update failed to roll back; continue the rollback with \
                 `aws cloudformation continue-update-rollback --stack-name {stack_name}` \
                 (add `--resources-to-skip` for resources that cannot roll back), wait for \
                 UPDATE_ROLLBACK_COMPLETE, then run `deployer up` again"
            ),
        },
        Some("ROLLBACK_FAILED" | "CREATE_FAILED" | "DELETE_FAILED" | "IMPORT_ROLLBACK_FAILED") => {
            Readiness::Stuck {
                hint: format!(
                    "the stack cannot be updated from this state; run `deployer destroy --stack-name {stack_name}` \
                 (it lists resources that fail to delete), then run `deployer up` again"
                ),
            }
        }
        Some(status) if is_in_progress(status) => Readiness::Busy,
        Some(_) => Readiness::Stuck {
            hint: format!(
                "inspect the stack with `aws cloudformation describe-stacks --stack-name {stack_name}`"
            ),
        },
    }
}

/// Whether an operation is still running in this status.
pub fn is_in_progress(status: &str) -> bool {
    status.ends_with("_IN_PROGRESS")
}

/// Whether a finished create or update succeeded.
pub fn is_deploy_success(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

/// The hint for a stack busy with another operation.
pub fn busy_hint(stack_name: &str, status: &str) -> String {
    let waiter = match status {
        s if s.starts_with("CREATE") => "stack-create-complete",
        s if s.starts_with("DELETE") => "stack-delete-complete",
        s if s.starts_with("IMPORT") => "stack-import-complete",
        s if s.starts_with("ROLLBACK") => "stack-rollback-complete",
        _ => "stack-update-complete",
    };
    format!(
        "another operation ({status}) is running on the stack; wait for it with \
         `aws cloudformation wait {waiter} --stack-name {stack_name}` and run the command again"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_what_to_do() {
        assert_eq!(readiness(None, "s"), Readiness::Create);
        assert_eq!(
            readiness(Some("REVIEW_IN_PROGRESS"), "s"),
            Readiness::Create
        );
        assert_eq!(
            readiness(Some("UPDATE_ROLLBACK_COMPLETE"), "s"),
            Readiness::Update
        );
        assert_eq!(
            readiness(Some("ROLLBACK_COMPLETE"), "s"),
            Readiness::Recreate
        );
        assert_eq!(readiness(Some("UPDATE_IN_PROGRESS"), "s"), Readiness::Busy);
        assert_eq!(
            readiness(Some("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"), "s"),
            Readiness::Busy
        );
        let Readiness::Stuck { hint } = readiness(Some("UPDATE_ROLLBACK_FAILED"), "app") else {
            panic!("UPDATE_ROLLBACK_FAILED must be stuck");
        };
        assert!(
            hint.contains("continue-update-rollback --stack-name app"),
            "{hint}"
        );
        let Readiness::Stuck { hint } = readiness(Some("DELETE_FAILED"), "app") else {
            panic!("DELETE_FAILED must be stuck");
        };
        assert!(hint.contains("deployer destroy"), "{hint}");
    }

    #[test]
    fn busy_hint_names_the_matching_waiter() {
        assert!(
            busy_hint("app", "DELETE_IN_PROGRESS")
                .contains("wait stack-delete-complete --stack-name app")
        );
        assert!(busy_hint("app", "UPDATE_ROLLBACK_IN_PROGRESS").contains("stack-update-complete"));
    }

    #[test]
    fn only_complete_creates_and_updates_succeed() {
        assert!(is_deploy_success("UPDATE_COMPLETE"));
        assert!(!is_deploy_success("UPDATE_ROLLBACK_COMPLETE"));
        assert!(!is_deploy_success("ROLLBACK_COMPLETE"));
    }
}
