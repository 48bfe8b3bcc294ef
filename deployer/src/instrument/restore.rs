//! Uninstrumenting, in phases: read and plan every function ([`Uninstrumenter::prepare`]);
//! decide each role's policy ([`Uninstrumenter::plan_policies`]: detached, or inherited by
//! another function still instrumented on the role); then restore the layers and variables
//! of each function, detach each role's policy once all its functions are restored, and
//! only then remove the records, so a run that fails half-way can be run again.

use std::collections::{BTreeMap, BTreeSet};

use super::apply::{Prepared, STALE_ATTEMPTS, failed};
use super::function::{Change, FunctionState, PolicyAction};
use super::heirs::{Heir, heirs};
use super::iam::Iam;
use super::lambda::{FunctionError, Lambda};
use super::parallel::in_parallel;
use super::progress::Progress;
use super::report::{Changes, FunctionReport, Outcome};
use super::undo::plan_undo;
use crate::aws::CallFailure;

/// A function to uninstrument.
#[derive(Debug, Clone)]
pub struct Ready {
    /// As read.
    pub function: FunctionState,
    /// What to put back.
    pub change: Change,
    /// What to tell about it.
    pub notes: Vec<String>,
}

/// Uninstruments functions instrumented by one stack.
#[derive(Debug, Clone)]
pub struct Uninstrumenter {
    /// Lambda.
    pub lambda: Lambda,
    /// IAM.
    pub iam: Iam,
    /// The stack whose records are undone.
    pub stack: String,
    /// Functions worked on at once.
    pub concurrency: usize,
}

/// The policy of a role with an heir: kept, and recorded on the heir.
#[derive(Debug, Clone)]
pub struct Inherited {
    /// The policy.
    pub policy: String,
    /// Who keeps it.
    pub heir: Heir,
}

impl Uninstrumenter {
    /// Reads `function` (name or ARN) and plans putting it back.
    pub async fn prepare(&self, function: &str) -> Prepared {
        let state = match self.lambda.function(function).await {
            Ok(state) => state,
            Err(error) => return Prepared::failed(function, error),
        };
        match plan_undo(&state, &self.stack) {
            Err(refusal) => {
                Prepared::Done(FunctionReport::new(&state.name, Outcome::Refused).because(refusal))
            }
            Ok(None) => Prepared::Done(FunctionReport::new(&state.name, Outcome::NotInstrumented)),
            Ok(Some(change)) => Prepared::Ready {
                function: Box::new(state),
                change,
            },
        }
    }

    /// Finds the roles whose policy another function keeps, and takes their detach out of
    /// `ready`, with a note.
    pub async fn plan_policies(
        &self,
        ready: &mut [Ready],
    ) -> Result<BTreeMap<String, Inherited>, CallFailure> {
        let roles: BTreeSet<String> = ready
            .iter()
            .filter(|ready| matches!(ready.change.policy, Some(PolicyAction::Detach { .. })))
            .map(|ready| ready.function.role.clone())
            .collect();
        if roles.is_empty() {
            return Ok(BTreeMap::new());
        }
        let leaving = ready
            .iter()
            .map(|ready| ready.function.arn.clone())
            .collect();
        let heirs = heirs(
            &self.lambda,
            &self.stack,
            &roles,
            &leaving,
            self.concurrency,
        )
        .await?;
        let mut inherited = BTreeMap::new();
        for ready in ready.iter_mut() {
            let Some(heir) = heirs.get(&ready.function.role) else {
                continue;
            };
            if let Some(PolicyAction::Detach { policy, .. }) = ready.change.policy.take() {
                ready.notes.push(format!(
                    "policy kept: the role also serves {}, still instrumented",
                    heir.name
                ));
                inherited
                    .entry(ready.function.role.clone())
                    .or_insert_with(|| Inherited {
                        policy,
                        heir: heir.clone(),
                    });
            }
        }
        Ok(inherited)
    }

