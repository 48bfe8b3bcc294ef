//! Lambda's execution models and what each one changes for the processes: the
//! initialization type they are told, whether the environment freezes (and already after
//! INIT), how many invocations run at once, which lifecycle events an extension may ask for
//! and which Telemetry API schema versions a subscription may name. Pure code.

use std::num::NonZeroU32;

/// `AWS_LAMBDA_INITIALIZATION_TYPE`: set for every process, whatever the model.
pub(crate) const INITIALIZATION_TYPE: &str = "AWS_LAMBDA_INITIALIZATION_TYPE";
/// `AWS_LAMBDA_MAX_CONCURRENCY`: Lambda Managed Instances only.
pub(crate) const MAX_CONCURRENCY: &str = "AWS_LAMBDA_MAX_CONCURRENCY";
/// The only schema version Lambda Managed Instances accept.
const MANAGED_INSTANCES_SCHEMA: &str = "2025-01-29";
/// The schema versions Lambda (default) accepts.
const SCHEMA_VERSIONS: [&str; 3] = ["2025-01-29", "2022-12-13", "2022-07-01"];
/// The one lifecycle event an extension may register for on Lambda Managed Instances.
const SHUTDOWN: &str = "SHUTDOWN";

/// How Lambda runs the execution environment. The default is [`ExecutionModel::OnDemand`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecutionModel {
    /// INIT on the first request, then one invocation at a time, frozen between them.
    #[default]
    OnDemand,
    /// INIT ahead of any request, then frozen (for minutes or hours) until the first
    /// invocation; otherwise like on-demand.
    ProvisionedConcurrency,
    /// INIT once, frozen into a snapshot; each environment is resumed from it by a Restore
    /// phase (`platform.restoreStart`, `platform.restoreRuntimeDone`,
    /// `platform.restoreReport`) before its first invocation. Extensions get no event for
    /// the restore: their pending `next` returns the next INVOKE.
    SnapStart,
    /// Lambda Managed Instances: never frozen, up to `max_concurrency` invocations at once,
    /// extensions may register for SHUTDOWN only, Telemetry API schema `2025-01-29` only, no
    /// `platform.runtimeDone` and a `platform.report` with `durationMs` alone.
    ManagedInstances {
        /// `AWS_LAMBDA_MAX_CONCURRENCY`: invocations one environment runs at once.
        max_concurrency: NonZeroU32,
    },
}

