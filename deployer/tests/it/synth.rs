//! `deployer synth`: snapshots of the template variants, the committed default template,
//! and cfn-lint on every variant.

use std::process::Command;

use clap::Parser;
use deployer::commands::synth::{SynthArgs, render};
use deployer::{Cli, GlobalArgs};

/// The command that refreshes the committed default template.
const REFRESH_COMMAND: &str =
    "cargo run -q -p deployer -- synth > templates/telemetry-kinesis.yaml";

/// Renders `deployer synth <args>` as the binary would.
fn synth(args: &[&str]) -> String {
    let (global, synth) = parse(args);
    render(&global, &synth).unwrap_or_else(|error| panic!("synth {args:?}: {error:?}"))
}

fn parse(args: &[&str]) -> (GlobalArgs, SynthArgs) {
    let cli = Cli::try_parse_from(["deployer", "synth"].iter().chain(args))
        .unwrap_or_else(|error| panic!("{error}"));
    match cli.command {
        deployer::Command::Synth(synth) => (cli.global, synth),
        other => panic!("parsed {other:?}"),
    }
}

/// Named variants: snapshot tests and cfn-lint both use them.
const SNAPSHOT_VARIANTS: &[(&str, &[&str])] = &[
    ("default", &[]),
    (
        "on_demand_arm64_kpl",
        &[
            "--capacity",
            "on-demand",
            "--architecture",
            "arm64",
            "--record-format",
            "kpl",
            "--flush",
            "end",
            "--retention-hours",
            "168",
            "--log-retention-days",
            "30",
        ],
    ),
    (
        "without_sample_function_unencrypted",
        &["--no-sample-function", "--shards", "4", "--no-encryption"],
    ),
    (
        "customer_key_json",
        &[
            "--json",
            "--stack-name",
            "other",
            "--stream-name",
            "other-stream",
            "--kms-key",
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ],
    ),
];

#[test]
fn template_snapshots() {
    for (name, args) in SNAPSHOT_VARIANTS {
        insta::assert_snapshot!(*name, synth(args));
    }
}

#[test]
fn committed_default_template_is_current() {
    let path = test_support::workspace_root().join("templates/telemetry-kinesis.yaml");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == synth(&[]),
        "{} differs from what `deployer synth` emits; refresh it with:\n    {REFRESH_COMMAND}",
        path.display()
    );
}

/// Every combination of the main choices, plus the snapshot variants.
fn lint_variants() -> Vec<(String, Vec<String>)> {
    let mut variants = Vec::new();
    for capacity in ["provisioned", "on-demand"] {
        for sample in [true, false] {
            for architecture in ["x86_64", "arm64"] {
                for format in ["json", "kpl"] {
                    let mut args = vec![
                        "--capacity".to_owned(),
                        capacity.to_owned(),
                        "--architecture".to_owned(),
                        architecture.to_owned(),
                        "--record-format".to_owned(),
                        format.to_owned(),
                    ];
                    if !sample {
                        args.push("--no-sample-function".to_owned());
                    }
                    let name = format!(
                        "{capacity}-{}-{architecture}-{format}",
                        if sample { "sample" } else { "nosample" }
                    );
                    variants.push((name, args));
                }
            }
        }
    }
    for (name, args) in SNAPSHOT_VARIANTS {
        variants.push((
            (*name).to_owned(),
            args.iter().map(|arg| (*arg).to_owned()).collect(),
        ));
    }
    variants
}

#[test]
fn every_variant_passes_cfn_lint() {
    let directory = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, args) in lint_variants() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let extension = if args.contains(&"--json") {
            "json"
        } else {
            "yaml"
        };
        let file = directory.path().join(format!("{name}.{extension}"));
        std::fs::write(&file, synth(&args)).unwrap();
        files.push(file);
    }
    let output = Command::new(test_support::venv_bin("cfn-lint"))
        .args([
            "--non-zero-exit-code",
            "warning",
            "--format",
            "parseable",
            "--",
        ])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cfn-lint found errors or warnings ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn binary_prints_template_to_stdout() {
    let output = Command::new(env!("CARGO_BIN_EXE_deployer"))
        .args(["synth", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        synth(&["--json"])
    );
}

#[test]
fn binary_reports_invalid_options_once_and_fails() {
    let output = Command::new(env!("CARGO_BIN_EXE_deployer"))
        .args(["--no-color", "synth", "--shards", "0"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr
            .matches("--shards 0 is out of range: use 1-10000")
            .count(),
        1,
        "{stderr}"
    );
}
