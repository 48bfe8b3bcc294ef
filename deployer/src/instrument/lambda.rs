//! The Lambda calls of instrumenting: read a function with its tags, read a layer version's
//! architectures, list functions, and change one function safely: wait while it is busy
//! (`State: Pending`, `LastUpdateStatus: InProgress`, a `ResourceConflictException`), update
//! only the revision that was read, then wait for the update to succeed.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::{
    Environment, FunctionConfiguration, LastUpdateStatus, PackageType, State,
};
use tokio::time::Instant;

use super::arn::LayerVersionArn;
use super::function::{Change, FunctionState};
use super::retry::{Patience, retrying};
use crate::aws::CallFailure;

const SERVICE: &str = "Lambda";
/// The function changed since it was read (its revision is not the one given).
pub const PRECONDITION_FAILED: &str = "PreconditionFailedException";
const CONFLICT: &str = "ResourceConflictException";

/// Why one function could not be changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum FunctionError {
    /// A call failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Call(#[from] CallFailure),
    /// Its tags could not be read (they hold the undo record).
    #[error("cannot read its tags: {0}")]
    Tags(String),
    /// It stayed busy with an update.
    #[error("it was still updating after {0} s")]
    Busy(u64),
    /// Read again after it changed, it could no longer be changed.
    #[error("it changed meanwhile, and then: {0}")]
    Replanned(String),
    /// Lambda could not apply the update.
    #[error("Lambda could not apply the update: {0}")]
    UpdateFailed(String),
}

impl FunctionError {
    /// The failed call, when the network is at fault (not this function).
    pub fn network(&self) -> Option<&CallFailure> {
        match self {
            Self::Call(failure) if failure.is_network() => Some(failure),
            _ => None,
        }
    }

    /// Whether the function changed since it was read, so the change must be planned again.
    pub fn is_stale(&self) -> bool {
        matches!(self, Self::Call(failure) if failure.error_code() == Some(PRECONDITION_FAILED))
    }
}

/// A function as `ListFunctions` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its execution role's ARN.
    pub role: String,
}

/// Lambda, with the run's patience.
#[derive(Debug, Clone)]
pub struct Lambda {
    client: Client,
    patience: Patience,
}