    async fn restore(&self, ready: Ready) -> (Ready, Result<(), FunctionError>) {
        let mut ready = ready;
        let mut attempt = 1;
        loop {
            if !ready.change.changes_configuration() {
                return (ready, Ok(()));
            }
            match self.lambda.update(&ready.function, &ready.change).await {
                Err(error) if error.is_stale() && attempt < STALE_ATTEMPTS => {
                    attempt += 1;
                    let (function, change) = match self.prepare(&ready.function.arn).await {
                        Prepared::Ready { function, change } => (function, change),
                        Prepared::Unreachable(failure) => return (ready, Err(failure.into())),
                        // No record any more: someone else finished it.
                        Prepared::Done(report) if report.outcome == Outcome::NotInstrumented => {
                            return (ready, Ok(()));
                        }
                        Prepared::Done(report) => {
                            let reason = report.reason.unwrap_or_default();
                            return (ready, Err(FunctionError::Replanned(reason)));
                        }
                    };
                    ready.function = *function;
                    // The policy decision stands; only the configuration is read again.
                    ready.change.layers_before = change.layers_before;
                    ready.change.layers_after = change.layers_after;
                    ready.change.variables_before = change.variables_before;
                    ready.change.variables_after = change.variables_after;
                }
                result => return (ready, result),
            }
        }
    }

    /// Restores every function, settles each role's policy, then removes the records.
    pub async fn apply(
        &self,
        ready: Vec<Ready>,
        inherited: &BTreeMap<String, Inherited>,
    ) -> Vec<FunctionReport> {
        let mut progress = Progress::stderr("uninstrumenting", ready.len());
        let restored = in_parallel(
            ready,
            self.concurrency,
            |ready| {
                let this = self.clone();
                async move { this.restore(ready).await }
            },
            |(ready, result)| {
                result
                    .as_ref()
                    .err()
                    .map(|error| format!("{}: failed: {error}", ready.function.name))
            },
            &mut progress,
        )
        .await;

        // A role's policy goes once every function on it is restored.
        let mut role_errors: BTreeMap<String, String> = BTreeMap::new();
        for (ready, result) in &restored {
            if result.is_err() {
                role_errors
                    .entry(ready.function.role.clone())
                    .or_insert_with(|| "another function on its role was not restored".to_owned());
            }
        }
        let mut detached = BTreeSet::new();
        for (ready, _) in &restored {
            let Some(PolicyAction::Detach { policy, role }) = &ready.change.policy else {
                continue;
            };
            if role_errors.contains_key(role) || !detached.insert(role.clone()) {
                continue;
            }
            if let Err(error) = self.iam.detach(role, policy).await {
                role_errors.insert(role.clone(), error.to_string());
            }
        }
        for (role, Inherited { policy, heir }) in inherited {
            if let Err(error) = self.lambda.tag(&heir.arn, &heir.tags_owning(policy)).await {
                role_errors.insert(role.clone(), error.to_string());
            }
        }

        // The records go last, a few at a time: a function whose work is not done keeps its
        // record, so running uninstrument again finishes it.
        let finishing: Vec<(Ready, Result<(), String>)> = restored
            .into_iter()
            .map(|(ready, result)| {
                let result = match (result, role_errors.get(&ready.function.role)) {
                    (Err(error), _) => Err(error.to_string()),
                    (Ok(()), Some(error)) if ready.change.policy.is_some() => Err(error.clone()),
                    (Ok(()), _) => Ok(()),
                };
                (ready, result)
            })
            .collect();
        let mut progress = Progress::stderr("removing records", finishing.len());
        in_parallel(
            finishing,
            self.concurrency,
            |(ready, result)| {
                let lambda = self.lambda.clone();
                async move {
                    let result = match result {
                        Ok(()) => lambda
                            .untag(&ready.function.arn, &ready.change.remove_tags)
                            .await
                            .map_err(|error| error.to_string()),
                        Err(error) => Err(error),
                    };
                    let mut report = match result {
                        Ok(()) => {
                            FunctionReport::new(&ready.function.name, Outcome::Uninstrumented)
                        }
                        Err(error) => failed(&ready.function.name, &error, None),
                    };
                    report.changes = Some(Changes::from(&ready.change));
                    report.notes = ready.notes;
                    report
                }
            },
            |report| Some(report.progress_line()),
            &mut progress,
        )
        .await
    }
}
