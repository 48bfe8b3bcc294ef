//! PIPELINES.md's exit-code table, row by row, for every command: 0 success, 1 the operation
//! failed, 2 invalid usage, 3 no usable AWS configuration, 130 interrupted. Rows proven in
//! other modules (a deploy, a local invoke, a recovery) are listed in tests/README.md.

use test_support::unique_name;

use crate::up_support::*;

fn args(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| (*arg).to_owned()).collect()
}

/// Every command that calls AWS, with arguments that reach its first call.
fn aws_commands(world: &World) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("up", world.up_args(&[])),
        ("destroy", world.destroy_args(&["--yes"])),
        ("logs", args(&["logs", "--stream", &world.stream])),
        ("invoke", args(&["invoke", "--function-name", "f"])),
        (
            "verify",
            args(&["verify", "--function-name", "f", "--stream", &world.stream]),
        ),
        (
            "recover",
            args(&[
                "recover",
                "--log-group",
                "/aws/lambda/f",
                "--stream",
                &world.stream,
            ]),
        ),
        (
            "instrument",
            args(&["instrument", "--function", "f", "--yes"]),
        ),
        (
            "uninstrument",
            args(&["uninstrument", "--function", "f", "--yes"]),
        ),
        ("status", args(&["status", "--stream", &world.stream])),
    ]
}

/// Runs every AWS command with `env` (and `extra` global options), expecting exit 3 and
/// each of `expected` on stderr.
async fn every_command_exits_3(
    world: &World,
    env: &[(String, String)],
    extra: &[&str],
    expected: &[&str],
) {
    for (name, mut command) in aws_commands(world) {
        command.splice(0..0, args(extra));
        let run = deployer(&command, env).await;
        assert_eq!(run.code, Some(3), "{name}: {run}");
        for text in expected {
            assert!(run.stderr.contains(text), "{name}: {text:?} missing: {run}");
        }
        assert!(run.elapsed < BOUND, "{name}: {run}");
    }
}

#[tokio::test]
async fn without_a_region_every_command_exits_3_with_the_same_help() {
    let world = World::new("exit-region");
    let env = without(world.env(), &["AWS_REGION", "AWS_DEFAULT_REGION"]);
    every_command_exits_3(
        &world,
        &env,
        &[],
        &[
            "no AWS region configured",
            "pass --region, set AWS_REGION, or set `region` in the AWS profile",
        ],
    )
    .await;
}

