//! `deployer destroy` end to end against moto.

use crate::up_support::*;

#[tokio::test]
async fn destroy_removes_the_stack_and_a_second_destroy_succeeds() {
    let world = World::new("destroy");
    let report = world.up(&[]).await.json();
    let function_name = physical_id(&world.stack, "SampleFunction").await;

    let run = world.destroy(&["--yes"]).await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout
            .contains(&format!("Deleted stack {}", world.stack)),
        "{run}"
    );
    assert!(run.stderr.contains("DELETE_COMPLETE"), "{run}");
    assert!(!stack_exists(&world.stack).await);
    let kinesis = test_support::moto().kinesis().await;
    assert!(
        kinesis
            .describe_stream_summary()
            .stream_name(&world.stream)
            .send()
            .await
            .is_err(),
        "stream deleted"
    );
    assert!(
        lambda()
            .await
            .get_function()
            .function_name(&function_name)
            .send()
            .await
            .is_err(),
        "function deleted"
    );
    // Without --all the assets stay for the next deploy.
    assert!(stack_exists(&world.assets).await);
    let bucket = report["assets_bucket"].as_str().unwrap();
    assert!(s3().await.head_bucket().bucket(bucket).send().await.is_ok());

    let again = world.destroy(&["--yes", "--json"]).await;
    assert_eq!(again.code, Some(0), "{again}");
    assert_eq!(again.json()["deleted"], false);

    world.destroy(&["--yes", "--all"]).await;
}

#[tokio::test]
async fn destroy_all_empties_and_deletes_the_assets_bucket() {
    let world = World::new("destroy-all");
    let first = world.up(&[]).await.json();
    world.rebuild_extension(b"second version");
    world.up(&[]).await;
    let bucket = first["assets_bucket"].as_str().unwrap().to_owned();

    let run = world.destroy(&["--yes", "--all", "--json"]).await;
    assert_eq!(run.code, Some(0), "{run}");
    let report = run.json();
    assert_eq!(report["deleted"], true);
    assert_eq!(report["assets_deleted"], true);
    assert_eq!(report["objects_deleted"], 2);
    assert!(
        s3().await
            .head_bucket()
            .bucket(&bucket)
            .send()
            .await
            .is_err(),
        "bucket {bucket} left behind"
    );
    assert!(!stack_exists(&world.assets).await);
    assert!(!stack_exists(&world.stack).await);

    let again = world.destroy(&["--yes", "--all"]).await;
    assert_eq!(again.code, Some(0), "{again}");
    assert!(again.stdout.contains("Nothing to destroy"), "{again}");
}

#[tokio::test]
async fn destroy_without_a_terminal_refuses_unless_yes() {
    let world = World::new("destroy-refuse");
    world.up(&[]).await;
    let run = world.destroy(&[]).await;
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("needs confirmation") && run.stderr.contains("--yes"),
        "{run}"
    );
    assert!(stack_exists(&world.stack).await, "nothing deleted");
    world.destroy(&["--yes", "--all"]).await;
}
