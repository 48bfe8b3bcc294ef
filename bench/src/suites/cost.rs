//! Kinesis cost: PUT payload units and PutRecords calls per 1,000 events of typical
//! shapes, per record format, from what the stand-in recorded.
//!
//! The events arrive as Lambda delivers them: Lambda-sized batches (1,000 events or
//! 256 KiB), one at a time, each delivered before the next is posted (Lambda spaces its
//! batches by the buffering timeout), with the default flush strategy.

use crate::artifacts::ExtensionLayer;
use crate::delivery::{self, Tally};
use crate::error::BenchError;
use crate::events::{self, EventKind};
use crate::harness::{self, Setup};
use crate::load::Connection;
use serde::Serialize;
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use tokio::time::Instant;

/// Events per measurement.
pub const EVENTS: usize = 1000;
/// Bound on delivering one batch.
const BATCH_TIMEOUT: Duration = Duration::from_secs(30);

/// Cost of [`EVENTS`] events.
#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    /// The event shape.
    #[serde(serialize_with = "label")]
    pub kind: EventKind,
    /// `json` or `kpl`.
    pub format: &'static str,
    /// Telemetry API batches Lambda would deliver.
    pub batches: usize,
    /// PutRecords calls.
    pub calls: u64,
    /// What was recorded.
    pub tally: Tally,
}

fn label<S: serde::Serializer>(kind: &EventKind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.label())
}

/// Measures one shape in one format.
pub async fn run(
    layer: &ExtensionLayer,
    kind: EventKind,
    format: &'static str,
) -> Result<Cost, BenchError> {
    let setup = Setup::driven()
        .env(settings::RECORD_FORMAT, format)
        // Only what is posted here: no platform or extension events from the sandbox.
        .env(settings::TYPES, "function");
    let running = harness::start(layer, setup).await?;
    let bodies = events::lambda_batches(kind, EVENTS, &events::now_rfc3339());
    let calls_before = running.kinesis.calls();
    let mut tally = Tally::default();
    let mut connection = Connection::open(running.listener).await?;
    let mut expected = 0u64;
    for body in &bodies {
        expected += serde_json::from_slice::<Vec<serde_json::Value>>(body)
            .map_or(0, |events| events.len() as u64);
        connection.post(body.clone()).await?;
        let delivered = delivery::drain(
            &running.kinesis,
            Instant::now() + BATCH_TIMEOUT,
            |_, records| {
                tally.add(&records);
                tally.events >= expected
            },
        )
        .await;
        if !delivered {
            return Err(BenchError::Timeout(format!(
                "{kind} ({format}): {} of {expected} events delivered",
                tally.events
            )));
        }
    }
    let calls = running.kinesis.calls() - calls_before;
    running.sandbox.shutdown().await?;
    Ok(Cost {
        kind,
        format,
        batches: bodies.len(),
        calls,
        tally,
    })
}
