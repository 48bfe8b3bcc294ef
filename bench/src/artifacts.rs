//! The build artifacts the benchmarks run: the extension binary (release for the
//! published figures, debug for the CI guard) laid out as a layer, and the deployer.

use crate::error::BenchError;
use sandbox::Layer;
use serde::Serialize;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The extension's executable name, as it sits in the layer's `extensions/`.
pub use telemetry_kinesis_contract::names::EXTENSION_NAME;
/// The peer's executable name (`bench/peer`, on the `lambda-extension` crate).
pub const PEER_NAME: &str = "peer-extension";

/// Which cargo profile's artifacts to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `target/debug`.
    Debug,
    /// `target/release`.
    Release,
}

impl Profile {
    /// The directory name under the target directory.
    pub fn directory(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Release => "release",
        }
    }
}

/// The cargo target directory this program was built into (wherever `CARGO_TARGET_DIR`
/// or `build.target-dir` put it): the parent of the profile directory holding the running
/// executable (`<target>/release/bench`, or `<target>/debug/deps/it-…` for tests).
pub fn target_directory() -> PathBuf {
    let executable = std::env::current_exe().unwrap_or_default();
    executable
        .ancestors()
        .find(|directory| {
            directory
                .file_name()
                .is_some_and(|name| name == "debug" || name == "release")
        })
        .and_then(Path::parent)
        .map_or_else(
            || test_support::workspace_root().join("target"),
            Path::to_path_buf,
        )
}

/// The extension binary built with `profile`.
pub fn extension_binary(profile: Profile) -> Result<PathBuf, BenchError> {
    let path = target_directory()
        .join(profile.directory())
        .join(EXTENSION_NAME);
    if path.is_file() {
        Ok(path)
    } else {
        Err(BenchError::Missing {
            what: "the extension binary",
            path,
            hint: match profile {
                Profile::Release => "run `cargo build --release -p telemetry-kinesis-extension`",
                Profile::Debug => "run `cargo build -p telemetry-kinesis-extension`",
            },
        })
    }
}

/// The deployer binary (debug build: the release profile is tuned for the extension).
pub fn deployer_binary() -> Result<PathBuf, BenchError> {
    let path = target_directory().join("debug").join("deployer");
    if path.is_file() {
        Ok(path)
    } else {
        Err(BenchError::Missing {
            what: "the deployer binary",
            path,
            hint: "run `cargo build -p deployer`",
        })
    }
}

/// The peer binary, built by `scripts/bench` into `<target>/peer` (never by `cargo test`).
pub fn peer_binary() -> Result<PathBuf, BenchError> {
    let path = target_directory().join("peer/release").join(PEER_NAME);
    if path.is_file() {
        Ok(path)
    } else {
        Err(BenchError::Missing {
            what: "the peer extension",
            path,
            hint: "run scripts/bench, which builds bench/peer into <target>/peer",
        })
    }
}

/// Which extension a layer holds: they are configured differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// This project's extension.
    Ours,
    /// The peer on the `lambda-extension` crate.
    Peer,
}

/// A layer directory holding a copy of one extension binary under `extensions/<name>`;
/// removed when dropped.
#[derive(Debug)]
pub struct ExtensionLayer {
    directory: TempDir,
    binary: PathBuf,
    flavour: Flavour,
}

impl ExtensionLayer {
    /// Lays out `binary` (this project's extension) as the layer's only extension.
    pub fn new(binary: &Path) -> Result<Self, BenchError> {
        Self::of(binary, Flavour::Ours)
    }

    /// Lays out the peer `binary` as the layer's only extension.
    pub fn peer(binary: &Path) -> Result<Self, BenchError> {
        Self::of(binary, Flavour::Peer)
    }

    fn of(binary: &Path, flavour: Flavour) -> Result<Self, BenchError> {
        let directory = tempfile::Builder::new()
            .prefix("bench-layer-")
            .tempdir()
            .map_err(BenchError::io("creating the layer directory"))?;
        let extensions = directory.path().join("extensions");
        std::fs::create_dir_all(&extensions)
            .map_err(BenchError::io("creating the layer directory"))?;
        let name = match flavour {
            Flavour::Ours => EXTENSION_NAME,
            Flavour::Peer => PEER_NAME,
        };
        let target = extensions.join(name);
        std::fs::copy(binary, &target)
            .map_err(BenchError::io(format!("copying {}", binary.display())))?;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
            .map_err(BenchError::io("making the extension executable"))?;
        Ok(Self {
            directory,
            binary: binary.to_owned(),
            flavour,
        })
    }

    /// Lays out `binary` (this project's extension) to run under `valgrind` with
    /// callgrind, writing its counts to `output` when it exits: the layer's executable is
    /// a script that starts valgrind on a copy of the binary that has the extension's name
    /// (the name it registers with is its executable's).
    pub fn under_callgrind(
        binary: &Path,
        valgrind: &Path,
        output: &Path,
    ) -> Result<Self, BenchError> {
        let layer = Self::of(binary, Flavour::Ours)?;
        let copies = layer.directory.path().join("bin");
        std::fs::create_dir_all(&copies).map_err(BenchError::io("creating the layer directory"))?;
        let copy = copies.join(EXTENSION_NAME);
        let executable = layer
            .directory
            .path()
            .join("extensions")
            .join(EXTENSION_NAME);
        std::fs::rename(&executable, &copy)
            .map_err(BenchError::io("moving the binary in the layer"))?;
        let script = format!(
            "#!/bin/sh\nexec '{}' --tool=callgrind --quiet --compress-strings=no \
             --compress-pos=no --callgrind-out-file='{}' '{}' \"$@\"\n",
            valgrind.display(),
            output.display(),
            copy.display()
        );
        std::fs::write(&executable, script)
            .map_err(BenchError::io("writing the valgrind script"))?;
        std::fs::set_permissions(&executable, std::fs::Permissions::from_mode(0o755))
            .map_err(BenchError::io("making the valgrind script executable"))?;
        Ok(layer)
    }

    /// Which extension it holds.
    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    /// The extension's executable name (the name it registers with).
    pub fn name(&self) -> &'static str {
        match self.flavour {
            Flavour::Ours => EXTENSION_NAME,
            Flavour::Peer => PEER_NAME,
        }
    }

    /// The layer, for a [`sandbox::SandboxConfig`].
    pub fn layer(&self) -> Layer {
        Layer::Directory(self.directory.path().to_owned())
    }

    /// The binary it was made from.
    pub fn binary(&self) -> &Path {
        &self.binary
    }
}
