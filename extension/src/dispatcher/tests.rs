#![allow(clippy::unwrap_used)]
use super::*;
use crate::config::FunctionIdentity;
use crate::kinesis::PutError;
use crate::record::{Encoder, Invocations};
use crate::spill::Spiller;
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Mutex;
use telemetry_kinesis_contract::Spill;
use telemetry_kinesis_contract::stream::StreamTarget;

/// What the stand-in sink does with one call.
#[derive(Clone, Copy)]
enum Answer {
    AcceptAll,
    FailEvery(usize),
    /// 30% of the entries fail, spread over calls as on a hot shard.
    FailThirtyPercent,
    Error,
    Stall,
    /// Accept everything, answering after this delay.
    Slow(Duration),
}

struct ScriptedSink {
    stream: StreamTarget,
    answers: Mutex<VecDeque<Answer>>,
    standing: Mutex<Option<Answer>>,
    calls: Mutex<Vec<usize>>,
    accepted: Mutex<Vec<Vec<u8>>>,
    entries_seen: Mutex<u64>,
}

impl Default for ScriptedSink {
    fn default() -> Self {
        Self {
            stream: StreamTarget::Name("s".into()),
            answers: Mutex::default(),
            standing: Mutex::default(),
            calls: Mutex::default(),
            accepted: Mutex::default(),
            entries_seen: Mutex::default(),
        }
    }
}

/// The data of each record of a PutRecords body.
fn records_of(body: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine;
    let request: serde_json::Value = serde_json::from_slice(body).unwrap();
    request["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| {
            base64::engine::general_purpose::STANDARD
                .decode(record["Data"].as_str().unwrap())
                .unwrap()
        })
        .collect()
}

impl Sink for Arc<ScriptedSink> {
    fn stream(&self) -> &StreamTarget {
        &self.stream
    }

    async fn put_records(&self, body: Bytes, records: usize) -> Result<Vec<bool>, PutError> {
        let entries = records_of(&body);
        assert_eq!(entries.len(), records);
        self.calls.lock().unwrap().push(entries.len());
        let queued = self.answers.lock().unwrap().pop_front();
        let standing = *self.standing.lock().unwrap();
        let answer = queued.or(standing).unwrap_or(Answer::AcceptAll);
        let accepted: Vec<bool> = match answer {
            Answer::AcceptAll => vec![true; entries.len()],
            Answer::FailEvery(period) => (0..entries.len())
                .map(|index| index % period != 0)
                .collect(),
            Answer::FailThirtyPercent => {
                let mut seen = self.entries_seen.lock().unwrap();
                let start = *seen;
                *seen += entries.len() as u64;
                (start..*seen)
                    .map(|index| (index * 37) % 100 >= 30)
                    .collect()
            }
            Answer::Error => return Err(PutError("503".into())),
            Answer::Stall => std::future::pending().await,
            Answer::Slow(delay) => {
                tokio::time::sleep(delay).await;
                vec![true; entries.len()]
            }
        };
        let mut kept = self.accepted.lock().unwrap();
        for (entry, ok) in entries.iter().zip(&accepted) {
            if *ok {
                kept.push(entry.clone());
            }
        }
        Ok(accepted)
    }
}

fn setup(
    answers: &[Answer],
    standing: Option<Answer>,
    events: usize,
) -> (Arc<ScriptedSink>, Arc<Ingest>, DispatcherHandle) {
    let sink = Arc::new(ScriptedSink::default());
    sink.answers.lock().unwrap().extend(answers.iter().copied());
    *sink.standing.lock().unwrap() = standing;
    let ingest = Arc::new(Ingest::new(
        8 << 20,
        Encoder::new(FunctionIdentity::default(), "t", Invocations::Sequential),
        Spiller::new(Spill::On, "s", Box::new(std::io::sink())),
    ));
    let batch: Vec<serde_json::Value> = (0..events)
        .map(|index| serde_json::json!({"time": "t", "type": "function", "record": format!("line {index}")}))
        .collect();
    ingest
        .accept_batch(serde_json::to_string(&batch).unwrap().as_bytes())
        .unwrap();
    let sink_for_task = Arc::clone(&sink);
    let (handle, _task) = spawn(
        std::future::ready(()),
        move || std::future::ready(Arc::clone(&sink_for_task)),
        Arc::clone(&ingest),
        Settings {
            format: RecordFormat::Json,
            max_call_bytes: MAX_BYTES_PER_CALL,
            linger: None,
        },
        CancellationToken::new(),
    );
    (sink, ingest, handle)
}

