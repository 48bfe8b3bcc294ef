//! Integration tests: the real extension binary, run as Lambda runs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batches;
mod control_plane;
mod edges;
mod execution_models;
mod faults;
mod hygiene;
mod init;
mod launch;
mod memory;
mod models;
mod moto;
mod process;
mod tally;
