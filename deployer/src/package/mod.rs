//! Layer packaging: build (or take) the extension binary, check it can run on Lambda, and
//! write the deterministic layer zip.

pub mod build;
mod check;
pub mod elf;
mod error;
pub mod plan;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use telemetry_kinesis_contract::layer;
use telemetry_kinesis_contract::names::EXTENSION_NAME;

use crate::Architecture;

pub use build::Workspace;
pub use check::{RuntimeOs, check_binary};
pub use error::PackageError;

/// How to get the layer (shared by `package` and `up`; the architecture comes separately).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct LayerArgs {
    /// Package this prebuilt extension binary instead of building one
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Where to write the zip [default: <target dir>/layer/telemetry-kinesis-extension-<arch>.zip]
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Oldest Lambda OS the layer must run on: decides the newest glibc the binary may need
    #[arg(long, value_enum, default_value_t = RuntimeOs::Al2)]
    pub runtime_os: RuntimeOs,
}

/// A written layer zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackagedLayer {
    /// The zip's path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the zip.
    pub sha256: String,
    /// Its key in the assets bucket (the `LayerS3Key` parameter).
    pub s3_key: String,
    /// The architecture it runs on.
    pub architecture: Architecture,
    /// The newest glibc version the binary needs, if any.
    pub glibc: Option<String>,
}

impl fmt::Display for PackagedLayer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(formatter, "path: {}", self.path.display())?;
        writeln!(formatter, "size: {}", self.size)?;
        writeln!(formatter, "sha256: {}", self.sha256)?;
        writeln!(formatter, "s3_key: {}", self.s3_key)?;
        writeln!(formatter, "architecture: {}", self.architecture)?;
        writeln!(
            formatter,
            "glibc: {}",
            self.glibc.as_deref().unwrap_or("none required")
        )
    }
}

/// The zip's key in the assets bucket: `layers/<sha256>.zip`, so an unchanged layer is
/// never uploaded twice.
pub fn s3_key(sha256_hex: &str) -> String {
    format!("layers/{sha256_hex}.zip")
}

/// The default zip path under a target directory.
pub fn default_output(target_directory: &Path, architecture: Architecture) -> PathBuf {
    target_directory
        .join("layer")
        .join(format!("{EXTENSION_NAME}-{architecture}.zip"))
}

/// Checks `binary_path` and writes its layer zip to `output`.
pub fn package_binary(
    binary_path: &Path,
    output: &Path,
    architecture: Architecture,
    runtime_os: RuntimeOs,
) -> Result<PackagedLayer, PackageError> {
    let binary = std::fs::read(binary_path).map_err(|source| PackageError::ReadBinary {
        path: binary_path.to_owned(),
        source,
    })?;
    let glibc = check_binary(binary_path, &binary, architecture, runtime_os)?;
    let zip = layer::extension_layer(&binary)?;
    let write_error = |source| PackageError::WriteZip {
        path: output.to_owned(),
        source,
    };
    if let Some(directory) = output.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(directory).map_err(write_error)?;
    }
    std::fs::write(output, &zip).map_err(write_error)?;
    let sha256 = layer::sha256_hex(&zip);
    Ok(PackagedLayer {
        path: output.to_owned(),
        size: zip.len() as u64,
        s3_key: s3_key(&sha256),
        sha256,
        architecture,
        glibc: glibc.map(|version| version.to_string()),
    })
}

/// Builds the extension unless `--binary` was given, then packages it.
pub fn package(
    architecture: Architecture,
    args: &LayerArgs,
) -> Result<PackagedLayer, PackageError> {
    let (binary, target_directory) = match &args.binary {
        Some(binary) => {
            let target = match &args.output {
                Some(_) => PathBuf::from("target"),
                None => Workspace::locate()
                    .map(|workspace| workspace.target_directory)
                    .unwrap_or_else(|_| PathBuf::from("target")),
            };
            (binary.clone(), target)
        }
        None => {
            let workspace = Workspace::locate()?;
            let binary = build::build_extension(&workspace, architecture)?;
            (binary, workspace.target_directory)
        }
    };
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&target_directory, architecture));
    package_binary(&binary, &output, architecture, args.runtime_os)
}