fn unique_ids(sink: &ScriptedSink) -> usize {
    let accepted = sink.accepted.lock().unwrap();
    let mut ids: Vec<String> = accepted
        .iter()
        .map(|data| serde_json::from_slice::<serde_json::Value>(data).unwrap()["id"].to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

#[tokio::test(start_paused = true)]
async fn retries_only_failed_entries_until_all_are_acknowledged() {
    let answers = [Answer::FailEvery(2), Answer::Error, Answer::FailEvery(3)];
    let (sink, ingest, handle) = setup(&answers, None, 700);
    let report = handle
        .flush(Instant::now() + Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(report.undelivered, 0);
    assert!(ingest.is_empty());
    // 500 first; then the 250 that failed, at the front, plus the 200 never sent.
    assert_eq!(sink.calls.lock().unwrap()[..3], [500, 450, 450]);
    assert_eq!(
        sink.accepted.lock().unwrap().len(),
        700,
        "nothing acknowledged is sent again"
    );
    assert_eq!(unique_ids(&sink), 700, "each event exactly once");
}

#[tokio::test(start_paused = true)]
async fn a_hot_shard_failing_every_call_still_drains_within_the_shutdown_budget() {
    let (sink, ingest, handle) = setup(&[], Some(Answer::FailThirtyPercent), 1150);
    let deadline = Instant::now() + Duration::from_millis(1750);
    handle.stop_by(deadline);
    let report = handle.finish(deadline).await.unwrap();
    assert_eq!(report.undelivered, 0, "{:?}", sink.calls.lock().unwrap());
    assert!(ingest.is_empty());
    assert_eq!(unique_ids(&sink), 1150);
    assert!(Instant::now() <= deadline);
}

#[tokio::test(start_paused = true)]
async fn near_the_deadline_waits_shrink_and_time_is_kept_to_spill() {
    // Errors for a while (the backoff grows), then Kinesis recovers.
    let (sink, ingest, handle) = setup(&[Answer::Error; 12], None, 300);
    let started = Instant::now();
    let deadline = started + Duration::from_millis(1750);
    handle.stop_by(deadline);
    let report = handle.finish(deadline).await.unwrap();
    assert_eq!(report.undelivered, 0, "{:?}", sink.calls.lock().unwrap());
    assert!(ingest.is_empty());
    // Never stalled: the whole outage was retried in short steps.
    assert!(started.elapsed() < Duration::from_millis(1750));

    let (_sink, ingest, handle) = setup(&[], Some(Answer::Stall), 300);
    let deadline = Instant::now() + Duration::from_millis(1750);
    handle.stop_by(deadline);
    let report = handle.finish(deadline).await.unwrap();
    assert_eq!(report.undelivered, 300);
    let left = deadline.saturating_duration_since(Instant::now());
    assert!(left >= SPILL_MARGIN, "{left:?} left to spill");
    assert_eq!(ingest.len(), 300);
}

#[tokio::test(start_paused = true)]
async fn a_slow_kinesis_gets_longer_attempts_instead_of_duplicates() {
    let (sink, ingest, handle) = setup(&[], Some(Answer::Slow(Duration::from_secs(4))), 1200);
    let report = handle
        .flush(Instant::now() + Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(report.undelivered, 0);
    assert!(ingest.is_empty());
    let calls = sink.calls.lock().unwrap().clone();
    // The first call is cut at 3 s and re-sent; after that every call completes.
    assert_eq!(calls, [500, 500, 500, 200], "{calls:?}");
    assert_eq!(unique_ids(&sink), 1200);
}

#[tokio::test(start_paused = true)]
async fn in_the_background_too_a_slow_kinesis_gets_longer_attempts() {
    let (sink, ingest, handle) = setup(&[], Some(Answer::Slow(Duration::from_secs(4))), 1200);
    handle.set_background(true).await;
    let mut waited = Duration::ZERO;
    while !ingest.is_empty() && waited < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    assert!(ingest.is_empty());
    let calls = sink.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        [500, 500, 500, 200],
        "one call cut at 3 s, then none: {calls:?}"
    );
    assert_eq!(unique_ids(&sink), 1200);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_sink_cannot_hold_a_flush_past_its_deadline() {
    let (_sink, ingest, handle) = setup(&[Answer::Stall; 100], None, 10);
    let started = Instant::now();
    handle.stop_by(started + Duration::from_millis(1500));
    let report = handle
        .flush(started + Duration::from_millis(1500))
        .await
        .unwrap();
    assert!(started.elapsed() <= Duration::from_millis(1500));
    assert_eq!(report.undelivered, 10);
    assert_eq!(ingest.len(), 10);
}

#[tokio::test(start_paused = true)]
async fn stop_by_cuts_a_call_already_in_flight() {
    let (sink, _ingest, handle) = setup(&[Answer::Stall], None, 3);
    handle.set_background(true).await;
    // The background call is in flight and stalls; SHUTDOWN sets a near deadline.
    let mut waited = 0;
    while sink.calls.lock().unwrap().is_empty() && waited < 1000 {
        tokio::task::yield_now().await;
        waited += 1;
    }
    assert_eq!(sink.calls.lock().unwrap().len(), 1);
    let started = Instant::now();
    handle.stop_by(started + Duration::from_millis(300));
    let report = handle
        .flush(started + Duration::from_millis(300))
        .await
        .unwrap();
    assert!(started.elapsed() <= Duration::from_millis(300));
    assert_eq!(report.undelivered, 3);
}
