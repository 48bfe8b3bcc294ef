//! Instrumenting, function by function: read it and plan ([`Instrumenter::prepare`]), then
//! change it ([`Instrumenter::apply`]): the record first (so an interrupted run can still be
//! undone), then the policy (so the extension can write from its first start), then the
//! layers and variables, waiting for Lambda to apply them. A function changed by someone
//! else between the read and the update is read and planned again.

use std::future::Future;
use std::sync::Arc;

use super::function::{Change, FunctionState, PolicyAction};
use super::iam::Iam;
use super::lambda::{FunctionError, Lambda};
use super::parallel::in_parallel;
use super::plan::{Desired, check, plan};
use super::progress::Progress;
use super::refusal::Refusal;
use super::report::{Changes, FunctionReport, Outcome};
use super::snippet::template_lines;
use crate::aws::CallFailure;

/// Reads and plans run this many times in all for a function that keeps changing under us.
pub const STALE_ATTEMPTS: u32 = 3;

/// A function read and planned.
#[derive(Debug)]
pub enum Prepared {
    /// It needs `change`.
    Ready {
        /// As read.
        function: Box<FunctionState>,
        /// What to do to it.
        change: Change,
    },
    /// Nothing to do: already instrumented, refused, or it could not be read.
    Done(FunctionReport),
    /// The network failed: not this function's fault, and the run stops.
    Unreachable(CallFailure),
}

impl Prepared {
    /// A function that could not be read: the run stops when the network is at fault.
    pub fn failed(function: &str, error: FunctionError) -> Self {
        match error.network() {
            Some(failure) => Self::Unreachable(failure.clone()),
            None => Self::Done(failed(function, &error, None)),
        }
    }

    /// The progress line of a function done at this stage.
    pub fn progress_line(&self) -> Option<String> {
        match self {
            Self::Done(report) => Some(report.progress_line()),
            Self::Ready { .. } | Self::Unreachable(_) => None,
        }
    }
}

/// Reads and plans every function with `prepare`, `concurrency` at a time, with progress;
/// the first network failure ends the run.
pub async fn prepare_all<F, Fut>(
    functions: Vec<String>,
    concurrency: usize,
    prepare: F,
) -> Result<Vec<Prepared>, CallFailure>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Prepared> + Send + 'static,
{
    let mut progress = Progress::stderr("reading functions", functions.len());
    let prepared = in_parallel(
        functions,
        concurrency,
        prepare,
        Prepared::progress_line,
        &mut progress,
    )
    .await;
    match prepared.iter().find_map(|prepared| match prepared {
        Prepared::Unreachable(failure) => Some(failure.clone()),
        _ => None,
    }) {
        Some(failure) => Err(failure),
        None => Ok(prepared),
    }
}

/// Instruments functions with one stack's layer, variables and policy.
#[derive(Debug, Clone)]
pub struct Instrumenter {
    /// Lambda.
    pub lambda: Lambda,
    /// IAM.
    pub iam: Iam,
    /// What to put on each function.
    pub desired: Arc<Desired>,
    /// The stack whose exports the layer and policy are, for template lines.
    pub exporting_stack: Option<String>,
}

impl Instrumenter {
    fn refused(&self, function: &FunctionState, refusal: &Refusal) -> FunctionReport {
        let mut report = FunctionReport::new(&function.name, Outcome::Refused).because(refusal);
        if refusal.cloudformation_stack().is_some() {
            report.template = Some(template_lines(
                &self.desired.layer.arn(),
                &self.desired.policy,
                &self.desired.variables,
                self.exporting_stack.as_deref(),
            ));
        }
        report
    }

    /// Reads `function` (name or ARN) and decides what to do to it.
    pub async fn prepare(&self, function: &str) -> Prepared {
        let state = match self.lambda.function(function).await {
            Ok(state) => state,
            Err(error) => return Prepared::failed(function, error),
        };
        let record = match check(&state, &self.desired) {
            Ok(record) => record,
            Err(refusal) => return Prepared::Done(self.refused(&state, &refusal)),
        };
        let attached = match self
            .iam
            .is_attached(&state.role, &self.desired.policy)
            .await
        {
            Ok(attached) => attached,
            Err(error) => return Prepared::failed(&state.name, error.into()),
        };
        match plan(&state, &self.desired, record, attached) {
            Err(refusal) => Prepared::Done(self.refused(&state, &refusal)),
            Ok(change) if change.is_empty() => Prepared::Done(FunctionReport::new(
                &state.name,
                Outcome::AlreadyInstrumented,
            )),
            Ok(change) => Prepared::Ready {
                function: Box::new(state),
                change,
            },
        }
    }

    async fn apply_once(
        &self,
        function: &FunctionState,
        change: &Change,
    ) -> Result<(), FunctionError> {
        if !change.set_tags.is_empty() {
            self.lambda.tag(&function.arn, &change.set_tags).await?;
        }
        if !change.remove_tags.is_empty() {
            self.lambda
                .untag(&function.arn, &change.remove_tags)
                .await?;
        }
        if let Some(PolicyAction::Attach { policy, role }) = &change.policy {
            self.iam.attach(role, policy).await?;
        }
        if change.changes_configuration() {
            self.lambda.update(function, change).await?;
        }
        Ok(())
    }

    /// Makes `change` to `function`, planning again when the function changed meanwhile.
    pub async fn apply(&self, function: FunctionState, change: Change) -> FunctionReport {
        let (mut function, mut change) = (function, change);
        let mut attempt = 1;
        loop {
            match self.apply_once(&function, &change).await {
                Ok(()) => {
                    let mut report = FunctionReport::new(&function.name, Outcome::Instrumented);
                    report.changes = Some(Changes::from(&change));
                    return report;
                }
                Err(error) if error.is_stale() && attempt < STALE_ATTEMPTS => {
                    tracing::debug!(function = %function.name, "changed since read; planning again");
                    attempt += 1;
                    match self.prepare(&function.arn).await {
                        Prepared::Ready {
                            function: again,
                            change: planned,
                        } => (function, change) = (*again, planned),
                        Prepared::Done(report) => return report,
                        Prepared::Unreachable(error) => {
                            return failed(&function.name, &error, Some(&change));
                        }
                    }
                }
                Err(error) => return failed(&function.name, &error, Some(&change)),
            }
        }
    }
}

/// A function that could not be read or changed.
pub fn failed(function: &str, error: &impl ToString, change: Option<&Change>) -> FunctionReport {
    let mut report = FunctionReport::new(function, Outcome::Failed).because(error.to_string());
    report.changes = change.map(Changes::from);
    report
}
