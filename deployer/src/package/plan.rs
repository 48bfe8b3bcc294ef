//! The build command for an architecture, decided from what the machine has: a pure
//! function of the host, the project's `cargo-zigbuild` and the installed Rust targets, so
//! every case (native, cross with zig, cross without what it needs) is tested without a
//! build.
//!
//! With `cargo-zigbuild`, the target carries a glibc suffix (`aarch64-unknown-linux-gnu.2.17`)
//! and zig links against that glibc, so the binary runs on every Lambda OS image and a
//! cross build needs no cross linker. A cross build still needs the Rust standard library
//! of the target (`rustup target add`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::PackageError;
use crate::Architecture;
use telemetry_kinesis_contract::names::EXTENSION_NAME;

/// The glibc version zig builds target: older than every Lambda OS image.
pub const ZIG_GLIBC: &str = "2.17";

/// What the machine offers a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// The machine's architecture, as `std::env::consts::ARCH` names it.
    pub host_arch: &'static str,
    /// `cargo-zigbuild` in the project's virtualenv, if installed.
    pub zigbuild: Option<PathBuf>,
    /// The Rust targets rustup lists as installed; `None` without rustup (then cargo says
    /// what is missing).
    pub installed_targets: Option<Vec<String>>,
    /// Whether `CARGO_TARGET_<TRIPLE>_LINKER` names a cross linker for the target.
    pub cross_linker: bool,
}

/// How the binary is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builder {
    /// `cargo-zigbuild` with a glibc version suffix on the target.
    Zig,
    /// Plain `cargo build`.
    Cargo,
}

/// The command that builds the extension, and where it leaves the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildPlan {
    /// Zig or plain cargo.
    pub builder: Builder,
    /// The program (`cargo-zigbuild`, or `cargo` when `None`: the caller's cargo).
    pub program: Option<PathBuf>,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// The binary the build writes.
    pub binary: PathBuf,
}

/// `std::env::consts::ARCH` of a machine of this architecture.
pub const fn host_arch_name(architecture: Architecture) -> &'static str {
    match architecture {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "aarch64",
    }
}

/// The environment variable that names a cross linker for `target`.
pub fn linker_variable(target: &str) -> String {
    format!(
        "CARGO_TARGET_{}_LINKER",
        target.to_ascii_uppercase().replace(['-', '.'], "_")
    )
}

/// Decides the build of the extension for `architecture`, or says exactly what to install.
pub fn plan_build(
    target_directory: &Path,
    architecture: Architecture,
    toolchain: &Toolchain,
) -> Result<BuildPlan, PackageError> {
    let target = architecture.rust_target();
    let native = toolchain.host_arch == host_arch_name(architecture);
    if !native {
        let missing_target = toolchain
            .installed_targets
            .as_ref()
            .is_some_and(|installed| !installed.iter().any(|line| line.trim() == target));
        let missing_zig = toolchain.zigbuild.is_none() && !toolchain.cross_linker;
        if missing_target || missing_zig {
            let missing = CrossMissing {
                target: missing_target.then_some(target),
                zig: missing_zig,
            };
            return Err(PackageError::CrossBuildTools {
                architecture,
                host: toolchain.host_arch,
                missing: missing.what(),
                steps: missing.steps(),
            });
        }
    }
    let mut args: Vec<OsString> = vec!["build".into()];
    let (builder, program, output) = match &toolchain.zigbuild {
        Some(zigbuild) => {
            args.extend(["--target".into(), format!("{target}.{ZIG_GLIBC}").into()]);
            let output = target_directory.join(target);
            (Builder::Zig, Some(zigbuild.clone()), output)
        }
        None if native => (Builder::Cargo, None, target_directory.to_owned()),
        None => {
            args.extend(["--target".into(), target.into()]);
            (Builder::Cargo, None, target_directory.join(target))
        }
    };
    args.extend(["--release", "--package", EXTENSION_NAME, "--target-dir"].map(OsString::from));
    args.push(target_directory.as_os_str().to_owned());
    Ok(BuildPlan {
        builder,
        program,
        args,
        binary: output.join("release").join(EXTENSION_NAME),
    })
}

/// What a cross build lacks: the Rust target, a linker for it, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossMissing {
    /// The Rust target to add, when it is not installed.
    pub target: Option<&'static str>,
    /// Whether neither cargo-zigbuild nor a cross linker is there.
    pub zig: bool,
}

impl CrossMissing {
    /// What is missing, for the error message.
    pub fn what(&self) -> String {
        let zig = "cargo-zigbuild (in the project's .venv) to link for it";
        match (self.target, self.zig) {
            (Some(target), true) => {
                format!("the Rust target {target} is not installed, nor is {zig}")
            }
            (Some(target), false) => format!("the Rust target {target} is not installed"),
            (None, _) => format!("there is no {zig}"),
        }
    }

    /// What to run, for the hint.
    pub fn steps(&self) -> String {
        let zig = "cargo-zigbuild and ziglang, which link the cross build against glibc \
                   2.17 with no cross linker";
        match (self.target, self.zig) {
            (Some(target), true) => format!(
                "run `rustup target add {target}` (its standard library) and \
                 `scripts/setup-tools` (installs {zig})"
            ),
            (Some(target), false) => format!(
                "run `rustup target add {target}` (its standard library); {zig}, come from \
                 `scripts/setup-tools`"
            ),
            (None, _) => format!("run `scripts/setup-tools` (installs {zig})"),
        }
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
