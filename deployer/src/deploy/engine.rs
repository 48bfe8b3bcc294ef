//! The CloudFormation engine: deploy a template through a change set, or delete a stack,
//! showing events as they happen and ending failures with their root cause.

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::types::{
    Capability, ChangeSetStatus, ChangeSetType, Parameter, Stack, Tag, TemplateStage,
};

use super::changes::{DeployedState, is_empty_change_set, is_unchanged};
use super::error::DeployError;
use super::events::root_cause;
use super::monitor::{Monitor, describe_stack, status_of};
use super::poll::{Backoff, PollSettings};
use super::progress::Progress;
use super::status::{Readiness, busy_hint, is_deploy_success, readiness};

/// What to deploy: one stack's template, parameters and tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSpec {
    /// The stack name.
    pub stack_name: String,
    /// The template body (at most 51,200 bytes inline).
    pub template_body: String,
    /// Parameter values by name.
    pub parameters: BTreeMap<String, String>,
    /// Stack tags (CloudFormation propagates them to resources).
    pub tags: BTreeMap<String, String>,
}

/// The result of a deploy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeployReport {
    /// The stack name.
    pub stack_name: String,
    /// The stack ARN.
    pub stack_id: String,
    /// Whether anything changed.
    pub changed: bool,
    /// The final stack status.
    pub status: String,
    /// The stack outputs by key.
    pub outputs: BTreeMap<String, String>,
    /// Whether a stack left in `ROLLBACK_COMPLETE` was deleted and created again.
    pub recreated: bool,
}

/// The result of a delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteReport {
    /// There was no stack.
    NothingToDelete,
    /// The stack was deleted.
    Deleted {
        /// The deleted stack's ARN.
        stack_id: String,
    },
}

/// Deploys and deletes stacks with one CloudFormation client.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(super) client: Client,
    pub(super) poll: PollSettings,
}

