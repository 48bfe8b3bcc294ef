//! Recovering spilled events (`deployer recover`): when the extension cannot deliver an
//! event, it writes it to its log as spilled lines (the contract's `spill` format), which
//! Lambda keeps in the function's log group. Recovery reads them back ([`read`], [`scan`]),
//! and re-sends each event to the stream with its partition key and its payload bytes
//! unchanged ([`batch`], [`send`], [`kinesis`]), so its `id` is the original one:
//! consumers that de-duplicate on `id` see each event once, however often recovery runs.

pub mod batch;
pub mod kinesis;
pub mod read;
pub mod report;
pub mod scan;
pub mod send;

use std::collections::BTreeMap;

use telemetry_kinesis_contract::stream::StreamTarget;
use time::OffsetDateTime;

use crate::aws::Connection;
use batch::{Record, batches};
use kinesis::KinesisSink;
use report::{RecoverReport, Skipped};
use send::{Retry, send_all};

/// What to recover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The log group to read.
    pub log_group: String,
    /// Read lines logged at or after this time.
    pub start: OffsetDateTime,
    /// Send everything here; `None`: to the stream each line names.
    pub destination: Option<StreamTarget>,
    /// Only count.
    pub dry_run: bool,
}

/// Some records could not be sent.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{failed} of {found} spilled event(s) not sent: {reason}")]
#[diagnostic(help(
    "run `deployer recover` again: consumers de-duplicate on id, so the events already sent \
     are not doubled"
))]
pub struct NotSent {
    /// Records not stored.
    pub failed: usize,
    /// Events found.
    pub found: usize,
    /// Why.
    pub reason: String,
}

/// A recovery's report, and why some records were not sent, if any were not.
#[derive(Debug)]
pub struct Recovered {
    /// What was found, sent and skipped.
    pub report: RecoverReport,
    /// Set when records were not sent.
    pub not_sent: Option<NotSent>,
}

/// Reads the plan's log group and re-sends (or, dry, counts) what it finds.
pub async fn recover(connection: &Connection, plan: &Plan) -> miette::Result<Recovered> {
    let scanned = read::scan_log_group(&connection.logs(), &plan.log_group, plan.start).await?;
    let mut report = RecoverReport {
        log_group: plan.log_group.clone(),
        since: crate::output::timestamp(plan.start),
        dry_run: plan.dry_run,
        lines: scanned.lines,
        found: scanned.events.len(),
        skipped: Skipped {
            incomplete: scanned.incomplete.len(),
            unreadable: scanned.unreadable.len(),
            too_large: 0,
        },
        ..RecoverReport::default()
    };
    for reason in &scanned.unreadable {
        tracing::warn!("skipped an unreadable spilled line: {reason}");
    }
    for id in &scanned.incomplete {
        tracing::warn!("skipped event {id}: some of its parts are not in the log group");
    }
    let mut groups: BTreeMap<String, (StreamTarget, Vec<Record>)> = BTreeMap::new();
    for event in scanned.events {
        let target = match &plan.destination {
            Some(target) => target.clone(),
            None => match event.stream.parse::<StreamTarget>() {
                Ok(target) => target,
                Err(error) => {
                    tracing::warn!("skipped a spilled event: {error}");
                    report.found -= 1;
                    report.skipped.unreadable += 1;
                    continue;
                }
            },
        };
        let entry = groups
            .entry(target.to_string())
            .or_insert_with(|| (target, Vec::new()));
        entry.1.push(Record {
            partition_key: event.partition_key,
            data: event.payload.into_bytes(),
        });
    }
    let mut reasons = Vec::new();
    for (name, (target, records)) in groups {
        let counts = report.streams.entry(name).or_default();
        counts.found = records.len();
        if plan.dry_run {
            continue;
        }
        let cut = batches(records);
        report.skipped.too_large += cut.too_large.len();
        let sink = KinesisSink {
            client: connection.kinesis(target.region()),
            target,
        };
        let sent = send_all(&sink, cut.calls, Retry::default()).await;
        counts.sent = sent.sent;
        counts.failed = sent.failed;
        report.sent += sent.sent;
        report.failed += sent.failed;
        if let Some(failure) = sent.stopped {
            reasons.push(failure.to_string());
        } else if let Some(code) = sent.refused.filter(|_| sent.failed > 0) {
            reasons.push(format!("Kinesis refused them every time ({code})"));
        }
    }
    let not_sent = (report.failed > 0).then(|| NotSent {
        failed: report.failed,
        found: report.found,
        reason: reasons.join("; "),
    });
    Ok(Recovered { report, not_sent })
}
