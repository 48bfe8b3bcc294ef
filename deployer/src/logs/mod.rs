//! Reading the telemetry stream: shard discovery and ordering ([`shards`]), one paced
//! GetRecords loop per shard ([`cursor`], [`reader`]), record decoding in both formats
//! ([`event`]), and what `deployer logs` does with the events ([`filter`], [`render`],
//! [`summary`]). Everything but [`reader`] is pure.

pub mod cursor;
pub mod error;
pub mod event;
pub mod expect;
pub mod filter;
pub mod reader;
#[cfg(test)]
mod reader_tests;
pub mod render;
pub mod shards;
pub mod since;
pub mod summary;

pub use error::{ReadError, read_error_report};
pub use event::{StoredEvent, Undecodable};
pub use filter::Filter;
pub use reader::{Item, ReadOptions};
pub use since::{Since, StartPosition};
pub use summary::Summary;
