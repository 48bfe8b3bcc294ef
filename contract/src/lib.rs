//! The contract between the telemetry-kinesis extension and everything that reads, deploys
//! or tests it, owned in one place so no copy can drift:
//!
//! - [`names`]: the extension's name, the default stream, event types and key prefixes;
//! - [`settings`]: every environment variable the extension reads, its default and meaning,
//!   and the [`choices`] (record format, flush strategy, telemetry types) with their help;
//! - [`limits`]: the Kinesis limits records are planned against;
//! - [`stream`]: what names a stream (a stream name or a stream ARN);
//! - [`payload`]: the JSON payload of one event on the stream;
//! - [`drops`]: the self-telemetry record counting what was dropped;
//! - [`kpl`]: the KPL aggregated record codec;
//! - [`spill`]: the log lines that hold events the extension could not deliver;
//! - [`layer`] (feature `layer`): the deterministic layer zip.
//!
//! Pure data and pure functions only: no I/O.

pub mod choices;
pub mod drops;
pub mod kpl;
#[cfg(feature = "layer")]
pub mod layer;
pub mod limits;
pub mod names;
pub mod payload;
pub mod settings;
pub mod spill;
pub mod stream;

pub use choices::{FlushStrategy, RecordFormat, Spill, TelemetryType, UnknownChoice};
