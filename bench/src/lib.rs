//! Benchmarks of the telemetry-kinesis extension and the deployer: cold start, the first
//! invocation against a Kinesis with latency, memory, post-runtime duration and delivery
//! latency per flush strategy, throughput and CPU per event, instructions per event
//! (callgrind), build variants, a peer on the `lambda-extension` crate, Kinesis cost,
//! sizes, faults (every event counted under a misbehaving Kinesis), and `deployer
//! synth`/`up` times. The extension runs in the [`sandbox`]
//! (lambda-simulator) with Kinesis served by the test-support stand-in.
//!
//! The `bench` binary runs the set and prints a table (see BENCHMARKS.md); the
//! integration test `tests/it` runs short versions as a regression guard.

pub mod accounting;
pub mod artifacts;
pub mod baseline;
pub mod callgrind;
pub mod cpu;
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
