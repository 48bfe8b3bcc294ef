//! The layer zip, written deterministically: sorted entries, fixed 1980-01-01 timestamps,
//! fixed permissions and compression, so one binary always gives the same bytes and the
//! same content hash (what decides whether a layer is uploaded and replaced). The deployer
//! ships this zip and the benchmarks measure the same one.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::names::EXTENSION_NAME;

/// Mode of executables in the zip.
pub const EXECUTABLE_MODE: u32 = 0o755;
/// Deflate level: fixed, so the bytes do not depend on a library default.
const COMPRESSION_LEVEL: i64 = 9;

/// Where a file goes in a layer: Lambda extracts layers into `/opt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerFile {
    /// An external extension: `/opt/extensions/<name>`, started by Lambda.
    Extension(&'static str),
}

impl LayerFile {
    /// The path inside the zip.
    pub fn zip_path(self) -> String {
        match self {
            Self::Extension(name) => format!("extensions/{name}"),
        }
    }
}

/// The extension layer's zip path of the extension binary.
pub fn extension_path() -> String {
    LayerFile::Extension(EXTENSION_NAME).zip_path()
}

/// Writes a zip of `files` (zip path to executable contents) in path order.
pub fn write(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, zip::result::ZipError> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(COMPRESSION_LEVEL))
        .last_modified_time(DateTime::default())
        .unix_permissions(EXECUTABLE_MODE);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (path, contents) in files {
        writer.start_file(path.as_str(), options)?;
        writer.write_all(contents)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// The extension layer's zip: the binary as `extensions/telemetry-kinesis-extension`.
pub fn extension_layer(binary: &[u8]) -> Result<Vec<u8>, zip::result::ZipError> {
    write(&BTreeMap::from([(extension_path(), binary.to_vec())]))
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Read;

    use super::*;

    #[test]
    fn same_input_same_bytes() {
        let first = extension_layer(b"binary").unwrap();
        let second = extension_layer(b"binary").unwrap();
        assert_eq!(first, second);
        assert_ne!(first, extension_layer(b"other binary").unwrap());
    }

    #[test]
    fn entries_are_sorted_executable_and_dated_1980() {
        let files = BTreeMap::from([
            ("extensions/b".to_owned(), b"b".to_vec()),
            ("extensions/a".to_owned(), b"a".to_vec()),
        ]);
        let mut archive = zip::ZipArchive::new(Cursor::new(write(&files).unwrap())).unwrap();
        let names: Vec<&str> = archive.file_names().collect();
        assert_eq!(names, ["extensions/a", "extensions/b"]);
        let mut entry = archive.by_index(0).unwrap();
        assert_eq!(entry.unix_mode().unwrap() & 0o777, 0o755);
        assert_eq!(entry.compression(), CompressionMethod::Deflated);
        let modified = entry.last_modified().unwrap();
        assert_eq!(
            (modified.year(), modified.month(), modified.day()),
            (1980, 1, 1)
        );
        let mut contents = String::new();
        entry.read_to_string(&mut contents).unwrap();
        assert_eq!(contents, "a");
    }

    #[test]
    fn hash_is_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
