//! One module per measurement.

pub mod cold_start;
pub mod cost;
pub mod deployer;
pub mod faults;
pub mod first_invocation;
pub mod instructions;
pub mod invocations;
pub mod memory;
pub mod peer;
pub mod pressure;
pub mod sizes;
pub mod throughput;
pub mod variants;
