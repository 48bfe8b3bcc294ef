use clap::Parser;

use super::*;

/// Parses `deployer synth <args>` and validates its stack options.
fn options(args: &[&str]) -> Result<StackOptions, OptionsError> {
    let cli = crate::Cli::try_parse_from(["deployer", "synth"].iter().chain(args))
        .unwrap_or_else(|error| panic!("{error}"));
    let crate::Command::Synth(synth) = cli.command else {
        panic!("not synth")
    };
    StackOptions::from_args(&cli.global.stack_name, &synth.stack)
}

fn error(args: &[&str]) -> String {
    options(args).unwrap_err().to_string()
}

#[test]
fn no_arguments_give_the_defaults() {
    assert_eq!(options(&[]).unwrap(), StackOptions::default());
}

#[test]
fn every_option_is_taken() {
    let options = options(&[
        "--stack-name",
        "other-stack",
        "--stream-name",
        "my.stream_1",
        "--capacity",
        "on-demand",
        "--retention-hours",
        "8760",
        "--kms-key",
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "--architecture",
        "arm64",
        "--record-format",
        "kpl",
        "--flush",
        "background",
        "--no-sample-function",
        "--log-retention-days",
        "3653",
        "--log-kms-key",
        "arn:aws:kms:eu-west-1:123456789012:key/logs",
        "--reserved-concurrency",
        "10",
    ])
    .unwrap();
    assert_eq!(
        options,
        StackOptions {
            stack_name: "other-stack".to_owned(),
            stream_name: "my.stream_1".to_owned(),
            capacity: Capacity::OnDemand,
            retention_hours: 8760,
            encryption: Encryption::CustomerKey {
                key_arn:
                    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                        .to_owned()
            },
            architecture: Architecture::Arm64,
            record_format: RecordFormat::Kpl,
            flush: FlushStrategy::Background,
            sample_function: false,
            log_retention_days: 3653,
            log_kms_key: Some("arn:aws:kms:eu-west-1:123456789012:key/logs".to_owned()),
            reserved_concurrency: Some(10),
        }
    );
}

#[test]
fn provisioned_shards_and_no_encryption() {
    let options = options(&["--shards", "4", "--no-encryption"]).unwrap();
    assert_eq!(options.capacity, Capacity::Provisioned { shards: 4 });
    assert_eq!(options.encryption, Encryption::None);
}

#[test]
fn invalid_stack_names() {
    assert!(is_valid_stack_name("telemetry-kinesis-assets"));
    for name in ["1stack", "has_underscore", "", &"a".repeat(129)] {
        // clap refuses it on the command line (exit 2)...
        let error =
            crate::Cli::try_parse_from(["deployer", "--stack-name", name, "synth"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(
            error.to_string().contains("letters, digits and hyphens"),
            "{error}"
        );
        // ...and the library refuses it too.
        let message = StackOptions::from_args(name, &StackArgs::default())
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("--stack-name"), "{message}");
    }
}

#[test]
fn invalid_stream_names() {
    for name in ["has space", "slash/", &"s".repeat(129)] {
        let message = error(&["--stream-name", name]);
        assert!(message.starts_with("--stream-name"), "{message}");
        assert!(message.contains("'_', '-' and '.'"), "{message}");
    }
}

#[test]
fn shards_out_of_range() {
    assert_eq!(
        error(&["--shards", "0"]),
        "--shards 0 is out of range: use 1-10000"
    );
    assert_eq!(
        error(&["--shards", "10001"]),
        "--shards 10001 is out of range: use 1-10000"
    );
}

#[test]
fn shards_with_on_demand() {
    assert_eq!(
        error(&["--capacity", "on-demand", "--shards", "2"]),
        "--shards applies only to --capacity provisioned, not on-demand"
    );
}

#[test]
fn retention_out_of_range() {
    for hours in ["23", "8761"] {
        assert_eq!(
            error(&["--retention-hours", hours]),
            format!("--retention-hours {hours} is out of range: use 24-8760")
        );
    }
}

#[test]
fn key_with_no_encryption() {
    let key = "arn:aws:kms:eu-west-1:123456789012:key/abc";
    assert_eq!(
        error(&["--no-encryption", "--kms-key", key]),
        "--kms-key and --no-encryption contradict each other: give one of them"
    );
}

#[test]
fn customer_keys_must_be_arns() {
    for key in [
        "alias/mine",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:eu-west-1:123456789012:alias/mine",
        "arn:aws:kms:eu-west-1:12345:key/abc",
        "arn:aws:kms::123456789012:key/abc",
    ] {
        let message = error(&["--kms-key", key]);
        assert!(
            message.starts_with(&format!("--kms-key {key:?} is neither alias/aws/kinesis")),
            "{message}"
        );
    }
}

#[test]
fn log_retention_not_accepted() {
    assert_eq!(
        error(&["--log-retention-days", "2"]),
        "--log-retention-days 2 is not a CloudWatch Logs retention: use one of 1, 3, 5, 7, 14, 30, \
         60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"
    );
}

#[test]
fn log_keys_must_be_arns() {
    for key in [
        "alias/aws/logs",
        "arn:aws:kms:eu-west-1:123456789012:alias/mine",
    ] {
        let message = error(&["--log-kms-key", key]);
        assert!(
            message.starts_with(&format!("--log-kms-key {key:?} is not a KMS key ARN")),
            "{message}"
        );
    }
}

#[test]
fn reserved_concurrency_is_bounded_and_can_be_turned_off() {
    assert_eq!(options(&[]).unwrap().reserved_concurrency, Some(2));
    let unreserved = options(&["--no-reserved-concurrency"]).unwrap();
    assert_eq!(unreserved.reserved_concurrency, None);
    for count in ["0", "1001"] {
        let message = error(&["--reserved-concurrency", count]);
        assert!(
            message.starts_with(&format!(
                "--reserved-concurrency {count} is out of range: use 1-1000"
            )),
            "{message}"
        );
    }
    assert_eq!(
        error(&["--reserved-concurrency", "3", "--no-reserved-concurrency"]),
        "--reserved-concurrency and --no-reserved-concurrency contradict each other: give one of them"
    );
}

#[test]
fn enum_options_name_their_accepted_values() {
    for (option, accepted) in [
        ("--capacity", "provisioned, on-demand"),
        ("--architecture", "x86_64, arm64"),
        ("--record-format", "json, kpl"),
        ("--flush", "adaptive, end, background"),
    ] {
        let error = crate::Cli::try_parse_from(["deployer", "synth", option, "bogus"]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(option), "{message}");
        assert!(message.contains(accepted), "{message}");
    }
}

#[test]
fn numbers_must_be_numbers() {
    let error = crate::Cli::try_parse_from(["deployer", "synth", "--shards", "many"]).unwrap_err();
    assert!(error.to_string().contains("--shards"), "{error}");
}
