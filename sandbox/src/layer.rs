//! The layer: a directory (the future `/opt`) or a layer zip, and the extension executables
//! under its `extensions/` directory.

use crate::error::SandboxError;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Where the function's layer comes from.
#[derive(Debug, Clone)]
pub enum Layer {
    /// No layer: no extensions.
    None,
    /// A directory laid out as `/opt` (extensions under `extensions/`).
    Directory(PathBuf),
    /// A layer zip (as uploaded to Lambda), extracted to a temporary directory with its
    /// mode bits.
    Zip(PathBuf),
}

/// The opened layer: its root and extension executables, sorted by file name.
#[derive(Debug)]
pub(crate) struct LayerFiles {
    pub extensions: Vec<PathBuf>,
    _extracted: Option<TempDir>,
}

impl LayerFiles {
    pub(crate) fn open(layer: &Layer) -> Result<Self, SandboxError> {
        match layer {
            Layer::None => Ok(Self {
                extensions: Vec::new(),
                _extracted: None,
            }),
            Layer::Directory(root) => Ok(Self {
                extensions: extensions_in(root)?,
                _extracted: None,
            }),
            Layer::Zip(path) => {
                let io_error = |source| SandboxError::Layer {
                    path: path.clone(),
                    source,
                };
                let file = std::fs::File::open(path).map_err(io_error)?;
                let mut archive =
                    zip::ZipArchive::new(file).map_err(|source| SandboxError::LayerZip {
                        path: path.clone(),
                        source,
                    })?;
                let extracted = tempfile::Builder::new()
                    .prefix("sandbox-layer-")
                    .tempdir()
                    .map_err(io_error)?;
                archive
                    .extract(extracted.path())
                    .map_err(|source| SandboxError::LayerZip {
                        path: path.clone(),
                        source,
                    })?;
                Ok(Self {
                    extensions: extensions_in(extracted.path())?,
                    _extracted: Some(extracted),
                })
            }
        }
    }
}

/// The files directly under `root/extensions`, sorted; no directory means no extensions.
fn extensions_in(root: &Path) -> Result<Vec<PathBuf>, SandboxError> {
    let directory = root.join("extensions");
    let entries = match std::fs::read_dir(&directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(SandboxError::Layer {
                path: directory,
                source,
            });
        }
    };
    let mut extensions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| SandboxError::Layer {
            path: directory.clone(),
            source,
        })?;
        if entry.path().is_file() {
            extensions.push(entry.path());
        }
    }
    extensions.sort();
    Ok(extensions)
}
