//! Deleting a stack: wait with the same event view, and on `DELETE_FAILED` list each
//! resource that failed with its reason and say how to retry.

use std::time::Instant;

use super::engine::{DeleteReport, Engine};
use super::error::DeployError;
use super::events::failed_resources;
use super::monitor::{Monitor, describe_stack, status_of};
use super::progress::Progress;
use super::status::{busy_hint, is_in_progress};

impl Engine {
    /// Deletes the stack and waits until it is gone. A missing stack is "nothing to delete".
    pub async fn delete(
        &self,
        stack_name: &str,
        progress: &mut dyn Progress,
    ) -> Result<DeleteReport, DeployError> {
        let started = Instant::now();
        let Some(stack) = describe_stack(&self.client, stack_name).await? else {
            return Ok(DeleteReport::NothingToDelete);
        };
        let status = status_of(&stack).to_owned();
        if is_in_progress(&status)
            && status != "DELETE_IN_PROGRESS"
            && status != "REVIEW_IN_PROGRESS"
        {
            let hint = busy_hint(stack_name, &status);
            return Err(DeployError::Busy {
                stack_name: stack_name.to_owned(),
                status,
                hint,
            });
        }
        let stack_id = stack.stack_id().unwrap_or(stack_name).to_owned();
        self.delete_and_wait(stack_name, &stack_id, started, progress)
            .await?;
        Ok(DeleteReport::Deleted { stack_id })
    }

    pub(super) async fn delete_and_wait(
        &self,
        stack_name: &str,
        stack_id: &str,
        started: Instant,
        progress: &mut dyn Progress,
    ) -> Result<(), DeployError> {
        let mut monitor = Monitor::new(&self.client, stack_id, started);
        monitor.skip_history().await?;
        progress.note(&format!("Deleting stack {stack_name}..."));
        self.client
            .delete_stack()
            .stack_name(stack_id)
            .send()
            .await
            .map_err(|error| DeployError::api("DeleteStack", error))?;
        let finished = monitor
            .wait(&self.poll, stack_name, "the delete", progress)
            .await?;
        match finished.as_ref().map(status_of) {
            None | Some("DELETE_COMPLETE") => Ok(()),
            Some(status) => Err(DeployError::DeleteFailed {
                stack_name: stack_name.to_owned(),
                failures: failed_resources(monitor.events()),
                hint: format!(
                    "{status}: fix or empty the resources listed, then run the command again; to keep them \
                     instead, `aws cloudformation delete-stack --stack-name {stack_name} --retain-resources <logical IDs>`"
                ),
            }),
        }
    }
}
