//! AWS Lambda external extension that ships the function's Telemetry API events to a
//! Kinesis stream without losing them and without delaying the function's callers.
//!
//! Pure cores: [`config`], [`event`], [`record`], [`batcher`], [`buffer`],
//! [`backoff`], [`flush`]. I/O shells: [`extensions_api`], [`telemetry_api`],
//! [`listener`], [`ingest`], [`kinesis`], [`dispatcher`], [`run`].

mod backoff;
mod batcher;
mod buffer;
mod clock;
mod config;
mod dispatcher;
mod error_chain;
mod event;
mod extensions_api;
mod flush;
mod ingest;
mod kinesis;
mod listener;
pub mod logging;
mod record;
pub mod run;
mod telemetry_api;
