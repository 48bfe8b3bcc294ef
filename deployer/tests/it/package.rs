//! `deployer package --binary`: deterministic zips, binary checks. Uses the debug build of
//! the extension (no release build in tests).

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::invoke_support::{built_extension, extension_copy};

fn deployer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_deployer"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Packages `binary` for AL2023 (a debug build links against the build machine's glibc)
/// and returns the JSON report.
fn package(binary: &Path, output: &Path, extra: &[&str]) -> Result<Value, String> {
    let mut args = vec![
        "package",
        "--json",
        "--runtime-os",
        "al2023",
        "--binary",
        binary.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let result = deployer(&args);
    if result.status.success() {
        Ok(serde_json::from_slice(&result.stdout).unwrap())
    } else {
        assert!(result.stdout.is_empty());
        Err(String::from_utf8(result.stderr).unwrap())
    }
}

#[test]
fn two_packagings_give_identical_zips() {
    let directory = tempfile::tempdir().unwrap();
    let first_path = directory.path().join("first.zip");
    let second_path = directory.path().join("second.zip");
    let binary = extension_copy(directory.path());
    let first = package(&binary, &first_path, &[]).unwrap();
    let second = package(&binary, &second_path, &[]).unwrap();

    let first_zip = std::fs::read(&first_path).unwrap();
    assert_eq!(first_zip, std::fs::read(&second_path).unwrap());
    let sha256 = hex::encode(Sha256::digest(&first_zip));
    assert_eq!(first["sha256"], sha256.as_str());
    assert_eq!(second["sha256"], sha256.as_str());
    assert_eq!(first["size"], first_zip.len());
    assert_eq!(first["s3_key"], format!("layers/{sha256}.zip").as_str());
    assert_eq!(first["architecture"], "x86_64");
}

#[test]
fn zip_holds_the_executable_extension() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("nested/layer.zip");
    let binary = extension_copy(directory.path());
    package(&binary, &path, &[]).unwrap();

    let mut archive = zip::ZipArchive::new(Cursor::new(std::fs::read(&path).unwrap())).unwrap();
    assert_eq!(
        archive.file_names().collect::<Vec<_>>(),
        ["extensions/telemetry-kinesis-extension"]
    );
    let mut entry = archive.by_index(0).unwrap();
    assert_eq!(entry.unix_mode().unwrap() & 0o7777, 0o755);
    let mut contents = Vec::new();
    entry.read_to_end(&mut contents).unwrap();
    assert!(contents == std::fs::read(&binary).unwrap());
}

#[test]
fn text_report_names_path_size_and_hash() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("layer.zip");
    let binary = extension_copy(directory.path());
    let result = deployer(&[
        "package",
        "--runtime-os",
        "al2023",
        "--binary",
        binary.to_str().unwrap(),
        "--output",
        path.to_str().unwrap(),
    ]);
    assert!(result.status.success(), "{result:?}");
    let zip = std::fs::read(&path).unwrap();
    let report = String::from_utf8(result.stdout).unwrap();
    assert!(
        report.contains(&format!("path: {}\n", path.display())),
        "{report}"
    );
    assert!(
        report.contains(&format!("size: {}\n", zip.len())),
        "{report}"
    );
    let sha256 = hex::encode(Sha256::digest(&zip));
    assert!(report.contains(&format!("sha256: {sha256}\n")), "{report}");
}

