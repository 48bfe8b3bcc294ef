//! `deployer up` end to end against moto: create, no-op, update, new layer bytes.

use aws_sdk_cloudformation::types::StackEvent;

use crate::up_support::*;

fn count_status(events: &[StackEvent], logical_id: &str, status: &str) -> usize {
    events
        .iter()
        .filter(|event| event.logical_resource_id() == Some(logical_id))
        .filter(|event| event.resource_status().map(|status| status.as_str()) == Some(status))
        .count()
}

async fn object_versions(bucket: &str, key: &str) -> usize {
    let listed = s3()
        .await
        .list_object_versions()
        .bucket(bucket)
        .prefix(key)
        .send()
        .await
        .unwrap();
    listed.versions().len()
}

#[tokio::test]
async fn up_creates_everything_from_nothing() {
    let world = World::new("up-create");
    let outputs_file = world.path("outputs.json");
    let run = world
        .up(&["--outputs-file", &outputs_file.display().to_string()])
        .await;
    let report = run.json();
    assert_eq!(report["changed"], true, "{run}");
    assert_eq!(report["status"], "CREATE_COMPLETE");
    assert_eq!(report["stack_name"], world.stack.as_str());
    assert_eq!(report["layer_uploaded"], true);
    assert!(report["duration_seconds"].as_f64().unwrap() < 60.0);
    assert!(report["outputs"].is_object());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&outputs_file).unwrap()).unwrap();
    // Keyed by stack name, as the CDK's --outputs-file.
    assert_eq!(
        written,
        serde_json::json!({ world.stack.as_str(): report["outputs"] })
    );
    // Progress went to stderr as plain lines (no terminal), with the stack's events, and
    // no log line repeating what the report says.
    assert!(run.stderr.contains("CREATE_COMPLETE"), "{run}");
    assert!(!run.stderr.contains("layer zip"), "{run}");
    assert!(
        !run.stderr.contains('\x1b'),
        "no escape codes without a terminal: {run}"
    );

    // The stream, with the configured name.
    let kinesis = test_support::moto().kinesis().await;
    let stream = kinesis
        .describe_stream_summary()
        .stream_name(&world.stream)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream
            .stream_description_summary()
            .unwrap()
            .retention_period_hours(),
        24
    );

    // The function and its role; the log group.
    let function_name = physical_id(&world.stack, "SampleFunction").await;
    let function = lambda()
        .await
        .get_function()
        .function_name(&function_name)
        .send()
        .await
        .unwrap();
    let role_name = physical_id(&world.stack, "SampleFunctionRole").await;
    let role_arn = function.configuration().unwrap().role().unwrap();
    assert!(
        role_arn.ends_with(&format!("/{role_name}")),
        "{role_arn} vs {role_name}"
    );
    // The role's inline policy: only its own log group's streams (moto drops the role's
    // ManagedPolicyArns, so the write policy's attachment is checked by the template tests).
    let log_policy = crate::instrument_support::iam()
        .await
        .get_role_policy()
        .role_name(&role_name)
        .policy_name("WriteOwnLogGroup")
        .send()
        .await
        .unwrap();
    let log_group_name = physical_id(&world.stack, "SampleFunctionLogGroup").await;
    let document = log_policy.policy_document();
    assert!(
        document.contains("logs:PutLogEvents")
            && document.contains(&format!(":log-group:{log_group_name}:*")),
        "{document}"
    );
    assert!(!document.contains("logs:CreateLogGroup"), "{document}");
    let environment = function
        .configuration()
        .unwrap()
        .environment()
        .unwrap()
        .variables()
        .unwrap();
    assert_eq!(environment["TELEMETRY_KINESIS_STREAM_NAME"], world.stream);
    assert!(
        !physical_id(&world.stack, "SampleFunctionLogGroup")
            .await
            .is_empty()
    );
    assert!(
        physical_id(&world.stack, "WritePolicy")
            .await
            .starts_with("arn:aws:iam::")
    );

    // The layer zip sits in the assets bucket under its content hash.
    let bucket = report["assets_bucket"].as_str().unwrap();
    let key = report["layer_s3_key"].as_str().unwrap();
    let zip = std::fs::read(world.path("layer.zip")).unwrap();
    assert_eq!(
        key,
        format!(
            "layers/{}.zip",
            telemetry_kinesis_contract::layer::sha256_hex(&zip)
        )
    );
    assert_eq!(object_versions(bucket, key).await, 1);
    let parameters = cloudformation()
        .await
        .describe_stacks()
        .stack_name(&world.stack)
        .send()
        .await
        .unwrap();
    let parameters = parameters.stacks()[0].parameters();
    assert!(
        parameters
            .iter()
            .any(|p| p.parameter_key() == Some("LayerS3Key") && p.parameter_value() == Some(key))
    );
    assert!(
        parameters
            .iter()
            .any(|p| p.parameter_key() == Some("AssetsBucket")
                && p.parameter_value() == Some(bucket))
    );

    // The assets bucket is encrypted. moto ignores the template's versioning, public access
    // block and lifecycle and cannot create bucket policies (see tests/README.md): the unit
    // test of the assets template covers those.
    let encryption = s3()
        .await
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    assert!(encryption.server_side_encryption_configuration().is_some());

    world.destroy(&["--yes", "--all"]).await;
}

