//! The platform events of each execution model, which the simulator (on-demand only) does not
//! emit: its INIT events say `initializationType: on-demand` whatever the model; on Lambda
//! Managed Instances there is no `platform.runtimeDone` and `platform.report` has only
//! `durationMs` in its metrics; SnapStart's Restore phase has its own three events, and the
//! first `platform.report` after a restore carries `restoreDurationMs`. Pure code, but for
//! the slot that remembers the invocation after a restore.

use crate::log_events::format_time;
use crate::model::ExecutionModel;
use serde_json::{Value, json};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use time::OffsetDateTime;

const INIT_EVENTS: [&str; 3] = [
    "platform.initStart",
    "platform.initRuntimeDone",
    "platform.initReport",
];
const RUNTIME_DONE: &str = "platform.runtimeDone";
const REPORT: &str = "platform.report";
/// The Restore phase's events, in Lambda's order.
pub(crate) const RESTORE_START: &str = "platform.restoreStart";
pub(crate) const RESTORE_RUNTIME_DONE: &str = "platform.restoreRuntimeDone";
pub(crate) const RESTORE_REPORT: &str = "platform.restoreReport";

/// What a `platform.restoreStart` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RestoredFunction {
    pub function_name: String,
    pub function_version: String,
    pub runtime_version: String,
    pub memory_mb: u32,
}

