//! The command-line surface: every subcommand is listed, unimplemented ones say so.

use std::process::Command;

#[test]
fn help_lists_every_subcommand() {
    let output = Command::new(env!("CARGO_BIN_EXE_deployer"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for subcommand in [
        "synth",
        "package",
        "up",
        "destroy",
        "logs",
        "invoke",
        "verify",
        "recover",
        "instrument",
        "uninstrument",
        "status",
    ] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(subcommand)),
            "{subcommand} missing from:\n{help}"
        );
    }
    for option in [
        "--region",
        "--profile",
        "--endpoint-url",
        "--stack-name",
        "--no-color",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}