#[tokio::test]
async fn without_credentials_every_command_exits_3_with_the_same_help() {
    let world = World::new("exit-credentials");
    let env = without(world.env(), &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    every_command_exits_3(
        &world,
        &env,
        &[],
        &[
            "no AWS credentials found",
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_missing_profile_and_a_bad_region_variable_are_named() {
    let world = World::new("exit-profile");
    every_command_exits_3(
        &world,
        &world.env(),
        &["--profile", "nosuch"],
        &["AWS profile `nosuch` (from --profile) is not defined"],
    )
    .await;
    let mut env = without(world.env(), &["AWS_REGION"]);
    env.push(("AWS_REGION".to_owned(), "Not A Region".to_owned()));
    every_command_exits_3(
        &world,
        &env,
        &[],
        &["\"Not A Region\" is not a region name"],
    )
    .await;
}

#[tokio::test]
async fn a_refused_endpoint_is_named_in_one_line_and_exits_1() {
    let world = World::new("exit-refused");
    let endpoint = refused_endpoint();
    for (name, mut command) in aws_commands(&world) {
        command.splice(0..0, args(&["--endpoint-url", &endpoint]));
        let run = deployer(&command, &world.env()).await;
        assert_eq!(run.code, Some(1), "{name}: {run}");
        assert!(
            run.stderr.contains(&format!("cannot reach {endpoint}: ")),
            "{name}: {run}"
        );
        assert!(run.stderr.contains("RUST_LOG=debug"), "{name}: {run}");
        assert!(!run.stderr.contains("dispatch failure"), "{name}: {run}");
        assert!(run.elapsed < BOUND, "{name}: {run}");
    }
    // The whole chain, for whoever asks.
    let mut env = world.env();
    env.push(("RUST_LOG".to_owned(), "debug".to_owned()));
    let command = args(&["--endpoint-url", &endpoint, "logs", "--stream", "s"]);
    let run = deployer(&command, &env).await;
    assert!(run.stderr.contains("dispatch failure"), "{run}");
}

#[tokio::test]
async fn an_interrupt_exits_130_for_every_command() {
    let world = World::new("exit-interrupt");
    for (name, command) in aws_commands(&world) {
        let run = interrupted_while_waiting(command, &world.env()).await;
        assert_eq!(run.code, Some(130), "{name}: {run}");
        assert!(run.stderr.contains("interrupted: "), "{name}: {run}");
    }
}

#[tokio::test]
async fn usage_errors_exit_2_for_every_command() {
    let world = World::new("exit-usage");
    let cases = [
        args(&["synth", "--shards", "0"]),
        args(&["package", "--runtime-os", "nosuch"]),
        world.up_args(&["--timeout-minutes", "0"]),
        world.destroy_args(&["--assets-stack", "1bad"]),
        args(&["logs", "--since", "yesterday"]),
        args(&["logs", "--filter", "/(/"]),
        args(&["invoke", "--count", "0"]),
        args(&["invoke", "--payload", "notjson"]),
        args(&["verify", "--timeout", "soon"]),
        args(&["recover", "--since", "yesterday"]),
        args(&["recover", "--log-group", "not a group"]),
        args(&["--region", "moon", "logs"]),
        args(&["--endpoint-url", "notaurl", "invoke"]),
        args(&["--stack-name", "not_valid", "destroy"]),
        args(&["instrument", "--yes"]),
        args(&["instrument", "--function", "f:prod"]),
        args(&["instrument", "--function", "f", "--concurrency", "0"]),
        args(&[
            "instrument",
            "--function",
            "f",
            "--layer-arn",
            "arn:aws:lambda:us-east-1:1:layer:x",
        ]),
        args(&[
            "instrument",
            "--function",
            "f",
            "--buffering-max-items",
            "5",
        ]),
        args(&["uninstrument"]),
        args(&["uninstrument", "--functions-regex", "("]),
        args(&["status", "--since", "yesterday"]),
        args(&["status", "--tag", "novalue"]),
    ];
    for case in cases {
        let run = deployer(&case, &world.env()).await;
        assert_eq!(run.code, Some(2), "{case:?}: {run}");
        assert!(run.stdout.is_empty(), "{case:?}: {run}");
    }
}

#[tokio::test]
async fn local_commands_and_lookups_exit_0_on_success_and_1_on_failure() {
    let world = World::new("exit-rows");
    let env = world.env();
    assert_eq!(deployer(&args(&["synth"]), &env).await.code, Some(0));
    let binary = world.path("extension").display().to_string();
    let output = world.path("layer.zip").display().to_string();
    let package = |binary: &str| {
        args(&[
            "package",
            "--binary",
            binary,
            "--runtime-os",
            "al2023",
            "--architecture",
            host_architecture(),
            "--output",
            &output,
        ])
    };
    let run = deployer(&package(&binary), &env).await;
    assert_eq!(run.code, Some(0), "{run}");
    let run = deployer(&package("/no/such/binary"), &env).await;
    assert_eq!(run.code, Some(1), "{run}");

    // Nothing to destroy: no question, even without a terminal and without --yes.
    let run = deployer(&world.destroy_args(&["--all"]), &env).await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("Nothing to destroy"), "{run}");

    let moto = test_support::moto();
    moto.create_stream(&world.stream, 1).await;
    let run = deployer(&args(&["logs", "--stream", &world.stream]), &env).await;
    assert_eq!(run.code, Some(0), "{run}");
    let missing = unique_name("exit-missing");
    let run = deployer(&args(&["logs", "--stream", &missing]), &env).await;
    assert_eq!(run.code, Some(1), "{run}");

    // Without a stack, invoke says which option names the function instead.
    let run = deployer(&args(&["--stack-name", &world.stack, "invoke"]), &env).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains(&format!("stack `{}` does not exist", world.stack))
            && run.stderr.contains("--function-name NAME"),
        "{run}"
    );
}

#[tokio::test]
async fn a_failing_function_is_shown_with_its_error_and_exits_1() {
    let world = World::new("exit-function");
    world.up(&[]).await;
    let stack = world.stack.as_str();
    // moto runs no function: it answers every invoke with a container-engine error, which
    // is a function error like any other.
    let run = deployer(
        &args(&["--stack-name", stack, "invoke", "--count", "2"]),
        &world.env(),
    )
    .await;
    assert_eq!(run.code, Some(1), "{run}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run}");
    for line in &lines {
        assert!(line.contains(" error (Handled) "), "{run}");
        let message = line.split_once(" ms: ").map(|(_, message)| message);
        assert!(message.is_some_and(|message| !message.is_empty()), "{run}");
    }
    assert!(run.stderr.contains("2 of 2 invocation(s) failed"), "{run}");

    let run = deployer(
        &args(&["--stack-name", stack, "invoke", "--json"]),
        &world.env(),
    )
    .await;
    assert_eq!(run.code, Some(1), "{run}");
    let invocation: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(invocation["status"], "error", "{run}");
    assert_eq!(invocation["errorType"], "Handled", "{run}");
    assert!(
        invocation["errorMessage"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{run}"
    );

    // verify says so at once instead of waiting for telemetry that cannot come.
    let run = deployer(&args(&["--stack-name", stack, "verify"]), &world.env()).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("1 of 1 invocation(s) failed"), "{run}");
    assert!(run.elapsed < BOUND, "{run}");
    world.destroy(&["--yes"]).await;
}
