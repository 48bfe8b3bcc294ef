//! Whether a binary can run as a Lambda extension: built for the layer's architecture, and
//! needing no newer glibc than the oldest Lambda OS the layer serves.

use std::path::Path;

use serde::Serialize;

use super::elf::{self, GlibcVersion};
use super::error::PackageError;
use super::plan;
use crate::Architecture;

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
                zig_glibc: plan::ZIG_GLIBC,
            })
        }
        Some((required, _)) => Ok(Some(required)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::elf::tests::synthetic_elf;
    use object::elf::{EM_AARCH64, EM_X86_64, Machine};

    use Architecture::{Arm64, X86_64};
    use RuntimeOs::{Al2, Al2023};

    /// Checks a binary for `machine` that needs `glibc` (and GLIBC_2.17).
    fn check(
        machine: Machine,
        glibc: &str,
        architecture: Architecture,
        os: RuntimeOs,
    ) -> Result<Option<GlibcVersion>, String> {
        let binary = synthetic_elf(machine, &[("libc.so.6", &["GLIBC_2.17", glibc])]);
        check_binary(Path::new("ext"), &binary, architecture, os).map_err(|e| e.to_string())
    }

    #[test]
    fn a_binary_for_the_layer_architecture_passes_with_its_glibc() {
        let found = check(EM_X86_64, "GLIBC_2.26", X86_64, Al2);
        assert_eq!(found, Ok(Some(GlibcVersion::new(2, 26))));
        let found = check(EM_AARCH64, "GLIBC_2.34", Arm64, Al2023);
        assert_eq!(found, Ok(Some(GlibcVersion::new(2, 34))));
    }

    #[test]
    fn a_binary_for_another_architecture_is_refused() {
        let error = check(EM_AARCH64, "GLIBC_2.17", X86_64, Al2).unwrap_err();
        assert!(
            error.contains("is built for aarch64 (arm64), not x86_64"),
            "{error}"
        );
        let error = check(EM_X86_64, "GLIBC_2.17", Arm64, Al2).unwrap_err();
        assert!(error.contains("is built for x86_64, not arm64"), "{error}");
    }

    #[test]
    fn an_arm64_binary_needing_a_newer_glibc_names_the_aarch64_zig_target() {
        let binary = synthetic_elf(EM_AARCH64, &[("libc.so.6", &["GLIBC_2.17", "GLIBC_2.28"])]);
        let error = check_binary(Path::new("ext"), &binary, Arm64, Al2).unwrap_err();
        let help = miette::Diagnostic::help(&error).unwrap().to_string();
        assert!(error.to_string().contains("needs GLIBC_2.28"), "{error}");
        assert!(help.contains("aarch64-unknown-linux-gnu.2.17"), "{help}");
        assert_eq!(
            check(EM_AARCH64, "GLIBC_2.28", Arm64, Al2023),
            Ok(Some(GlibcVersion::new(2, 28)))
        );
    }

    #[test]
    fn a_glibc_newer_than_the_os_is_refused_with_the_library() {
        let error = check(EM_X86_64, "GLIBC_2.29", X86_64, Al2).unwrap_err();
        let expected = "needs GLIBC_2.29 (from libc.so.6), but Amazon Linux 2 has glibc 2.26";
        assert!(error.contains(expected), "{error}");
        assert!(check(EM_X86_64, "GLIBC_2.29", X86_64, Al2023).is_ok());
    }

    #[test]
    fn a_file_that_is_not_elf_is_refused() {
        let error = check_binary(Path::new("x"), b"#!/bin/sh", X86_64, Al2).unwrap_err();
        assert!(matches!(error, PackageError::Elf { .. }), "{error}");
    }
}
