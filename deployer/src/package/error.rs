//! Why packaging failed, each with what to do about it.

use std::path::PathBuf;

use super::elf::{ElfError, GlibcVersion};
use crate::Architecture;

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
    /// A cross build lacks the Rust target's standard library or a linker for it.
    #[error("cannot build the extension for {architecture} on this {host} machine: {missing}")]
    #[diagnostic(help(
        "{steps}; or pass --binary PATH with an extension built for {architecture}"
    ))]
    CrossBuildTools {
        /// The architecture asked for.
        architecture: Architecture,
        /// The machine's architecture.
        host: &'static str,
        /// What is missing.
        missing: String,
        /// What to run to get it.
        steps: String,
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
