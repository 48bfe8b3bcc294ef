#![allow(clippy::unwrap_used)]
use super::*;
use crate::config::FunctionIdentity;
use crate::record::Invocations;
use crate::spill::CapturedOutput;
use std::sync::Arc;
use telemetry_kinesis_contract::Spill;

fn ingest(limit: usize, spill: Spill) -> (Ingest, CapturedOutput) {
    let out = CapturedOutput::default();
    let ingest = Ingest::new(
        limit,
        Encoder::new(FunctionIdentity::default(), "i", Invocations::Sequential),
        Spiller::new(spill, "s", Box::new(out.clone())),
    );
    (ingest, out)
}

fn batch(count: usize, size: usize) -> Vec<u8> {
    let events: Vec<serde_json::Value> = (0..count)
        .map(|index| serde_json::json!({"time": "t", "type": "function", "record": format!("{index:0size$}")}))
        .collect();
    serde_json::to_vec(&events).unwrap()
}

#[tokio::test(start_paused = true)]
async fn batches_fill_the_buffer_and_signal_runtime_done() {
    let (ingest, _) = ingest(1 << 20, Spill::On);
    let body = br#"[{"time":"t","type":"platform.start","record":{"requestId":"r1"}},
        {"time":"t","type":"function","record":"x"}, 7,
        {"time":"t","type":"platform.runtimeDone","record":{"requestId":"r1","status":"success"}}]"#;
    let outcome = ingest.accept_batch(body).unwrap();
    assert_eq!(
        outcome,
        BatchOutcome {
            accepted: 3,
            invalid: 1
        }
    );
    assert_eq!(ingest.len(), 3);
    let deadline = Instant::now() + Duration::from_secs(1);
    assert!(ingest.wait_runtime_done("r1", deadline).await);
    assert!(!ingest.wait_runtime_done("r2", deadline).await);
    assert!(ingest.accept_batch(b"{oops").is_err());
    assert_eq!(ingest.drops().malformed_batches, 1);
    assert_eq!(ingest.drops().invalid_events, 1);
}

#[tokio::test(start_paused = true)]
async fn past_the_budget_the_oldest_events_are_spilled_not_lost() {
    let (ingest, out) = ingest(200_000, Spill::On);
    for _ in 0..10 {
        ingest.accept_batch(&batch(100, 200)).unwrap();
    }
    assert!(ingest.bytes() <= 200_000);
    let drops = ingest.drops();
    assert_eq!(drops.buffer_full, 0);
    assert_eq!(drops.spilled as usize + ingest.len(), 1000);
    let spilled_lines = out.text().lines().count();
    assert_eq!(spilled_lines as u64, drops.spilled);
    // A body's reservation makes room by spilling more.
    let before = ingest.len();
    let reservation = ingest.reserve(100_000, Duration::ZERO).await.unwrap();
    assert!(ingest.bytes() + 100_000 <= 200_000);
    assert!(ingest.len() < before);
    drop(reservation);
}

#[tokio::test(start_paused = true)]
async fn without_spilling_evicted_events_are_counted_dropped() {
    let (ingest, out) = ingest(100_000, Spill::Off);
    ingest.accept_batch(&batch(1000, 100)).unwrap();
    let drops = ingest.drops();
    assert_eq!(drops.spilled, 0);
    assert_eq!(drops.buffer_full as usize + ingest.len(), 1000);
    assert!(out.0.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn bodies_wait_for_each_other_and_are_refused_after_the_wait() {
    let (ingest, _) = ingest(1000, Spill::On);
    let ingest = Arc::new(ingest);
    // Alone, a body larger than the budget is still read.
    let first = ingest.reserve(5000, Duration::ZERO).await.unwrap();
    assert!(ingest.reserve(10, Duration::from_secs(1)).await.is_none());
    let waiting = {
        let ingest = Arc::clone(&ingest);
        tokio::spawn(async move {
            ingest
                .reserve(500, Duration::from_secs(5))
                .await
                .map(|reservation| reservation.bytes)
        })
    };
    tokio::task::yield_now().await;
    drop(first);
    assert_eq!(waiting.await.unwrap(), Some(500));
}

#[tokio::test(start_paused = true)]
async fn the_extensions_own_spill_lines_are_not_taken_back_in() {
    let (ingest, _) = ingest(1 << 20, Spill::On);
    let line =
        telemetry_kinesis_contract::spill::lines("s", "k", "i-1", br#"{"id":"i-1"}"#).remove(0);
    let body = serde_json::to_vec(&serde_json::json!([
        {"time": "t", "type": "extension", "record": line},
        {"time": "t", "type": "extension", "record": "an ordinary line"},
    ]))
    .unwrap();
    let outcome = ingest.accept_batch(&body).unwrap();
    assert_eq!(outcome.accepted, 1);
    assert_eq!(ingest.len(), 1);
}
