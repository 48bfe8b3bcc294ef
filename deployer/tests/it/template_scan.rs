//! The external judges of every template the deployer can emit, both stacks: `cfn-lint`
//! (valid CloudFormation, no warnings) and `checkov` (security posture, no failed check).
//! A check that does not fit is skipped in the template itself, with its reason, never on
//! the command line here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::synth::{SNAPSHOT_VARIANTS, synth};

const LOG_KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Every combination of the main choices, the sample function's security options, the
/// snapshot variants (which include the assets stack) and the assets stack as JSON.
fn variants() -> Vec<(String, Vec<String>)> {
    let owned = |args: &[&str]| args.iter().map(|arg| (*arg).to_owned()).collect::<Vec<_>>();
    let mut variants = Vec::new();
    for capacity in ["provisioned", "on-demand"] {
        for sample in [true, false] {
            for architecture in ["x86_64", "arm64"] {
                for format in ["json", "kpl"] {
                    let mut args = owned(&[
                        "--capacity",
                        capacity,
                        "--architecture",
                        architecture,
                        "--record-format",
                        format,
                    ]);
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
    let extra: [(&str, &[&str]); 4] = [
        ("log-key", &["--log-kms-key", LOG_KEY]),
        (
            "unreserved-unencrypted",
            &["--no-reserved-concurrency", "--no-encryption"],
        ),
        ("reserved-10", &["--reserved-concurrency", "10"]),
        ("assets-json", &["--assets", "--json"]),
    ];
    for (name, args) in extra.iter().chain(SNAPSHOT_VARIANTS) {
        variants.push(((*name).to_owned(), owned(args)));
    }
    variants
}

/// Writes every variant into `directory`; returns the files.
fn write_variants(directory: &Path) -> Vec<PathBuf> {
    variants()
        .into_iter()
        .map(|(name, args)| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let extension = if args.contains(&"--json") {
                "json"
            } else {
                "yaml"
            };
            let file = directory.join(format!("{name}.{extension}"));
            std::fs::write(&file, synth(&args)).unwrap();
            file
        })
        .collect()
}

#[test]
fn every_variant_passes_cfn_lint() {
    let directory = tempfile::tempdir().unwrap();
    let files = write_variants(directory.path());
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

/// The CloudFormation part of checkov's JSON report: one object for one framework, a list
/// for several; only a summary when nothing could be parsed.
fn cloudformation_report(stdout: &[u8]) -> Value {
    let report: Value = serde_json::from_slice(stdout).unwrap_or_else(|error| {
        panic!(
            "checkov printed no JSON report ({error}):\n{}",
            String::from_utf8_lossy(stdout)
        )
    });
    match report {
        Value::Array(reports) => reports
            .into_iter()
            .find(|report| report["check_type"] == "cloudformation")
            .unwrap_or_else(|| panic!("no cloudformation report")),
        report => report,
    }
}

fn checks<'a>(report: &'a Value, kind: &str) -> &'a [Value] {
    report["results"][kind]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

fn describe(check: &Value) -> String {
    format!(
        "{} ({}) on {} in {}: {}",
        check["check_id"].as_str().unwrap_or("?"),
        check["check_name"].as_str().unwrap_or("?"),
        check["resource"].as_str().unwrap_or("?"),
        check["file_path"].as_str().unwrap_or("?"),
        check["guideline"].as_str().unwrap_or("no guideline"),
    )
}

/// One checkov run over a directory of every variant: checkov takes seconds to start, so
/// it runs once, not once per file. It exits 0 on a missing or unparseable file, so the
/// report itself is checked: no parsing error, every file scanned, no failed check, and
/// every skip carrying its reason from the template.
#[test]
fn every_variant_passes_checkov() {
    let directory = tempfile::tempdir().unwrap();
    let files = write_variants(directory.path());
    let mut command = Command::new(test_support::venv_bin("checkov"));
    command
        .arg("--directory")
        .arg(directory.path())
        .args([
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
        ])
        // No configuration file of the caller's applies.
        .current_dir(directory.path());
    for (name, _) in std::env::vars() {
        // CKV_SKIP_CHECK and friends would skip checks behind the template's back.
        if name.starts_with("CKV_") || name.starts_with("BC_") {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = cloudformation_report(&output.stdout);
    let summary = &report["summary"];
    assert_eq!(summary["parsing_errors"], 0, "{summary}\n{stderr}");
    assert!(
        summary["resource_count"].as_u64() > Some(0),
        "{summary}\n{stderr}"
    );
    let failed: Vec<String> = checks(&report, "failed_checks")
        .iter()
        .map(describe)
        .collect();
    assert!(
        failed.is_empty() && summary["failed"] == 0,
        "checkov failed {} checks:\n{}",
        failed.len(),
        failed.join("\n")
    );
    let scanned: BTreeSet<&str> = checks(&report, "passed_checks")
        .iter()
        .filter_map(|check| check["file_path"].as_str())
        .collect();
    for file in &files {
        let name = format!("/{}", file.file_name().unwrap().to_str().unwrap());
        assert!(scanned.contains(name.as_str()), "{name} was not scanned");
    }
    let mut skipped_ids = BTreeSet::new();
    for check in checks(&report, "skipped_checks") {
        let comment = check["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or_default();
        assert!(
            comment.len() > 40,
            "a skip without its reason: {}",
            describe(check)
        );
        skipped_ids.insert(check["check_id"].as_str().unwrap().to_owned());
    }
    assert!(output.status.success(), "{}\n{stderr}", output.status);

    // The README's Security section names every check a template skips.
    let readme = std::fs::read_to_string(test_support::workspace_root().join("README.md")).unwrap();
    let security = readme
        .split("\n## Security")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has a Security section");
    for id in &skipped_ids {
        assert!(
            security.contains(id.as_str()),
            "README's Security section does not explain {id}"
        );
    }
}
