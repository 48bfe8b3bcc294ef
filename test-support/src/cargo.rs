//! Binaries of other workspace packages, built on demand and found wherever cargo puts
//! them (`CARGO_TARGET_DIR`, `build.target-dir`, or `target/`): the path comes from cargo's
//! own build messages, never from a guess.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, PoisonError};

/// Builds `binary` of workspace package `package` in the dev profile (a no-op when it is
/// up to date) and returns its path; built once per test process.
///
/// # Panics
/// When the build fails or names no such executable: the test cannot run without it.
pub fn built_binary(package: &str, binary: &str) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<(String, String), PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(PoisonError::into_inner);
    let key = (package.to_owned(), binary.to_owned());
    if let Some(path) = built.get_or_insert_with(HashMap::new).get(&key) {
        return path.clone();
    }
    let path = build(package, binary);
    built
        .get_or_insert_with(HashMap::new)
        .insert(key, path.clone());
    path
}

fn build(package: &str, binary: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--message-format=json-render-diagnostics",
            "--package",
            package,
            "--bin",
            binary,
        ])
        .current_dir(crate::workspace_root())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(error) => panic!("cannot run cargo to build {package}: {error}"),
    };
    assert!(
        output.status.success(),
        "building {package} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["name"] == binary)
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built {package} but named no executable {binary}"))
}
