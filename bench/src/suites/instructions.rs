//! Instructions per event, counted by valgrind's callgrind: a figure that does not depend
//! on what else runs on the machine. The extension runs under callgrind in the sandbox
//! and receives a fixed workload, Lambda-sized batches of 200-byte log lines, each batch
//! delivered to the Kinesis stand-in before the next is posted; two runs differ only in
//! the number of batches, and the difference of their instruction counts divided by the
//! extra events is the cost of an event, start-up and shutdown cancelling out.
//!
//! SHA-256 is reported apart: valgrind hides the CPU's SHA extensions (SHA-NI) from the
//! program, so the SDK's payload hash (SigV4) runs its portable code under callgrind, far
//! more instructions than natively. The figure without it is the one that tracks the
//! extension's own code.

use crate::artifacts::ExtensionLayer;
use crate::callgrind::{self, Costs};
use crate::error::BenchError;
use crate::events::{self, EventKind};
use crate::harness::{self, Setup};
use crate::load::Connection;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use telemetry_kinesis_contract::settings;
use tokio::time::Instant;

/// Batches of the two runs: the difference is the measured workload.
pub const BATCHES: (usize, usize) = (1, 4);
/// INIT and SHUTDOWN limits under callgrind (tens of times slower than natively).
const LIMITS: (Duration, Duration) = (Duration::from_secs(120), Duration::from_secs(120));
/// Bound on delivering one batch under callgrind.
const BATCH_TIMEOUT: Duration = Duration::from_secs(120);
/// Functions of SHA-256.
pub const SHA256: &[&str] = &["sha2::", "sha256", "Sha256"];

/// Symbol groups, first match wins; matched against the demangled function name.
pub const GROUPS: [(&str, &[&str]); 8] = [
    ("SHA-256 (SigV4 payload hash)", SHA256),
    (
        "JSON parsing (batch in)",
        &[
            "serde_json::de",
            "serde_json::read",
            "parse_batch",
            "event::",
            "RawValue",
            "array_split",
        ],
    ),
    (
        "encoding (payload JSON, KPL, MD5, base64)",
        &[
            "serde_json::ser",
            "record::",
            "kpl::",
            "payload::",
            "request_body",
            "base64",
            "md5",
            "Md5",
            "prost",
            "escape",
        ],
    ),
    (
        "AWS SDK (request, signing, response)",
        &["aws_", "smithy", "hmac", "ring::", "aws_lc"],
    ),
    (
        "HTTP (listener and client)",
        &["hyper", "httparse", "http::", "h1::"],
    ),
    (
        "allocation and copying",
        &[
            "malloc", "free", "realloc", "memcpy", "memmove", "memset", "alloc::", "_int_",
        ],
    ),
    ("async runtime", &["tokio", "mio", "epoll"]),
    (
        "buffer and batching",
        &["buffer::", "batcher::", "dispatcher::", "ingest::"],
    ),
];

/// Instructions per event of one build in one record format.
#[derive(Debug, Clone, Serialize)]
pub struct Instructions {
    /// The build (`opt-level s`, `opt-level 3`, ...).
    pub variant: String,
    /// `json` or `kpl`.
    pub format: &'static str,
    /// The extra events of the second run.
    pub events: u64,
    /// All instructions per event.
    pub per_event: f64,
    /// SHA-256's share per event (`None`: the binary has no symbols).
    pub sha256_per_event: Option<f64>,
    /// Per event without SHA-256.
    pub without_sha256_per_event: Option<f64>,
    /// Per event by group of functions (`None`: no symbols).
    pub groups: Option<Vec<(&'static str, f64)>>,
    /// Wall time of both runs, in seconds.
    pub seconds: f64,
}

/// The `valgrind` executable on `PATH`.
pub fn valgrind() -> Result<PathBuf, BenchError> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|directory| directory.join("valgrind"))
        .find(|path| path.is_file())
        .ok_or_else(|| BenchError::Missing {
            what: "valgrind",
            path: PathBuf::from("valgrind"),
            hint: "install valgrind (apt-get install valgrind)",
        })
}

