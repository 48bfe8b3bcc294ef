//! `deployer status` against moto: each function the stack instrumented, its layer version
//! against the stack's current one, and the time of its last event on the stream.

use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_lambda::types::Architecture;
use serde_json::json;
use test_support::moto;

use crate::instrument_support::*;

#[tokio::test]
async fn status_shows_layer_versions_and_last_events() {
    let fixture = Fixture::new("status").await;
    moto().create_stream(&fixture.stream, 1).await;
    let fresh = fixture.function("fresh", Spec::default()).await;
    let quiet = fixture.function("quiet", Spec::default()).await;
    let bystander = fixture.function("bystander", Spec::default()).await;
    let run = fixture
        .run(
            "instrument",
            &["--function", &fresh, "--function", &quiet, "--yes"],
        )
        .await;
    assert_eq!(run.code, Some(0), "{run}");

    let time = "2030-01-02T03:04:05.678Z";
    let payload = json!({"id": "e-1", "time": time, "type": "function",
                         "functionName": fresh, "record": "hello"});
    moto()
        .kinesis()
        .await
        .put_record()
        .stream_name(&fixture.stream)
        .partition_key("req-1")
        .data(Blob::new(payload.to_string()))
        .send()
        .await
        .unwrap();

    // The stack's layer moves on: both functions are a version behind.
    let layer_name = fixture
        .layer
        .rsplit_once(':')
        .unwrap()
        .0
        .rsplit(':')
        .next()
        .unwrap();
    let newer = publish_layer(layer_name, &[Architecture::X8664]).await;
    let status = |layer: String| {
        let fixture = &fixture;
        async move {
            fixture
                .run(
                    "status",
                    &["--layer-arn", &layer, "--stream", &fixture.stream, "--json"],
                )
                .await
        }
    };
    let run = status(fixture.layer.clone()).await;
    assert_eq!(run.code, Some(0), "{run}");
    let report = run.json();
    let names = names(&report);
    assert!(names.contains(&fresh) && names.contains(&quiet), "{run}");
    assert!(!names.contains(&bystander), "{run}");
    assert_eq!(entry(&report, &fresh)["layer"], "current", "{run}");
    assert_eq!(entry(&report, &fresh)["last_event"], time, "{run}");
    assert_eq!(
        entry(&report, &quiet)["last_event"],
        serde_json::Value::Null
    );

    let run = status(newer).await;
    assert_eq!(run.code, Some(0), "{run}");
    assert_eq!(entry(&run.json(), &quiet)["layer"], "outdated", "{run}");

    let run = fixture
        .run(
            "status",
            &[
                "--function",
                &bystander,
                "--layer-arn",
                &fixture.layer,
                "--stream",
                &fixture.stream,
            ],
        )
        .await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stdout.contains("not instrumented"), "{run}");
}
