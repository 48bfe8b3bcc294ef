//! `deployer recover` against moto's CloudWatch Logs and Kinesis: spilled lines (whole and
//! cut into parts, among ordinary log lines) come back onto the streams byte for byte, with
//! their partition keys; `--dry-run` sends nothing.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_kinesis::types::ShardIteratorType;
use serde_json::json;
use telemetry_kinesis_contract::spill;
use test_support::{moto, unique_name};

use crate::up_support::{World, deployer};

/// One spilled event: the stream its line names, its partition key and payload.
struct Spill {
    stream: String,
    key: String,
    payload: String,
}

fn spill(stream: &str, key: &str, id: &str, record: serde_json::Value) -> Spill {
    Spill {
        stream: stream.to_owned(),
        key: key.to_owned(),
        payload: json!({"id": id, "time": "2026-01-01T00:00:00.000Z", "type": "function",
                        "functionName": "f", "record": record})
        .to_string(),
    }
}

/// Writes `lines` to a new log stream of a new log group.
pub async fn put_log_lines(log_group: &str, lines: &[String]) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto().sdk_config().await);
    logs.create_log_group()
        .log_group_name(log_group)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(log_group)
        .log_stream_name("2026/01/01/[$LATEST]abc")
        .send()
        .await
        .unwrap();
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let events = lines
        .iter()
        .map(|line| {
            InputLogEvent::builder()
                .timestamp(now)
                .message(line)
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(log_group)
        .log_stream_name("2026/01/01/[$LATEST]abc")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
}

/// Every record of a one-shard stream: (partition key, data).
pub async fn records(stream: &str) -> BTreeSet<(String, String)> {
    let kinesis = moto().kinesis().await;
    let iterator = kinesis
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap();
    let output = kinesis
        .get_records()
        .shard_iterator(iterator.shard_iterator().unwrap())
        .send()
        .await
        .unwrap();
    output
        .records()
        .iter()
        .map(|record| {
            (
                record.partition_key().unwrap_or_default().to_owned(),
                String::from_utf8(record.data().as_ref().to_vec()).unwrap(),
            )
        })
        .collect()
}

/// `--stack-name STACK recover --function FUNCTION --json EXTRA…`
pub fn recover_args(world: &World, function: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--stack-name",
        &world.stack,
        "recover",
        "--function",
        function,
        "--json",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

#[tokio::test]
async fn spilled_events_come_back_byte_for_byte_with_their_keys() {
    let moto = moto();
    let world = World::new("recover");
    let function = unique_name("recover-fn");
    let (first, second) = (unique_name("recover-a"), unique_name("recover-b"));
    moto.create_stream(&first, 1).await;
    moto.create_stream(&second, 1).await;
    let second_arn = format!("arn:aws:kinesis:us-east-1:123456789012:stream/{second}");
    let spills = [
        spill(&first, "req-1", "e-1", json!("hello, é \"quoted\"\n")),
        spill(
            &first,
            "req-2",
            "e-2",
            json!({"level": "INFO", "message": "m"}),
        ),
        // Over one line's worth: cut into parts.
        spill(&first, "req-3", "e-3", json!("x".repeat(40_000))),
        // A line that names its stream by ARN.
        spill(&second_arn, "init-env", "e-4", json!("from init")),
    ];
    let mut lines = vec!["START RequestId: req-1 Version: $LATEST".to_owned()];
    for (n, spilled) in spills.iter().enumerate() {
        let id = format!("e-{}", n + 1);
        lines.extend(spill::lines(
            &spilled.stream,
            &spilled.key,
            &id,
            spilled.payload.as_bytes(),
        ));
        lines.push(format!("END RequestId: req-{n}"));
    }
    assert!(lines.len() > spills.len() * 2 + 2, "one event is cut");
    let log_group = format!("/aws/lambda/{function}");
    put_log_lines(&log_group, &lines).await;

    // No stack, no --stream: each event goes where its line says.
    let recover = |extra: &[&str]| recover_args(&world, &function, extra);
    let dry = deployer(&recover(&["--dry-run"]), &world.env()).await;
    assert_eq!(dry.code, Some(0), "{dry}");
    let report = dry.json();
    assert_eq!(report["found"], 4, "{dry}");
    assert_eq!(report["sent"], 0, "{dry}");
    assert_eq!(report["log_group"], log_group.as_str());
    // Only the spilled lines come back from the service, not the START and END lines.
    let spilled_lines = lines.len() - 1 - spills.len();
    assert_eq!(report["lines"], spilled_lines, "{dry}");
    assert!(records(&first).await.is_empty(), "a dry run sends nothing");

    let run = deployer(&recover(&[]), &world.env()).await;
    assert_eq!(run.code, Some(0), "{run}");
    let report = run.json();
    assert_eq!(
        (report["found"].as_u64(), report["sent"].as_u64()),
        (Some(4), Some(4)),
        "{run}"
    );
    assert_eq!(report["streams"][first.as_str()]["sent"], 3, "{run}");
    assert_eq!(report["streams"][second_arn.as_str()]["sent"], 1, "{run}");
    assert_eq!(report["skipped"]["incomplete"], 0, "{run}");

    let expected = |stream: &str| -> BTreeSet<(String, String)> {
        spills
            .iter()
            .filter(|spilled| spilled.stream.ends_with(stream))
            .map(|spilled| (spilled.key.clone(), spilled.payload.clone()))
            .collect()
    };
    assert_eq!(records(&first).await, expected(&first));
    assert_eq!(records(&second).await, expected(&second));

    // --stream sends everything to one stream, and the summary says so.
    let third = unique_name("recover-c");
    moto.create_stream(&third, 1).await;
    let mut args = recover(&["--stream", &third]);
    args.retain(|arg| arg != "--json");
    let run = deployer(&args, &world.env()).await;
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stdout.contains(&format!("{third}  4 found, 4 sent")),
        "{run}"
    );
    assert_eq!(records(&third).await.len(), 4);
}

#[tokio::test]
async fn a_missing_log_group_is_named() {
    let world = World::new("recover-missing");
    let log_group = format!("/aws/lambda/{}", unique_name("nothing"));
    let args: Vec<String> = [
        "--stack-name",
        &world.stack,
        "recover",
        "--log-group",
        &log_group,
    ]
    .map(str::to_owned)
    .to_vec();
    let run = deployer(&args, &world.env()).await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains(&format!("log group `{log_group}` does not exist")),
        "{run}"
    );
}
