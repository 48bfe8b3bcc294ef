//! The project's pinned tools: a virtualenv at the workspace root made by `scripts/setup-tools`.

use std::path::{Path, PathBuf};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    // This crate lives one level below the root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// Path of an executable installed in the project's virtualenv (`.venv/bin/<name>`).
///
/// # Panics
/// When it is missing, with the command that installs it: tests must fail, not skip.
pub fn venv_bin(name: &str) -> PathBuf {
    let path = workspace_root().join(".venv").join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `scripts/setup-tools` from the workspace root to install the \
         project's pinned tools (moto, awslambdaric, cfn-lint, checkov, aws-kinesis-agg)",
        path.display()
    );
    path
}

/// The virtualenv's Python, which has `awslambdaric`, `aws_kinesis_agg` and `moto` installed.
pub fn python() -> PathBuf {
    venv_bin("python")
}