fn sorted(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

impl Lambda {
    /// Calls through `client`, waiting and retrying as `patience` says.
    pub fn new(client: Client, patience: Patience) -> Self {
        Self { client, patience }
    }

    /// A function's configuration and tags.
    pub async fn function(&self, function: &str) -> Result<FunctionState, FunctionError> {
        let output = retrying(&self.patience, SERVICE, "GetFunction", || {
            self.client.get_function().function_name(function).send()
        })
        .await?;
        if let Some(error) = output.tags_error() {
            return Err(FunctionError::Tags(format!(
                "{}: {}",
                error.error_code(),
                error.message()
            )));
        }
        let configuration = output
            .configuration()
            .cloned()
            .unwrap_or_else(|| FunctionConfiguration::builder().build());
        Ok(FunctionState {
            name: configuration.function_name().unwrap_or(function).to_owned(),
            arn: configuration.function_arn().unwrap_or(function).to_owned(),
            runtime: configuration
                .runtime()
                .map(|runtime| runtime.as_str().to_owned()),
            image: configuration.package_type() == Some(&PackageType::Image),
            architectures: configuration
                .architectures()
                .iter()
                .map(|architecture| architecture.as_str().to_owned())
                .collect(),
            layers: configuration
                .layers()
                .iter()
                .filter_map(|layer| layer.arn().map(str::to_owned))
                .collect(),
            variables: sorted(configuration.environment().and_then(|e| e.variables())),
            role: configuration.role().unwrap_or_default().to_owned(),
            tags: sorted(output.tags()),
            revision: configuration.revision_id().map(str::to_owned),
        })
    }

    /// The architectures a layer version is built for (empty when it names none).
    pub async fn layer_architectures(
        &self,
        layer: &LayerVersionArn,
    ) -> Result<Vec<String>, CallFailure> {
        let version = i64::try_from(layer.version).unwrap_or(i64::MAX);
        let output = retrying(&self.patience, SERVICE, "GetLayerVersion", || {
            self.client
                .get_layer_version()
                .layer_name(&layer.layer)
                .version_number(version)
                .send()
        })
        .await?;
        Ok(output
            .compatible_architectures()
            .iter()
            .map(|architecture| architecture.as_str().to_owned())
            .collect())
    }

    /// Every function of the account in the region.
    pub async fn list(&self) -> Result<Vec<Listed>, CallFailure> {
        let mut listed = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let output = retrying(&self.patience, SERVICE, "ListFunctions", || {
                self.client
                    .list_functions()
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
            listed.extend(output.functions().iter().map(|function| Listed {
                name: function.function_name().unwrap_or_default().to_owned(),
                arn: function.function_arn().unwrap_or_default().to_owned(),
                role: function.role().unwrap_or_default().to_owned(),
            }));
            marker = output.next_marker().map(str::to_owned);
            if marker.is_none() {
                return Ok(listed);
            }
        }
    }

    /// A function's tags.
    pub async fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, CallFailure> {
        let output = retrying(&self.patience, SERVICE, "ListTags", || {
            self.client.list_tags().resource(arn).send()
        })
        .await?;
        Ok(sorted(output.tags()))
    }

    /// Sets `tags` on the function.
    pub async fn tag(&self, arn: &str, tags: &BTreeMap<String, String>) -> Result<(), CallFailure> {
        let tags: HashMap<String, String> = tags.clone().into_iter().collect();
        retrying(&self.patience, SERVICE, "TagResource", || {
            self.client
                .tag_resource()
                .resource(arn)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await
        .map(|_| ())
    }

    /// Removes the tags `keys` from the function.
    pub async fn untag(&self, arn: &str, keys: &[String]) -> Result<(), CallFailure> {
        retrying(&self.patience, SERVICE, "UntagResource", || {
            self.client
                .untag_resource()
                .resource(arn)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
        })
        .await
        .map(|_| ())
    }

    /// Waits until the function is not busy; gives the failure reason of its last update,
    /// if it failed.
    async fn settle(
        &self,
        function: &str,
        deadline: Instant,
    ) -> Result<Option<String>, FunctionError> {
        let started = Instant::now();
        loop {
            let configuration =
                retrying(&self.patience, SERVICE, "GetFunctionConfiguration", || {
                    self.client
                        .get_function_configuration()
                        .function_name(function)
                        .send()
                })
                .await?;
            let busy = configuration.state() == Some(&State::Pending)
                || configuration.last_update_status() == Some(&LastUpdateStatus::InProgress);
            if !busy {
                let failed = configuration.last_update_status() == Some(&LastUpdateStatus::Failed);
                return Ok(failed.then(|| {
                    configuration
                        .last_update_status_reason()
                        .unwrap_or("no reason given")
                        .to_owned()
                }));
            }
            if Instant::now() >= deadline {
                return Err(FunctionError::Busy(started.elapsed().as_secs()));
            }
            tokio::time::sleep(self.patience.poll).await;
        }
    }

    /// Applies the layers and variables of `change` to `function`, as read (its revision),
    /// and waits for Lambda to finish applying them.
    pub async fn update(
        &self,
        function: &FunctionState,
        change: &Change,
    ) -> Result<(), FunctionError> {
        let deadline = Instant::now() + self.patience.settle_timeout;
        let variables: HashMap<String, String> =
            change.variables_after.clone().into_iter().collect();
        let environment = Environment::builder()
            .set_variables(Some(variables))
            .build();
        loop {
            self.settle(&function.arn, deadline).await?;
            let result = retrying(
                &self.patience,
                SERVICE,
                "UpdateFunctionConfiguration",
                || {
                    self.client
                        .update_function_configuration()
                        .function_name(&function.arn)
                        .set_layers(Some(change.layers_after.clone()))
                        .environment(environment.clone())
                        .set_revision_id(function.revision.clone())
                        .send()
                },
            )
            .await;
            match result {
                Ok(_) => break,
                Err(failure)
                    if failure.error_code() == Some(CONFLICT) && Instant::now() < deadline =>
                {
                    tracing::debug!(function = %function.name, "busy with another update, waiting");
                    tokio::time::sleep(self.patience.poll).await;
                }
                Err(failure) => return Err(failure.into()),
            }
        }
        match self.settle(&function.arn, deadline).await? {
            Some(reason) => Err(FunctionError::UpdateFailed(reason)),
            None => Ok(()),
        }
    }
}