/// The Restore phase's events, `restoreStart`, `restoreRuntimeDone` (success) and
/// `restoreReport` (success, `durationMs`), at `at`.
pub(crate) fn restore_events(
    function: &RestoredFunction,
    duration: Duration,
    at: OffsetDateTime,
) -> [Value; 3] {
    let time = format_time(at);
    let event = |event_type: &str, record: Value| json!({"time": time, "type": event_type, "record": record});
    [
        event(
            RESTORE_START,
            json!({
                "functionName": function.function_name,
                "functionVersion": function.function_version,
                "runtimeVersion": function.runtime_version,
                "instanceMaxMemory": function.memory_mb,
            }),
        ),
        event(RESTORE_RUNTIME_DONE, json!({"status": "success"})),
        event(
            RESTORE_REPORT,
            json!({"status": "success", "metrics": {"durationMs": milliseconds(duration)}}),
        ),
    ]
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Rewrites the simulator's platform events as the model's Lambda emits them.
#[derive(Debug)]
pub(crate) struct PlatformRewriter {
    model: ExecutionModel,
    /// The first invocation after a restore, and the restore's duration.
    restored: Mutex<Option<(String, Duration)>>,
}

impl PlatformRewriter {
    pub(crate) fn new(model: ExecutionModel) -> Self {
        Self {
            model,
            restored: Mutex::new(None),
        }
    }

    /// Marks `request_id` as the first invocation after a restore that took `duration`.
    pub(crate) fn restored_before(&self, request_id: &str, duration: Duration) {
        *self.restored.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((request_id.to_owned(), duration));
    }

    /// The event as this model's Lambda emits it; `None`: it emits no such event.
    pub(crate) fn rewrite(&self, event: Value) -> Option<Value> {
        let restored = self
            .restored
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        rewrite(event, self.model, restored.as_ref())
    }
}

/// `event` as `model`'s Lambda emits it, `restored` naming the first invocation after a
/// restore; `None` when it emits no such event.
fn rewrite(
    mut event: Value,
    model: ExecutionModel,
    restored: Option<&(String, Duration)>,
) -> Option<Value> {
    let event_type = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let concurrent = model.is_concurrent();
    if concurrent && event_type == RUNTIME_DONE {
        return None;
    }
    if INIT_EVENTS.contains(&event_type) {
        if let Some(record) = event.get_mut("record").and_then(Value::as_object_mut)
            && record.contains_key("initializationType")
        {
            record.insert(
                "initializationType".to_owned(),
                Value::from(model.initialization_type()),
            );
        }
        return Some(event);
    }
    if event_type != REPORT {
        return Some(event);
    }
    let record = event.get_mut("record")?;
    if concurrent {
        // Only `durationMs`: no billed duration, memory or init duration on Managed Instances.
        let mut report = serde_json::Map::new();
        for key in ["requestId", "status", "tracing"] {
            if let Some(value) = record.get(key) {
                report.insert(key.to_owned(), value.clone());
            }
        }
        let duration = record.pointer("/metrics/durationMs").cloned();
        report.insert("metrics".to_owned(), json!({"durationMs": duration}));
        *record = Value::Object(report);
    } else if let Some((request_id, duration)) = restored
        && record.get("requestId").and_then(Value::as_str) == Some(request_id)
        && let Some(metrics) = record.get_mut("metrics").and_then(Value::as_object_mut)
    {
        metrics.insert(
            "restoreDurationMs".to_owned(),
            Value::from(milliseconds(*duration)),
        );
    }
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    const MANAGED: ExecutionModel = ExecutionModel::ManagedInstances {
        max_concurrency: NonZeroU32::MIN,
    };

    fn report(request_id: &str) -> Value {
        json!({"time": "t", "type": REPORT, "record": {
            "requestId": request_id, "status": "success",
            "metrics": {"durationMs": 12.5, "billedDurationMs": 13, "memorySizeMB": 128,
                        "maxMemoryUsedMB": 64},
            "tracing": {"type": "X-Amzn-Trace-Id", "value": "v"}}})
    }

    #[test]
    fn init_events_name_the_models_initialization_type() {
        let init = json!({"time": "t", "type": "platform.initReport",
            "record": {"initializationType": "on-demand", "phase": "init", "status": "success"}});
        for model in [
            ExecutionModel::ProvisionedConcurrency,
            ExecutionModel::SnapStart,
            MANAGED,
        ] {
            let rewritten = rewrite(init.clone(), model, None).unwrap();
            assert_eq!(
                rewritten["record"]["initializationType"],
                model.initialization_type()
            );
            assert_eq!(rewritten["record"]["phase"], "init");
        }
        let start = json!({"type": "platform.start", "record": {"requestId": "r"}});
        assert_eq!(rewrite(start.clone(), MANAGED, None), Some(start));
    }

    #[test]
    fn managed_instances_drop_runtime_done_and_report_only_the_duration() {
        let done = json!({"type": RUNTIME_DONE, "record": {"requestId": "r"}});
        assert_eq!(rewrite(done.clone(), MANAGED, None), None);
        assert_eq!(
            rewrite(done.clone(), ExecutionModel::OnDemand, None),
            Some(done)
        );
        let rewritten = rewrite(report("r"), MANAGED, None).unwrap();
        assert_eq!(
            rewritten["record"],
            json!({"requestId": "r", "status": "success", "metrics": {"durationMs": 12.5},
                   "tracing": {"type": "X-Amzn-Trace-Id", "value": "v"}})
        );
        assert_eq!(
            rewrite(report("r"), ExecutionModel::OnDemand, None),
            Some(report("r"))
        );
    }

    #[test]
    fn the_first_report_after_a_restore_carries_its_duration() {
        let restored = ("r1".to_owned(), Duration::from_micros(2500));
        let first = rewrite(report("r1"), ExecutionModel::SnapStart, Some(&restored)).unwrap();
        assert_eq!(first["record"]["metrics"]["restoreDurationMs"], 2.5);
        assert_eq!(first["record"]["metrics"]["billedDurationMs"], 13);
        let later = rewrite(report("r2"), ExecutionModel::SnapStart, Some(&restored)).unwrap();
        assert!(
            later["record"]["metrics"]
                .get("restoreDurationMs")
                .is_none()
        );
    }

    #[test]
    fn restore_events_come_in_lambdas_order_and_shape() {
        let function = RestoredFunction {
            function_name: "f".to_owned(),
            function_version: "1".to_owned(),
            runtime_version: "python".to_owned(),
            memory_mb: 256,
        };
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let events = restore_events(&function, Duration::from_millis(7), at);
        let types: Vec<_> = events.iter().map(|event| &event["type"]).collect();
        assert_eq!(types, [RESTORE_START, RESTORE_RUNTIME_DONE, RESTORE_REPORT]);
        assert_eq!(events[0]["time"], "2023-11-14T22:13:20.000Z");
        assert_eq!(
            events[0]["record"],
            json!({"functionName": "f", "functionVersion": "1", "runtimeVersion": "python",
                   "instanceMaxMemory": 256})
        );
        assert_eq!(events[1]["record"], json!({"status": "success"}));
        assert_eq!(
            events[2]["record"],
            json!({"status": "success", "metrics": {"durationMs": 7.0}})
        );
    }
}
