//! `deployer logs --follow` against moto: records written after it started, through a
//! shard split.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use test_support::{moto, unique_name};

use crate::logs_support::{
    Follower, Written, invocation, parsed, put_json, put_kpl, split_first_shard,
};

const TIMEOUT: Duration = Duration::from_secs(30);

fn ids(lines: &[String]) -> Vec<String> {
    parsed(lines)
        .iter()
        .map(|value| value["id"].as_str().unwrap().to_owned())
        .collect()
}

fn all_seen(lines: &[String], expected: &[Written]) -> bool {
    let seen: BTreeSet<String> = ids(lines).into_iter().collect();
    expected.iter().all(|event| seen.contains(&event.id()))
}

#[tokio::test]
async fn follow_sees_new_records_through_a_split() {
    let moto = moto();
    let stream = unique_name("logs-follow");
    moto.create_stream(&stream, 1).await;
    let kinesis = moto.kinesis().await;
    let mut follower = Follower::start(&stream, &["--json"]);
    let mut printed = Vec::new();

    let mut before = Vec::new();
    for n in 0..4 {
        before.extend(invocation(&format!("a{n}"), "sample", &format!("req-{n}")));
    }
    put_json(&kinesis, &stream, &before).await;
    follower.read_until(&mut printed, TIMEOUT, |lines| all_seen(lines, &before));
    assert_eq!(
        ids(&printed),
        before.iter().map(Written::id).collect::<Vec<_>>()
    );

    split_first_shard(&kinesis, &stream).await;
    let mut after = Vec::new();
    for n in 0..4 {
        let events = invocation(&format!("b{n}"), "sample", &format!("req-{n}"));
        put_kpl(&kinesis, &stream, &events, 3).await;
        after.extend(events);
    }
    follower.read_until(&mut printed, TIMEOUT, |lines| all_seen(lines, &after));

    // Per request id (one shard at a time), everything in written order. moto moves a
    // split parent's records into the children (real Kinesis keeps them in the closed
    // parent), so the earlier events may be printed a second time: compare first sightings.
    let written: Vec<&Written> = before.iter().chain(&after).collect();
    let key_of: BTreeMap<String, String> = written
        .iter()
        .map(|event| (event.id(), event.partition_key.clone()))
        .collect();
    let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for event in &written {
        expected
            .entry(event.partition_key.clone())
            .or_default()
            .push(event.id());
    }
    let mut first_seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for id in ids(&printed) {
        if seen.insert(id.clone()) {
            first_seen.entry(key_of[&id].clone()).or_default().push(id);
        }
    }
    assert_eq!(first_seen, expected);
    // The new events are printed exactly once.
    for event in &after {
        assert_eq!(
            ids(&printed).iter().filter(|id| **id == event.id()).count(),
            1
        );
    }
}
