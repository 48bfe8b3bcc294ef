//! Building the extension in release mode for a Lambda architecture: the I/O around
//! [`super::plan`], which decides the command.
//!
//! With the project's `cargo-zigbuild` (installed by `scripts/setup-tools`), the build
//! targets glibc 2.17 so the binary runs on every Lambda OS image, on either architecture;
//! without it, plain `cargo build` links natively against the build machine's glibc, which
//! the packager then checks.

use std::ffi::OsString;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::PackageError;
use super::plan::{Toolchain, linker_variable, plan_build};
use crate::Architecture;

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

/// What this machine offers a build for `architecture`.
pub fn toolchain(workspace: &Workspace, architecture: Architecture) -> Toolchain {
    Toolchain {
        host_arch: std::env::consts::ARCH,
        zigbuild: workspace.zigbuild(),
        installed_targets: installed_rust_targets(&workspace.workspace_root),
        cross_linker: std::env::var_os(linker_variable(architecture.rust_target()))
            .is_some_and(|linker| !linker.is_empty()),
    }
}

/// Builds the extension for `architecture` and returns the binary's path.
pub fn build_extension(
    workspace: &Workspace,
    architecture: Architecture,
) -> Result<PathBuf, PackageError> {
    let plan = plan_build(
        &workspace.target_directory,
        architecture,
        &toolchain(workspace, architecture),
    )?;
    let mut command = match &plan.program {
        Some(zigbuild) => {
            let mut command = Command::new(zigbuild);
            // cargo-zigbuild finds zig through `python3 -m ziglang`: the venv's python.
            command.env("PATH", prepend_path(&workspace.venv_bin()));
            command
        }
        None => Command::new(cargo()),
    };
    command
        .args(&plan.args)
        .current_dir(&workspace.workspace_root)
        // Cargo's progress belongs on stderr with ours; stdout is for results.
        .stdout(stderr_stdio());
    tracing::info!(builder = ?plan.builder, target = architecture.rust_target(), "building the extension (release)");
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
    Ok(plan.binary)
}

/// The Rust targets rustup lists for the toolchain the workspace uses; `None` without
/// rustup.
fn installed_rust_targets(workspace_root: &Path) -> Option<Vec<String>> {
    let output = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(workspace_root)
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let listed = String::from_utf8_lossy(&output.stdout);
    Some(listed.lines().map(|line| line.trim().to_owned()).collect())
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
