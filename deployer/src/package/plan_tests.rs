use super::*;

use Architecture::{Arm64, X86_64};

const TARGET_DIR: &str = "/ci-cache/cargo-target";
const ZIGBUILD: &str = "/repo/.venv/bin/cargo-zigbuild";

fn toolchain(host_arch: &'static str, zig: bool, installed: &[&str]) -> Toolchain {
    Toolchain {
        host_arch,
        zigbuild: zig.then(|| PathBuf::from(ZIGBUILD)),
        installed_targets: Some(
            installed
                .iter()
                .map(|target| (*target).to_owned())
                .collect(),
        ),
        cross_linker: false,
    }
}

fn plan(architecture: Architecture, toolchain: &Toolchain) -> Result<BuildPlan, String> {
    plan_build(Path::new(TARGET_DIR), architecture, toolchain).map_err(|error| {
        let help = miette::Diagnostic::help(&error).map(|help| help.to_string());
        format!("{error}\nhelp: {}", help.unwrap_or_default())
    })
}

fn args(plan: &BuildPlan) -> Vec<&str> {
    plan.args.iter().map(|arg| arg.to_str().unwrap()).collect()
}

const X86: &str = "x86_64-unknown-linux-gnu";
const AARCH64: &str = "aarch64-unknown-linux-gnu";

#[test]
fn arm64_on_x86_64_builds_with_zig_for_glibc_2_17() {
    let plan = plan(Arm64, &toolchain("x86_64", true, &[X86, AARCH64])).unwrap();
    assert_eq!(plan.builder, Builder::Zig);
    assert_eq!(plan.program, Some(PathBuf::from(ZIGBUILD)));
    assert_eq!(
        args(&plan),
        [
            "build",
            "--target",
            "aarch64-unknown-linux-gnu.2.17",
            "--release",
            "--package",
            "telemetry-kinesis-extension",
            "--target-dir",
            TARGET_DIR,
        ]
    );
    assert_eq!(
        plan.binary,
        Path::new(
            "/ci-cache/cargo-target/aarch64-unknown-linux-gnu/release/telemetry-kinesis-extension"
        )
    );
}

#[test]
fn x86_64_on_arm64_builds_with_zig_the_same_way() {
    let plan = plan(X86_64, &toolchain("aarch64", true, &[AARCH64, X86])).unwrap();
    assert_eq!(
        args(&plan)[..3],
        ["build", "--target", "x86_64-unknown-linux-gnu.2.17"]
    );
    assert_eq!(
        plan.binary,
        Path::new(
            "/ci-cache/cargo-target/x86_64-unknown-linux-gnu/release/telemetry-kinesis-extension"
        )
    );
}

#[test]
fn native_builds_use_zig_when_installed_and_cargo_otherwise() {
    let zig = plan(X86_64, &toolchain("x86_64", true, &[X86])).unwrap();
    assert_eq!(zig.builder, Builder::Zig);
    assert_eq!(args(&zig)[2], "x86_64-unknown-linux-gnu.2.17");

    let cargo = plan(X86_64, &toolchain("x86_64", false, &[X86])).unwrap();
    assert_eq!(cargo.builder, Builder::Cargo);
    assert_eq!(cargo.program, None);
    assert_eq!(
        args(&cargo),
        [
            "build",
            "--release",
            "--package",
            "telemetry-kinesis-extension",
            "--target-dir",
            TARGET_DIR
        ]
    );
    assert_eq!(
        cargo.binary,
        Path::new("/ci-cache/cargo-target/release/telemetry-kinesis-extension")
    );
}

#[test]
fn a_missing_rust_target_names_the_rustup_command_and_the_zig_link() {
    let error = plan(Arm64, &toolchain("x86_64", true, &[X86])).unwrap_err();
    assert_eq!(
        error,
        "cannot build the extension for arm64 on this x86_64 machine: the Rust target \
         aarch64-unknown-linux-gnu is not installed\n\
         help: run `rustup target add aarch64-unknown-linux-gnu` (its standard library); \
         cargo-zigbuild and ziglang, which link the cross build against glibc 2.17 with no \
         cross linker, come from `scripts/setup-tools`; or pass --binary PATH with an \
         extension built for arm64"
    );
}

#[test]
fn a_cross_build_without_zig_names_setup_tools() {
    let error = plan(Arm64, &toolchain("x86_64", false, &[X86, AARCH64])).unwrap_err();
    assert!(
        error.contains("there is no cargo-zigbuild (in the project's .venv) to link for it"),
        "{error}"
    );
    assert!(
        error.contains("help: run `scripts/setup-tools` (installs cargo-zigbuild and ziglang"),
        "{error}"
    );
}

#[test]
fn a_cross_build_missing_both_names_both_steps() {
    let error = plan(Arm64, &toolchain("x86_64", false, &[X86])).unwrap_err();
    assert!(
        error.contains(
            "the Rust target aarch64-unknown-linux-gnu is not installed, nor is cargo-zigbuild"
        ),
        "{error}"
    );
    assert!(
        error.contains(
            "run `rustup target add aarch64-unknown-linux-gnu` (its standard library) and \
             `scripts/setup-tools`"
        ),
        "{error}"
    );
}

#[test]
fn a_configured_cross_linker_builds_with_cargo() {
    let toolchain = Toolchain {
        cross_linker: true,
        ..toolchain("x86_64", false, &[X86, AARCH64])
    };
    let plan = plan(Arm64, &toolchain).unwrap();
    assert_eq!(plan.builder, Builder::Cargo);
    assert_eq!(args(&plan)[..3], ["build", "--target", AARCH64]);
    assert_eq!(
        plan.binary,
        Path::new(
            "/ci-cache/cargo-target/aarch64-unknown-linux-gnu/release/telemetry-kinesis-extension"
        )
    );
    assert_eq!(
        linker_variable(AARCH64),
        "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER"
    );
}

#[test]
fn without_rustup_cargo_says_what_is_missing() {
    let toolchain = Toolchain {
        installed_targets: None,
        ..toolchain("x86_64", true, &[])
    };
    assert_eq!(plan(Arm64, &toolchain).unwrap().builder, Builder::Zig);
}

#[test]
fn host_names_match_the_standard_library() {
    let native = if cfg!(target_arch = "aarch64") {
        Arm64
    } else {
        X86_64
    };
    assert_eq!(host_arch_name(native), std::env::consts::ARCH);
}
