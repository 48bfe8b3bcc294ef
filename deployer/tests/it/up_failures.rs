//! `deployer up` without a usable AWS setup: clear errors, in bounded time, before any change.

use std::net::Ipv4Addr;

use crate::up_support::*;

#[tokio::test]
async fn without_credentials_up_fails_fast_with_a_hint() {
    let world = World::new("no-credentials");
    // Instance metadata left enabled: the lookup must still end in bounded time.
    let env = without(
        world.env(),
        &[
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_EC2_METADATA_DISABLED",
        ],
    );
    let run = deployer(&world.up_args(&[]), &env).await;
    assert_eq!(run.code, Some(3), "{run}");
    assert!(run.stderr.contains("no AWS credentials"), "{run}");
    assert!(
        run.stderr.contains("AWS_ACCESS_KEY_ID"),
        "the hint says what to set: {run}"
    );
    assert!(run.elapsed < BOUND, "{run}");
    assert!(!stack_exists(&world.assets).await, "nothing created");
}

#[tokio::test]
async fn without_a_region_up_fails_fast_with_a_hint() {
    let world = World::new("no-region");
    let env = without(
        world.env(),
        &[
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_EC2_METADATA_DISABLED",
        ],
    );
    let run = deployer(&world.up_args(&[]), &env).await;
    assert_eq!(run.code, Some(3), "{run}");
    assert!(
        run.stderr.contains("no AWS region") && run.stderr.contains("--region"),
        "{run}"
    );
    assert!(run.elapsed < BOUND, "{run}");
}

#[tokio::test]
async fn a_bad_region_is_named_with_its_option() {
    let world = World::new("bad-region");
    let mut args = world.up_args(&[]);
    args.splice(0..0, ["--region".to_owned(), "moon-base".to_owned()]);
    let run = deployer(&args, &world.env()).await;
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr
            .contains("invalid value 'moon-base' for '--region <REGION>': not an AWS region name"),
        "{run}"
    );

    let mut env = world.env();
    env.retain(|(key, _)| key != "AWS_REGION");
    env.push(("AWS_REGION".to_owned(), "Not A Region".to_owned()));
    let run = deployer(&world.up_args(&[]), &env).await;
    assert_eq!(run.code, Some(3), "{run}");
    assert!(
        run.stderr.contains("\"Not A Region\" is not a region name"),
        "{run}"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_in_bounded_time() {
    let world = World::new("unreachable");
    let endpoint = refused_endpoint();
    let mut args = world.up_args(&[]);
    args.splice(0..0, ["--endpoint-url".to_owned(), endpoint.clone()]);
    let run = deployer(&args, &world.env()).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains(&format!(
            "CloudFormation DescribeStacks failed: cannot reach {endpoint}"
        )),
        "{run}"
    );
    assert!(
        run.stderr.to_lowercase().contains("refused"),
        "the cause is shown: {run}"
    );
    assert!(run.elapsed < BOUND, "{run}");
}

#[tokio::test]
async fn invalid_options_are_refused_before_any_call() {
    let world = World::new("bad-options");
    let run = deployer(&world.up_args(&["--shards", "0"]), &world.env()).await;
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("--shards 0 is out of range"), "{run}");
    let mut args = world.up_args(&[]);
    args.splice(0..2, ["--stack-name".to_owned(), "not_valid".to_owned()]);
    let run = deployer(&args, &world.env()).await;
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("--stack-name"), "{run}");
    assert!(!stack_exists(&world.assets).await, "nothing created");
}

#[tokio::test]
async fn a_metadata_endpoint_that_never_answers_does_not_hang_up() {
    let world = World::new("imds-hang");
    // Accepts connections and never answers, like a firewalled 169.254.169.254.
    let black_hole = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let endpoint = format!("http://{}", black_hole.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = black_hole.accept().await {
            held.push(connection);
        }
    });
    let mut env = without(
        world.env(),
        &[
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_EC2_METADATA_DISABLED",
        ],
    );
    env.push(("AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(), endpoint));
    let run = deployer(&world.up_args(&[]), &env).await;
    holder.abort();
    assert_eq!(run.code, Some(3), "{run}");
    assert!(run.stderr.contains("no AWS credentials"), "{run}");
    assert!(run.elapsed < BOUND, "{run}");
}

#[tokio::test]
async fn an_interrupt_stops_waiting_and_says_cloudformation_carries_on() {
    let world = World::new("interrupt");
    let run = interrupted_while_waiting(world.up_args(&[]), &world.env()).await;
    assert_eq!(run.code, Some(130), "{run}");
    assert!(
        run.stderr
            .contains("interrupted: CloudFormation carries on"),
        "{run}"
    );
    assert!(run.stderr.contains("describe-stack-events"), "{run}");
}
