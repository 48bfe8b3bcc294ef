//! AWS Lambda external extension that ships the function's Telemetry API events to a
//! Kinesis stream without losing them and without delaying the function's callers.
//!
//! Pure cores: `config`, `event`, `array_split`, `record`, `batcher`, `buffer`, `backoff`,
//! `attempt`, `flush`. I/O shells: `extensions_api`, `telemetry_api`, `listener`,
//! `ingest`, `spill`, `kinesis`, `dispatcher`, `start`, `event_loop`, `shutdown`,
//! `signals`, [`run`].

mod array_split;
mod attempt;
mod backoff;
mod batcher;
mod buffer;
mod clock;
mod config;
mod dispatcher;
mod error_chain;
mod event;
mod event_loop;
mod extensions_api;
mod flush;
mod ingest;
mod kinesis;
mod listener;
pub mod logging;
mod record;
mod request_body;
pub mod run;
mod shutdown;
mod signals;
mod spill;
mod start;
mod telemetry_api;
