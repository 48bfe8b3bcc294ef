//! Layer packaging: build (or take) the extension binary, check it can run on Lambda, and
//! write the deterministic layer zip.

pub mod build;
pub mod elf;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use telemetry_kinesis_contract::layer;
use telemetry_kinesis_contract::names::EXTENSION_NAME;

use crate::Architecture;
use elf::{ElfError, GlibcVersion};

pub use build::Workspace;

/// The Lambda OS images, by the glibc they ship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeOs {
    /// Amazon Linux 2, glibc 2.26: runs under every current runtime
    #[default]
    Al2,
    /// Amazon Linux 2023, glibc 2.34: only provided.al2023, python3.12+, nodejs20.x+, java21...
    Al2023,
}

impl RuntimeOs {
    /// The newest glibc the OS image has.
    pub const fn glibc(self) -> GlibcVersion {
        match self {
            Self::Al2 => GlibcVersion::AMAZON_LINUX_2,
            Self::Al2023 => GlibcVersion::AMAZON_LINUX_2023,
        }
    }

    const fn display_name(self) -> &'static str {
        match self {
            Self::Al2 => "Amazon Linux 2",
            Self::Al2023 => "Amazon Linux 2023",
        }
    }
}

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

/// Why packaging failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PackageError {
    /// Not run inside the project's Cargo workspace.
    #[error("cannot find the project's Cargo workspace to build the extension in")]
    #[diagnostic(help("run deployer from the project checkout, or pass --binary PATH"))]
    NoWorkspace,
    /// A program could not be started.
    #[error("cannot run {program}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Rust standard library for the target is not installed.
    #[error("the Rust target {target} is not installed")]
    #[diagnostic(help("install it with `rustup target add {target}`, or pass --binary PATH"))]
    MissingRustTarget {
        /// The target triple.
        target: String,
    },
    /// The build failed.
    #[error("building the extension failed ({status}): {command}")]
    Build {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
    },
    /// The binary could not be read.
    #[error("cannot read {path}")]
    ReadBinary {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The binary is not a usable ELF file.
    #[error("{path} cannot be packaged")]
    Elf {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: ElfError,
    },
    /// The binary is for another architecture.
    #[error(
        "{path} is built for {found}, not {expected}: Lambda would fail with \"exec format error\""
    )]
    #[diagnostic(help("build for {expected}, or package for --architecture matching the binary"))]
    WrongArchitecture {
        /// The path.
        path: PathBuf,
        /// The architecture asked for.
        expected: Architecture,
        /// The binary's machine.
        found: String,
    },
    /// The binary needs a newer glibc than the Lambda OS has.
    #[error(
        "{path} needs GLIBC_{required} (from {library}), but {os_name} has glibc {available}: \
         Lambda would fail with \"GLIBC_{required} not found\""
    )]
    #[diagnostic(help(
        "build with cargo-zigbuild for {target}.{zig_glibc} (scripts/setup-tools installs it), \
         or pass --runtime-os al2023 if the layer only serves Amazon Linux 2023 runtimes"
    ))]
    GlibcTooNew {
        /// The path.
        path: PathBuf,
        /// The newest version the binary needs.
        required: GlibcVersion,
        /// The library that version belongs to.
        library: String,
        /// The OS image's name.
        os_name: &'static str,
        /// The OS image's glibc.
        available: GlibcVersion,
        /// The Rust target of the architecture.
        target: &'static str,
        /// The glibc zig builds target.
        zig_glibc: &'static str,
    },
    /// The zip could not be written.
    #[error("cannot write the layer zip")]
    Zip(#[from] zip::result::ZipError),
    /// The zip could not be saved.
    #[error("cannot write {path}")]
    WriteZip {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Checks that `binary` runs on `architecture` under `runtime_os`; returns its newest
/// glibc requirement.
pub fn check_binary(
    path: &Path,
    binary: &[u8],
    architecture: Architecture,
    runtime_os: RuntimeOs,
) -> Result<Option<GlibcVersion>, PackageError> {
    let info = elf::inspect(binary).map_err(|source| PackageError::Elf {
        path: path.to_owned(),
        source,
    })?;
    if info.machine != architecture.elf_machine() {
        return Err(PackageError::WrongArchitecture {
            path: path.to_owned(),
            expected: architecture,
            found: elf::machine_name(info.machine),
        });
    }
    match info.newest_glibc {
        Some((required, library)) if required > runtime_os.glibc() => {
            Err(PackageError::GlibcTooNew {
                path: path.to_owned(),
                required,
                library,
                os_name: runtime_os.display_name(),
                available: runtime_os.glibc(),
                target: architecture.rust_target(),
                zig_glibc: build::ZIG_GLIBC,
            })
        }
        Some((required, _)) => Ok(Some(required)),
        None => Ok(None),
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
