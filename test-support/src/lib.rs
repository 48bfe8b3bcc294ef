//! Test harness shared by the workspace's integration tests.
//!
//! - [`venv_bin`] and [`python`] find the project's pinned non-Rust tools (installed by
//!   `scripts/setup-tools` into `.venv`) and fail loudly when they are missing: a test that
//!   needs moto, awslambdaric or cfn-lint never skips silently.
//! - [`moto`] starts one moto server per test process on 127.0.0.1 and guarantees it dies with
//!   that process, even when a test panics or the process is killed.
//! - [`built_binary`] builds another package's binary and finds it wherever the target
//!   directory is.
//! - [`unique_name`] gives per-test names, so tests sharing the server do not see each other.

mod cargo;
mod moto;
mod tools;

pub mod fake_kinesis;
pub mod http_server;

pub use cargo::built_binary;
pub use moto::{Moto, moto};
pub use tools::{python, venv_bin, workspace_root};

use std::sync::atomic::{AtomicU32, Ordering};

/// A name no other test in this process (or a concurrent test process) uses: `prefix-<pid>-<n>`.
///
/// Kinesis stream and CloudFormation stack names allow letters, digits and hyphens, so the
/// result is valid for both.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}
