//! One module per measurement.

pub mod cold_start;
pub mod cost;
pub mod deployer;
pub mod faults;
pub mod invocations;
pub mod memory;
pub mod pressure;
pub mod profile;
pub mod sizes;
pub mod throughput;