#[tokio::test]
async fn a_second_up_changes_nothing_and_uploads_nothing() {
    let world = World::new("up-again");
    let first = world.up(&[]).await.json();
    let events_before = stack_events(&world.stack).await.len();

    let run = world.up(&[]).await;
    let second = run.json();
    assert_eq!(second["changed"], false, "{run}");
    assert_eq!(second["layer_uploaded"], false);
    assert_eq!(second["layer_s3_key"], first["layer_s3_key"]);
    assert!(
        !run.stderr.contains("Creating change set"),
        "skipped before any change set: {run}"
    );
    assert_eq!(
        stack_events(&world.stack).await.len(),
        events_before,
        "no stack operation"
    );
    let bucket = second["assets_bucket"].as_str().unwrap();
    assert_eq!(
        object_versions(bucket, second["layer_s3_key"].as_str().unwrap()).await,
        1,
        "no second upload"
    );

    let run = deployer(
        &world.up_args(&[])[..world.up_args(&[]).len() - 1],
        &world.env(),
    )
    .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains(&format!("Stack {}: no changes", world.stack)),
        "{run}"
    );

    world.destroy(&["--yes", "--all"]).await;
}

#[tokio::test]
async fn a_changed_option_makes_exactly_one_update() {
    let world = World::new("up-retention");
    world.up(&[]).await;
    let run = world.up(&["--retention-hours", "48"]).await;
    let report = run.json();
    assert_eq!(report["changed"], true, "{run}");
    assert_eq!(report["status"], "UPDATE_COMPLETE");
    assert_eq!(report["layer_uploaded"], false);
    let events = stack_events(&world.stack).await;
    assert_eq!(count_status(&events, &world.stack, "UPDATE_COMPLETE"), 1);
    let kinesis = test_support::moto().kinesis().await;
    let stream = kinesis
        .describe_stream_summary()
        .stream_name(&world.stream)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream
            .stream_description_summary()
            .unwrap()
            .retention_period_hours(),
        48
    );

    // The same options again: nothing more.
    assert_eq!(
        world.up(&["--retention-hours", "48"]).await.json()["changed"],
        false
    );
    let events = stack_events(&world.stack).await;
    assert_eq!(count_status(&events, &world.stack, "UPDATE_COMPLETE"), 1);

    world.destroy(&["--yes", "--all"]).await;
}

#[tokio::test]
async fn rebuilt_extension_bytes_upload_a_new_layer_zip_and_update_the_stack() {
    let world = World::new("up-rebuild");
    let first = world.up(&[]).await.json();
    world.rebuild_extension(b"rebuilt");
    let run = world.up(&[]).await;
    let second = run.json();
    assert_eq!(second["changed"], true, "{run}");
    assert_eq!(second["layer_uploaded"], true);
    assert_ne!(second["layer_s3_key"], first["layer_s3_key"]);
    let key = second["layer_s3_key"].as_str().unwrap();
    let stacks = cloudformation()
        .await
        .describe_stacks()
        .stack_name(&world.stack)
        .send()
        .await
        .unwrap();
    let parameters = stacks.stacks()[0].parameters();
    assert!(
        parameters
            .iter()
            .any(|p| p.parameter_key() == Some("LayerS3Key") && p.parameter_value() == Some(key))
    );
    // Both zips stay: a rollback may need the old one.
    let bucket = second["assets_bucket"].as_str().unwrap();
    assert_eq!(
        object_versions(bucket, first["layer_s3_key"].as_str().unwrap()).await,
        1
    );
    assert_eq!(object_versions(bucket, key).await, 1);

    world.destroy(&["--yes", "--all"]).await;
}