/// Measures `binary` (built with symbols, for the breakdown) in `format`.
pub async fn run(
    binary: &Path,
    variant: &str,
    format: &'static str,
    batches: (usize, usize),
) -> Result<Instructions, BenchError> {
    let started = Instant::now();
    let valgrind = valgrind()?;
    let small = one_run(binary, &valgrind, format, batches.0).await?;
    let large = one_run(binary, &valgrind, format, batches.1).await?;
    let events = ((batches.1 - batches.0) * events::LAMBDA_MAX_ITEMS) as u64;
    let per = |large: u64, small: u64| large.saturating_sub(small) as f64 / events as f64;
    let symbols = large.by_function.keys().any(|name| name.contains("::"));
    let sha256 = symbols.then(|| per(large.matching(SHA256), small.matching(SHA256)));
    let per_event = per(large.total, small.total);
    let groups = symbols.then(|| {
        let (small, large) = (grouped(&small), grouped(&large));
        small
            .iter()
            .zip(large)
            .map(|((name, small), (_, large))| (*name, per(large, *small)))
            .collect()
    });
    Ok(Instructions {
        variant: variant.to_owned(),
        format,
        events,
        per_event,
        sha256_per_event: sha256,
        without_sha256_per_event: sha256.map(|sha256| per_event - sha256),
        groups,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Self cost per group (in [`GROUPS`] order, then `other`).
pub fn grouped(costs: &Costs) -> Vec<(&'static str, u64)> {
    let mut groups: Vec<(&'static str, u64)> = GROUPS.iter().map(|(name, _)| (*name, 0)).collect();
    groups.push(("other", 0));
    for (function, cost) in &costs.by_function {
        let index = GROUPS
            .iter()
            .position(|(_, needles)| needles.iter().any(|needle| function.contains(needle)))
            .unwrap_or(GROUPS.len());
        groups[index].1 += cost;
    }
    groups
}

/// One run: `batches` batches of 1,000 200-byte lines, each delivered before the next.
async fn one_run(
    binary: &Path,
    valgrind: &Path,
    format: &'static str,
    batches: usize,
) -> Result<Costs, BenchError> {
    let directory = tempfile::Builder::new()
        .prefix("bench-callgrind-")
        .tempdir()
        .map_err(BenchError::io("creating a directory for callgrind"))?;
    let output = directory.path().join("callgrind.out");
    let layer = ExtensionLayer::under_callgrind(binary, valgrind, &output)?;
    let mut setup = Setup::driven()
        .env(settings::RECORD_FORMAT, format)
        // Only what is posted here: no platform or extension events from the sandbox.
        .env(settings::TYPES, "function");
    setup.limits = Some(LIMITS);
    let running = harness::start(&layer, setup).await?;
    let time = events::now_rfc3339();
    let mut connection = Connection::open(running.listener).await?;
    for batch in 0..batches {
        let lines: Vec<String> = (0..events::LAMBDA_MAX_ITEMS)
            .map(|index| {
                EventKind::LogLine200.event(batch * events::LAMBDA_MAX_ITEMS + index, &time)
            })
            .collect();
        connection.post(events::batch_body(&lines)).await?;
        let expected = ((batch + 1) * events::LAMBDA_MAX_ITEMS) as u64;
        let delivered = running
            .kinesis
            .wait_for(
                |counters| counters.user_records_accepted >= expected,
                BATCH_TIMEOUT,
            )
            .await;
        if !delivered {
            return Err(BenchError::Timeout(format!(
                "under callgrind ({format}): batch {batch} not delivered"
            )));
        }
    }
    drop(connection);
    let report = running.sandbox.shutdown().await?;
    let process = harness::extension_process(&report)?;
    let text = std::fs::read_to_string(&output).map_err(|error| BenchError::Command {
        command: format!("valgrind --tool=callgrind {}", binary.display()),
        detail: format!(
            "no output ({error}); exit {:?}; stderr: {}",
            process.exit,
            process.output.stderr.join(" | ")
        ),
    })?;
    Ok(callgrind::parse(&text))
}
