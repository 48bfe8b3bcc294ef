//! Integration tests of the sandbox: real processes (a standard-library Python extension,
//! awslambdaric) on lambda-simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod failures;
mod freeze;
mod lifecycle;
mod ordering;
mod shutdown;
mod simulator_differences;
mod support;
