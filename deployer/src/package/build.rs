//! Building the extension in release mode for a Lambda architecture.
//!
//! With the project's `cargo-zigbuild` (installed by `scripts/setup-tools`), the build
//! targets glibc 2.17 so the binary runs on every Lambda OS image; without it, plain
//! `cargo build` links against the build machine's glibc, which the packager then checks.

use std::ffi::OsString;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::PackageError;
use crate::Architecture;
use telemetry_kinesis_contract::names::EXTENSION_NAME;

/// The glibc version zig builds target: older than every Lambda OS image.
pub const ZIG_GLIBC: &str = "2.17";

/// The Cargo workspace the deployer packages from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Workspace {
    /// The workspace root.
    pub workspace_root: PathBuf,
    /// Cargo's target directory.
    pub target_directory: PathBuf,
}

impl Workspace {
    /// Asks cargo for the workspace around the current directory.
    pub fn locate() -> Result<Self, PackageError> {
        let output = Command::new(cargo())
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|source| PackageError::Spawn {
                program: "cargo".to_owned(),
                source,
            })?;
        if !output.status.success() {
            return Err(PackageError::NoWorkspace);
        }
        serde_json::from_slice(&output.stdout).map_err(|_| PackageError::NoWorkspace)
    }

    /// `cargo-zigbuild` in the project's virtualenv, if installed.
    pub fn zigbuild(&self) -> Option<PathBuf> {
        Some(self.venv_bin().join("cargo-zigbuild")).filter(|path| path.is_file())
    }

    fn venv_bin(&self) -> PathBuf {
        self.workspace_root.join(".venv").join("bin")
    }
}

/// How the binary was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Builder {
    /// `cargo-zigbuild` with a glibc version suffix on the target.
    Zig,
    /// Plain `cargo build`.
    Cargo,
}

/// Builds the extension for `architecture` and returns the binary's path.
pub fn build_extension(
    workspace: &Workspace,
    architecture: Architecture,
) -> Result<PathBuf, PackageError> {
    let target = architecture.rust_target();
    let native = std::env::consts::ARCH == native_arch(architecture);
    if !native {
        require_rust_target(target)?;
    }
    let zigbuild = workspace.zigbuild();
    let builder = if zigbuild.is_some() {
        Builder::Zig
    } else {
        Builder::Cargo
    };
    let mut command = match &zigbuild {
        Some(zigbuild) => {
            let mut command = Command::new(zigbuild);
            command.args(["build", "--target", &format!("{target}.{ZIG_GLIBC}")]);
            // cargo-zigbuild finds zig through `python3 -m ziglang`: the venv's python.
            command.env("PATH", prepend_path(&workspace.venv_bin()));
            command
        }
        None => {
            let mut command = Command::new(cargo());
            command.arg("build");
            if !native {
                command.args(["--target", target]);
            }
            command
        }
    };
    command
        .args(["--release", "--package", EXTENSION_NAME, "--target-dir"])
        .arg(&workspace.target_directory)
        .current_dir(&workspace.workspace_root)
        // Cargo's progress belongs on stderr with ours; stdout is for results.
        .stdout(stderr_stdio());
    tracing::info!(?builder, target, "building the extension (release)");
    let status = command.status().map_err(|source| PackageError::Spawn {
        program: format!("{:?}", command.get_program()),
        source,
    })?;
    if !status.success() {
        return Err(PackageError::Build {
            command: format!("{command:?}"),
            status: status.to_string(),
        });
    }
    let directory = if builder == Builder::Cargo && native {
        workspace.target_directory.join("release")
    } else {
        workspace.target_directory.join(target).join("release")
    };
    Ok(directory.join(EXTENSION_NAME))
}

fn native_arch(architecture: Architecture) -> &'static str {
    match architecture {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "aarch64",
    }
}

/// Refuses a cross build whose Rust standard library is not installed, naming it.
fn require_rust_target(target: &str) -> Result<(), PackageError> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .stderr(Stdio::null())
        .output();
    match installed {
        Ok(output) if output.status.success() => {
            let listed = String::from_utf8_lossy(&output.stdout);
            if listed.lines().any(|line| line.trim() == target) {
                Ok(())
            } else {
                Err(PackageError::MissingRustTarget {
                    target: target.to_owned(),
                })
            }
        }
        // No rustup: let cargo say what is missing.
        _ => Ok(()),
    }
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn prepend_path(directory: &Path) -> OsString {
    let mut paths = vec![directory.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_else(|_| directory.as_os_str().to_owned())
}

fn stderr_stdio() -> Stdio {
    io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map_or_else(|_| Stdio::null(), Stdio::from)
}
