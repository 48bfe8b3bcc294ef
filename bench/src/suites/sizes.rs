//! Sizes: the extension binary and its layer zip, written by the same function as the zip
//! `deployer package` ships.

use crate::error::BenchError;
use serde::Serialize;
use std::path::Path;
use telemetry_kinesis_contract::layer::extension_layer;

/// Byte sizes.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sizes {
    /// The binary.
    pub binary_bytes: u64,
    /// The layer zip.
    pub zip_bytes: u64,
}

/// Measures `binary` and its layer zip.
pub fn run(binary: &Path) -> Result<Sizes, BenchError> {
    let contents =
        std::fs::read(binary).map_err(BenchError::io(format!("reading {}", binary.display())))?;
    let zip = extension_layer(&contents).map_err(|error| BenchError::Io {
        action: "zipping the layer".to_owned(),
        source: std::io::Error::other(error.to_string()),
    })?;
    Ok(Sizes {
        binary_bytes: contents.len() as u64,
        zip_bytes: zip.len() as u64,
    })
}
