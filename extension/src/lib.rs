//! AWS Lambda external extension that ships the function's Telemetry API events to a
//! Kinesis stream without losing them and without delaying the function's callers.
//!
//! Pure cores: [`config`], [`event`], [`record`], [`kpl`], [`batcher`], [`buffer`],
//! [`backoff`], [`flush`]. I/O shells: [`extensions_api`], [`telemetry_api`],
//! [`listener`], [`ingest`], [`kinesis`], [`dispatcher`], [`run`].

pub mod backoff;
pub mod batcher;
pub mod buffer;
pub mod clock;
pub mod config;
pub mod dispatcher;
pub mod error_chain;
pub mod event;
pub mod extensions_api;
pub mod flush;
pub mod ingest;
pub mod kinesis;
pub mod kpl;
pub mod listener;
pub mod logging;
pub mod record;
pub mod run;
pub mod telemetry_api;
