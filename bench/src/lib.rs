//! Benchmarks of the telemetry-kinesis extension and the deployer: cold start, memory,
//! post-runtime duration and delivery latency per flush strategy, throughput with a
//! profile, Kinesis cost, sizes, faults (every event counted under a misbehaving Kinesis),
//! and `deployer synth`/`up` times. The extension runs in the [`sandbox`]
//! (lambda-simulator) with Kinesis served by the test-support stand-in.
//!
//! The `bench` binary runs the set and prints a table (see BENCHMARKS.md); the
//! integration test `tests/it` runs short versions as a regression guard.

pub mod accounting;
pub mod artifacts;
pub mod baseline;
pub mod delivery;
pub mod error;
pub mod events;
pub mod harness;
pub mod load;
pub mod machine;
pub mod report;
pub mod run;
pub mod stats;
pub mod suites;

pub use error::BenchError;
