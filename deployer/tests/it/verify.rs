//! `deployer verify --local`: the whole pipeline locally (sandbox, extension, moto), and
//! its failure when the extension cannot write.

use test_support::{moto, unique_name};

use crate::invoke_support::{extension_copy, listener_port, local_args};
use crate::logs_support::deployer;

/// stderr with miette's line wrapping undone: words separated by single spaces.
fn unwrapped(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .split(|c: char| c.is_whitespace() || c == '|')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn verify(stream: &str, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let directory = tempfile::tempdir().unwrap();
    let binary = extension_copy(directory.path());
    let mut args = vec!["verify".to_owned()];
    args.extend(local_args(stream, &binary));
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = deployer(&args);
    command
        .env("RUST_LOG", "info")
        .env("TELEMETRY_KINESIS_LISTENER_PORT", listener_port());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn verify_locally_passes() {
    let moto = moto();
    let stream = unique_name("verify-ok");
    moto.create_stream(&stream, 1).await;
    let output = verify(&stream, &["--count", "2"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "verified: the telemetry of 2 invocation(s) arrived on {stream}"
        )),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);
}

#[tokio::test]
async fn verify_fails_clearly_when_the_extension_cannot_write() {
    let moto = moto();
    let stream = unique_name("verify-read");
    moto.create_stream(&stream, 1).await;
    let wrong = unique_name("verify-missing");
    let output = verify(
        &stream,
        &["--timeout", "5s"],
        &[("TELEMETRY_KINESIS_STREAM_NAME", &wrong)],
    );
    let stderr = unwrapped(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("did not all arrive on {stream} within 5 s")),
        "{stderr}"
    );
    assert!(
        stderr.contains("no function, no platform.report, no platform.start"),
        "{stderr}"
    );
    assert!(stderr.contains("the extension's log ends with"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Stream {wrong} under account 123456789012 not found"
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn verify_against_a_missing_stream_names_it() {
    let stream = unique_name("verify-nothing");
    let output = verify(&stream, &["--timeout", "5s"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("stream `{stream}` does not exist")),
        "{stderr}"
    );
}