impl ExecutionModel {
    /// The value of `AWS_LAMBDA_INITIALIZATION_TYPE` and of the platform events'
    /// `initializationType`.
    pub fn initialization_type(self) -> &'static str {
        match self {
            ExecutionModel::OnDemand => "on-demand",
            ExecutionModel::ProvisionedConcurrency => "provisioned-concurrency",
            ExecutionModel::SnapStart => "snap-start",
            ExecutionModel::ManagedInstances { .. } => "lambda-managed-instances",
        }
    }

    /// How many invocations run at once in one environment.
    pub fn max_concurrency(self) -> u32 {
        match self {
            ExecutionModel::ManagedInstances { max_concurrency } => max_concurrency.get(),
            _ => 1,
        }
    }

    /// Whether invocations run concurrently, so lines cannot be told apart by time.
    pub(crate) fn is_concurrent(self) -> bool {
        matches!(self, ExecutionModel::ManagedInstances { .. })
    }

    /// Whether the environment is frozen when idle (Lambda Managed Instances never are).
    pub(crate) fn freezes(self) -> bool {
        !self.is_concurrent()
    }

    /// Whether Lambda freezes the environment as soon as INIT ends (provisioned
    /// concurrency and SnapStart initialise ahead of any request).
    pub(crate) fn frozen_after_init(self) -> bool {
        matches!(
            self,
            ExecutionModel::ProvisionedConcurrency | ExecutionModel::SnapStart
        )
    }

    /// The variables this model sets for every process, over everything else.
    pub(crate) fn variables(self) -> Vec<(&'static str, String)> {
        let mut variables = vec![(INITIALIZATION_TYPE, self.initialization_type().to_owned())];
        if let ExecutionModel::ManagedInstances { max_concurrency } = self {
            variables.push((MAX_CONCURRENCY, max_concurrency.to_string()));
        }
        variables
    }

    /// The variables Lambda does not set in this model.
    pub(crate) fn removed_variables(self) -> &'static [&'static str] {
        match self {
            // "not available in Lambda SnapStart functions" (environment variables page).
            ExecutionModel::SnapStart => {
                &["AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"]
            }
            _ => &[],
        }
    }

    /// The first lifecycle event of a registration this model refuses, if any (Lambda
    /// Managed Instances accept SHUTDOWN only).
    pub(crate) fn refused_event<'a>(self, events: &[&'a str]) -> Option<&'a str> {
        if !self.is_concurrent() {
            return None;
        }
        events.iter().copied().find(|event| *event != SHUTDOWN)
    }

    /// Checks a subscription's `schemaVersion`; `Err` is the message of Lambda's
    /// `ValidationError`.
    pub(crate) fn check_schema_version(self, version: Option<&str>) -> Result<(), String> {
        let accepted: &[&str] = if self.is_concurrent() {
            &[MANAGED_INSTANCES_SCHEMA]
        } else {
            &SCHEMA_VERSIONS
        };
        match version {
            Some(version) if accepted.contains(&version) => Ok(()),
            Some(version) => Err(format!(
                "schema validation error: schemaVersion must be one of {accepted:?} with \
                 initialization type {}, got {version:?}",
                self.initialization_type()
            )),
            None => Err("schema validation error: schemaVersion is required".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn managed(concurrency: u32) -> ExecutionModel {
        ExecutionModel::ManagedInstances {
            max_concurrency: NonZeroU32::new(concurrency).unwrap(),
        }
    }

    #[test]
    fn every_model_names_its_initialization_type_and_only_managed_instances_its_concurrency() {
        let variables = |model: ExecutionModel| -> Vec<(&str, String)> { model.variables() };
        assert_eq!(
            variables(ExecutionModel::default()),
            [(INITIALIZATION_TYPE, "on-demand".to_owned())]
        );
        assert_eq!(
            variables(ExecutionModel::ProvisionedConcurrency)[0].1,
            "provisioned-concurrency"
        );
        assert_eq!(variables(ExecutionModel::SnapStart)[0].1, "snap-start");
        assert_eq!(
            variables(managed(8)),
            [
                (INITIALIZATION_TYPE, "lambda-managed-instances".to_owned()),
                (MAX_CONCURRENCY, "8".to_owned())
            ]
        );
        assert_eq!(managed(8).max_concurrency(), 8);
        assert_eq!(ExecutionModel::SnapStart.max_concurrency(), 1);
    }

    #[test]
    fn freezing_follows_the_model() {
        assert!(
            ExecutionModel::OnDemand.freezes() && !ExecutionModel::OnDemand.frozen_after_init()
        );
        assert!(ExecutionModel::ProvisionedConcurrency.frozen_after_init());
        assert!(ExecutionModel::SnapStart.frozen_after_init());
        assert!(!managed(2).freezes() && !managed(2).frozen_after_init());
        assert_eq!(
            ExecutionModel::SnapStart.removed_variables(),
            ["AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"]
        );
    }

    #[test]
    fn managed_instances_refuse_every_event_but_shutdown() {
        assert_eq!(
            managed(4).refused_event(&["INVOKE", "SHUTDOWN"]),
            Some("INVOKE")
        );
        assert_eq!(managed(4).refused_event(&["SHUTDOWN"]), None);
        assert_eq!(managed(4).refused_event(&[]), None);
        assert_eq!(
            ExecutionModel::OnDemand.refused_event(&["INVOKE", "SHUTDOWN"]),
            None
        );
    }

    #[test]
    fn managed_instances_accept_only_the_2025_schema_and_the_others_all_three() {
        for model in [
            ExecutionModel::OnDemand,
            ExecutionModel::ProvisionedConcurrency,
            ExecutionModel::SnapStart,
        ] {
            for version in SCHEMA_VERSIONS {
                assert_eq!(model.check_schema_version(Some(version)), Ok(()));
            }
            assert!(model.check_schema_version(Some("2020-01-01")).is_err());
        }
        assert_eq!(managed(2).check_schema_version(Some("2025-01-29")), Ok(()));
        let refused = managed(2)
            .check_schema_version(Some("2022-12-13"))
            .unwrap_err();
        assert!(
            refused.starts_with("schema validation error: ") && refused.contains("2022-12-13"),
            "{refused}"
        );
        assert!(
            ExecutionModel::OnDemand
                .check_schema_version(None)
                .unwrap_err()
                .contains("required")
        );
    }
}