/// Copies the extension with another ELF `e_machine`.
fn with_machine(directory: &Path, machine: u16) -> PathBuf {
    let mut bytes = std::fs::read(built_extension()).unwrap();
    bytes[18..20].copy_from_slice(&machine.to_le_bytes());
    let path = directory.join(format!("machine-{machine:x}"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn wrong_architecture_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let output = directory.path().join("layer.zip");

    let arm = with_machine(directory.path(), 0xB7);
    let error = package(&arm, &output, &["--architecture", "x86_64"]).unwrap_err();
    assert!(
        error.contains("is built for aarch64 (arm64), not x86_64"),
        "{error}"
    );
    assert!(error.contains("exec format error"), "{error}");

    let x86 = with_machine(directory.path(), 0x3E);
    let error = package(&x86, &output, &["--architecture", "arm64"]).unwrap_err();
    assert!(error.contains("is built for x86_64, not arm64"), "{error}");

    let riscv = with_machine(directory.path(), 0xF3);
    let error = package(&riscv, &output, &[]).unwrap_err();
    assert!(error.contains("is built for riscv, not x86_64"), "{error}");
    assert!(!output.exists());
}

#[test]
fn glibc_newer_than_amazon_linux_2_is_refused() {
    // A debug build links against this machine's glibc (2.34 or newer here).
    let directory = tempfile::tempdir().unwrap();
    let output = directory.path().join("layer.zip");
    let binary = extension_copy(directory.path());
    let result = deployer(&[
        "package",
        "--binary",
        binary.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(!result.status.success());
    let error = String::from_utf8(result.stderr).unwrap();
    assert!(
        error.contains("but Amazon Linux 2 has glibc 2.26"),
        "{error}"
    );
    assert!(error.contains("--runtime-os al2023"), "{error}");
    assert!(!output.exists());
}

#[test]
fn not_an_elf_file_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let script = directory.path().join("script");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    let error = package(&script, &directory.path().join("layer.zip"), &[]).unwrap_err();
    assert!(error.contains("cannot be packaged"), "{error}");
    assert!(error.contains("not an ELF binary"), "{error}");
}

#[test]
fn an_aarch64_binary_is_packaged_for_arm64() {
    let directory = tempfile::tempdir().unwrap();
    let output = directory.path().join("layer.zip");
    let arm = with_machine(directory.path(), 0xB7);
    let report = package(&arm, &output, &["--architecture", "arm64"]).unwrap();
    assert_eq!(report["architecture"], "arm64");
    let archive = zip::ZipArchive::new(Cursor::new(std::fs::read(&output).unwrap())).unwrap();
    assert_eq!(
        archive.file_names().collect::<Vec<_>>(),
        ["extensions/telemetry-kinesis-extension"]
    );
}

/// The architecture this machine does not run, with its Rust target and the one it has.
fn foreign_architecture() -> (&'static str, &'static str, &'static str) {
    if cfg!(target_arch = "aarch64") {
        (
            "x86_64",
            "x86_64-unknown-linux-gnu",
            "aarch64-unknown-linux-gnu",
        )
    } else {
        (
            "arm64",
            "aarch64-unknown-linux-gnu",
            "x86_64-unknown-linux-gnu",
        )
    }
}

#[test]
fn a_cross_build_without_the_rust_target_says_what_to_install() {
    let (architecture, target, native) = foreign_architecture();
    let directory = tempfile::tempdir().unwrap();
    // A rustup that lists only the native target, as on a machine that never added another.
    let bin = directory.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let rustup = bin.join("rustup");
    std::fs::write(
        &rustup,
        format!("#!/bin/sh\n[ \"$*\" = 'target list --installed' ] && echo {native}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&rustup, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let output = directory.path().join("layer.zip");
    let result = Command::new(env!("CARGO_BIN_EXE_deployer"))
        .args(["package", "--architecture", architecture, "--output"])
        .arg(&output)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1), "{result:?}");
    let error = String::from_utf8(result.stderr).unwrap();
    assert!(
        error.contains(&format!(
            "cannot build the extension for {architecture} on this"
        )),
        "{error}"
    );
    assert!(
        error.contains(&format!("the Rust target {target} is not installed")),
        "{error}"
    );
    assert!(
        error.contains(&format!("rustup target add {target}")),
        "{error}"
    );
    assert!(error.contains("cargo-zigbuild and ziglang"), "{error}");
    assert!(error.contains("scripts/setup-tools"), "{error}");
    assert!(result.stdout.is_empty());
    assert!(!output.exists());
}
