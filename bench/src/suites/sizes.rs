//! Sizes: the extension binary and its layer zip (the layout and compression of
//! `deployer package`: `extensions/telemetry-kinesis-extension`, mode 0755, deflate
//! level 9).

use crate::artifacts::EXTENSION_NAME;
use crate::error::BenchError;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

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
    let zip = layer_zip(&contents).map_err(|error| BenchError::Io {
        action: "zipping the layer".to_owned(),
        source: std::io::Error::other(error.to_string()),
    })?;
    Ok(Sizes {
        binary_bytes: contents.len() as u64,
        zip_bytes: zip.len() as u64,
    })
}

fn layer_zip(binary: &[u8]) -> Result<Vec<u8>, zip::result::ZipError> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer.start_file(format!("extensions/{EXTENSION_NAME}"), options)?;
    writer.write_all(binary)?;
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn zip_holds_the_executable() {
        let zip = layer_zip(&[7u8; 10_000]).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let file = archive.by_index(0).unwrap();
        assert_eq!(file.name(), "extensions/telemetry-kinesis-extension");
        assert_eq!(file.unix_mode().unwrap() & 0o777, 0o755);
        assert!(file.compressed_size() < 1000);
    }
}
