//! AWS Lambda external extension that ships the function's Telemetry API events to a
//! Kinesis stream without losing them and without delaying the function's callers.
//!
//! Pure cores: [`config`], [`event`], [`record`], [`kpl`], [`batcher`], [`buffer`],
//! [`flush`]. I/O shells: [`extensions_api`], [`telemetry_api`], [`listener`],
//! [`dispatcher`], [`run`].

pub mod batcher;
pub mod buffer;
pub mod config;
pub mod event;
pub mod kpl;
pub mod record;
