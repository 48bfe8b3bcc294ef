//! Integration tests of the sandbox: real processes (a standard-library Python extension,
//! awslambdaric) on lambda-simulator, under each of Lambda's execution models.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod failures;
mod freeze;
mod idle;
mod lifecycle;
mod managed_instances;
mod models;
mod ordering;
mod shutdown;
mod simulator_differences;
mod snapstart;
mod support;