fn outputs_of(stack: &Stack) -> BTreeMap<String, String> {
    stack
        .outputs()
        .iter()
        .filter_map(|output| {
            Some((
                output.output_key()?.to_owned(),
                output.output_value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn unchanged_report(spec: &StackSpec, stack: &Stack, recreated: bool) -> DeployReport {
    DeployReport {
        stack_name: spec.stack_name.clone(),
        stack_id: stack.stack_id().unwrap_or_default().to_owned(),
        changed: false,
        status: status_of(stack).to_owned(),
        outputs: outputs_of(stack),
        recreated,
    }
}

/// A change set name unique enough for one stack: CloudFormation requires a letter first.
fn change_set_name() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or_default();
    format!("deployer-{millis}")
}

impl Engine {
    /// An engine polling on `poll`'s schedule.
    pub fn new(client: Client, poll: PollSettings) -> Self {
        Self { client, poll }
    }

    /// The CloudFormation client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The stack's outputs, or `None` when the stack does not exist.
    pub async fn outputs(
        &self,
        stack_name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, DeployError> {
        Ok(describe_stack(&self.client, stack_name)
            .await?
            .as_ref()
            .map(outputs_of))
    }

    /// The physical ID of resource `logical_id` of the stack, or `None` when the stack or the
    /// resource does not exist.
    pub async fn physical_id(
        &self,
        stack_name: &str,
        logical_id: &str,
    ) -> Result<Option<String>, DeployError> {
        match self
            .client
            .describe_stack_resource()
            .stack_name(stack_name)
            .logical_resource_id(logical_id)
            .send()
            .await
        {
            Ok(output) => Ok(output
                .stack_resource_detail()
                .and_then(|detail| detail.physical_resource_id())
                .filter(|id| !id.is_empty())
                .map(str::to_owned)),
            Err(error) if super::monitor::is_missing_stack(&error) => Ok(None),
            Err(error) => Err(DeployError::api("DescribeStackResource", error)),
        }
    }

    /// Brings the stack to `spec`: skips when nothing changed, otherwise creates and executes a
    /// change set and follows the stack until it settles.
    pub async fn deploy(
        &self,
        spec: &StackSpec,
        progress: &mut dyn Progress,
    ) -> Result<DeployReport, DeployError> {
        let started = Instant::now();
        let mut stack = describe_stack(&self.client, &spec.stack_name).await?;
        let mut recreated = false;
        let change_set_type = match readiness(stack.as_ref().map(status_of), &spec.stack_name) {
            Readiness::Create => ChangeSetType::Create,
            Readiness::Update => {
                if let Some(current) = &stack
                    && self.is_deployed(spec, current).await?
                {
                    return Ok(unchanged_report(spec, current, false));
                }
                ChangeSetType::Update
            }
            Readiness::Recreate => {
                let stack_id = stack
                    .as_ref()
                    .and_then(|found| found.stack_id())
                    .unwrap_or(&spec.stack_name)
                    .to_owned();
                progress.note(&format!(
                    "Stack {} is in ROLLBACK_COMPLETE after a failed create: deleting it and creating it again.",
                    spec.stack_name
                ));
                self.delete_and_wait(&spec.stack_name, &stack_id, started, progress)
                    .await?;
                stack = None;
                recreated = true;
                ChangeSetType::Create
            }
            Readiness::Busy => {
                let status = stack.as_ref().map(status_of).unwrap_or_default().to_owned();
                let hint = busy_hint(&spec.stack_name, &status);
                return Err(DeployError::Busy {
                    stack_name: spec.stack_name.clone(),
                    status,
                    hint,
                });
            }
            Readiness::Stuck { hint } => {
                let status = stack.as_ref().map(status_of).unwrap_or_default().to_owned();
                return Err(DeployError::NotUpdatable {
                    stack_name: spec.stack_name.clone(),
                    status,
                    hint,
                });
            }
        };

        progress.note(&format!(
            "Creating change set for stack {}...",
            spec.stack_name
        ));
        let created = self
            .client
            .create_change_set()
            .stack_name(&spec.stack_name)
            .change_set_name(change_set_name())
            .change_set_type(change_set_type)
            .template_body(&spec.template_body)
            .set_parameters(Some(
                spec.parameters
                    .iter()
                    .map(|(key, value)| {
                        Parameter::builder()
                            .parameter_key(key)
                            .parameter_value(value)
                            .build()
                    })
                    .collect(),
            ))
            .set_tags(Some(
                spec.tags
                    .iter()
                    .map(|(key, value)| Tag::builder().key(key).value(value).build())
                    .collect(),
            ))
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await
            .map_err(|error| DeployError::api("CreateChangeSet", error))?;
        let change_set_id = created.id().unwrap_or_default().to_owned();
        let stack_id = created
            .stack_id()
            .or_else(|| stack.as_ref().and_then(|found| found.stack_id()))
            .unwrap_or(&spec.stack_name)
            .to_owned();

        let mut monitor = Monitor::new(&self.client, &stack_id, started);
        if stack.is_some() {
            monitor.skip_history().await?;
        }
        if !self.wait_for_change_set(spec, &change_set_id).await? {
            self.client
                .delete_change_set()
                .change_set_name(&change_set_id)
                .send()
                .await
                .map_err(|error| DeployError::api("DeleteChangeSet", error))?;
            let current = describe_stack(&self.client, &stack_id).await?;
            return Ok(match current {
                Some(current) => unchanged_report(spec, &current, recreated),
                None => DeployReport {
                    stack_name: spec.stack_name.clone(),
                    stack_id,
                    changed: false,
                    status: String::new(),
                    outputs: BTreeMap::new(),
                    recreated,
                },
            });
        }

        progress.note(&format!(
            "Executing change set for stack {}...",
            spec.stack_name
        ));
        self.client
            .execute_change_set()
            .change_set_name(&change_set_id)
            .send()
            .await
            .map_err(|error| DeployError::api("ExecuteChangeSet", error))?;
        let finished = monitor
            .wait(&self.poll, &spec.stack_name, "the deploy", progress)
            .await?;
        let status = finished
            .as_ref()
            .map(status_of)
            .unwrap_or("DELETE_COMPLETE")
            .to_owned();
        match finished {
            Some(finished) if is_deploy_success(&status) => Ok(DeployReport {
                stack_name: spec.stack_name.clone(),
                stack_id,
                changed: true,
                status,
                outputs: outputs_of(&finished),
                recreated,
            }),
            _ => {
                let hint = match status.as_str() {
                    "ROLLBACK_COMPLETE" => "fix the cause; the next `deployer up` deletes the failed stack and creates it again".to_owned(),
                    "UPDATE_ROLLBACK_COMPLETE" => "the stack is back to its previous state; fix the cause and run `deployer up` again".to_owned(),
                    _ => match readiness(Some(&status), &spec.stack_name) {
                        Readiness::Stuck { hint } => hint,
                        _ => format!("inspect `aws cloudformation describe-stack-events --stack-name {}`", spec.stack_name),
                    },
                };
                Err(DeployError::Failed {
                    stack_name: spec.stack_name.clone(),
                    status,
                    root_cause: root_cause(monitor.events()).map(Box::new),
                    hint,
                })
            }
        }
    }

    /// Whether the deployed template, parameters and tags equal `spec`'s.
    async fn is_deployed(&self, spec: &StackSpec, stack: &Stack) -> Result<bool, DeployError> {
        let template = self
            .client
            .get_template()
            .stack_name(stack.stack_id().unwrap_or(&spec.stack_name))
            .template_stage(TemplateStage::Original)
            .send()
            .await
            .map_err(|error| DeployError::api("GetTemplate", error))?;
        let deployed = DeployedState {
            template_body: template.template_body().unwrap_or_default().to_owned(),
            parameters: stack
                .parameters()
                .iter()
                .filter_map(|parameter| {
                    Some((
                        parameter.parameter_key()?.to_owned(),
                        parameter.parameter_value().unwrap_or_default().to_owned(),
                    ))
                })
                .collect(),
            tags: stack
                .tags()
                .iter()
                .filter_map(|tag| Some((tag.key()?.to_owned(), tag.value()?.to_owned())))
                .collect(),
        };
        Ok(is_unchanged(
            &deployed,
            &spec.template_body,
            &spec.parameters,
            &spec.tags,
        ))
    }

    /// Waits for the change set to be computed: `true` when it has changes to execute, `false`
    /// when it is empty.
    async fn wait_for_change_set(
        &self,
        spec: &StackSpec,
        change_set_id: &str,
    ) -> Result<bool, DeployError> {
        let mut backoff = Backoff::new(&self.poll);
        let waiting_since = Instant::now();
        loop {
            let described = self
                .client
                .describe_change_set()
                .change_set_name(change_set_id)
                .send()
                .await
                .map_err(|error| DeployError::api("DescribeChangeSet", error))?;
            match described.status() {
                Some(ChangeSetStatus::CreateComplete) => return Ok(true),
                Some(ChangeSetStatus::Failed) if is_empty_change_set(described.status_reason()) => {
                    return Ok(false);
                }
                Some(ChangeSetStatus::Failed) => {
                    return Err(DeployError::ChangeSetFailed {
                        stack_name: spec.stack_name.clone(),
                        reason: described
                            .status_reason()
                            .unwrap_or("no reason given")
                            .to_owned(),
                    });
                }
                _ => {}
            }
            if waiting_since.elapsed() >= self.poll.change_set_timeout {
                return Err(DeployError::Timeout {
                    stack_name: spec.stack_name.clone(),
                    what: "the change set",
                    waited: waiting_since.elapsed(),
                    hint: format!(
                        "inspect it with `aws cloudformation describe-change-set --change-set-name {change_set_id}`"
                    ),
                });
            }
            tokio::time::sleep(backoff.next_interval()).await;
        }
    }
}
