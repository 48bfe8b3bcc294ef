//! Putting records with PutRecords, retrying the entries Kinesis refuses (throttling,
//! internal failures) with backoff. The call itself is behind [`PutRecords`], so the retry
//! logic is tested without a network and under paused time.

use std::time::Duration;

use super::batch::Record;
use crate::aws::CallFailure;

/// One PutRecords call to one stream.
pub trait PutRecords {
    /// Puts `records`; answers each entry's error code (`None`: stored), in order.
    fn put(
        &self,
        records: &[Record],
    ) -> impl Future<Output = Result<Vec<Option<String>>, CallFailure>> + Send;
}

/// How refused entries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Calls per entry, the first included.
    pub attempts: u32,
    /// The wait before the first retry; it doubles after each.
    pub first_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 8,
            first_wait: Duration::from_millis(100),
            max_wait: Duration::from_secs(5),
        }
    }
}

/// How the sending went.
#[derive(Debug, Default)]
pub struct Sent {
    /// Records stored.
    pub sent: usize,
    /// Records still refused after every attempt, or not sent because a call failed.
    pub failed: usize,
    /// The last error code of a refused entry.
    pub refused: Option<String>,
    /// The call that failed as a whole; sending stopped there.
    pub stopped: Option<CallFailure>,
}

/// Puts each call's records in turn, retrying refused entries.
pub async fn send_all<S: PutRecords>(sink: &S, calls: Vec<Vec<Record>>, retry: Retry) -> Sent {
    let mut outcome = Sent::default();
    let mut calls = calls.into_iter();
    while let Some(call) = calls.next() {
        if let Err(failure) = send_call(sink, call, retry, &mut outcome).await {
            outcome.failed += calls.map(|call| call.len()).sum::<usize>();
            outcome.stopped = Some(failure);
            break;
        }
    }
    outcome
}

async fn send_call<S: PutRecords>(
    sink: &S,
    mut pending: Vec<Record>,
    retry: Retry,
    outcome: &mut Sent,
) -> Result<(), CallFailure> {
    let mut wait = retry.first_wait;
    for attempt in 1..=retry.attempts {
        let answers = match sink.put(&pending).await {
            Ok(answers) => answers,
            Err(failure) => {
                outcome.failed += pending.len();
                return Err(failure);
            }
        };
        let mut refused = Vec::new();
        for (record, answer) in pending.into_iter().zip(
            answers
                .into_iter()
                .chain(std::iter::repeat(Some("NoAnswer".to_owned()))),
        ) {
            match answer {
                None => outcome.sent += 1,
                Some(code) => {
                    outcome.refused = Some(code);
                    refused.push(record);
                }
            }
        }
        if refused.is_empty() {
            return Ok(());
        }
        pending = refused;
        if attempt < retry.attempts {
            tracing::debug!(refused = pending.len(), ?wait, "retrying refused records");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(retry.max_wait);
        }
    }
    outcome.failed += pending.len();
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::aws::Cause;

    /// Refuses each record the first `refusals` times it is put; fails the call whose
    /// number is `fail_call`.
    struct Fake {
        refusals: usize,
        fail_call: Option<usize>,
        seen: Mutex<Vec<Vec<String>>>,
    }

    impl Fake {
        fn new(refusals: usize, fail_call: Option<usize>) -> Self {
            Self {
                refusals,
                fail_call,
                seen: Mutex::new(Vec::new()),
            }
        }
    }

    impl PutRecords for Fake {
        async fn put(&self, records: &[Record]) -> Result<Vec<Option<String>>, CallFailure> {
            let mut seen = self.seen.lock().unwrap();
            seen.push(records.iter().map(|r| r.partition_key.clone()).collect());
            if self.fail_call == Some(seen.len()) {
                return Err(CallFailure {
                    service: "Kinesis",
                    operation: "PutRecords",
                    cause: Cause::Other("boom".to_owned()),
                });
            }
            let calls_with = |key: &str| {
                seen.iter()
                    .filter(|call| call.iter().any(|k| k == key))
                    .count()
            };
            Ok(records
                .iter()
                .map(|record| {
                    (calls_with(&record.partition_key) <= self.refusals)
                        .then(|| "ProvisionedThroughputExceededException".to_owned())
                })
                .collect())
        }
    }

    fn records(keys: &[&str]) -> Vec<Record> {
        keys.iter()
            .map(|key| Record {
                partition_key: (*key).to_owned(),
                data: b"{}".to_vec(),
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn refused_entries_alone_are_retried_with_growing_waits() {
        let fake = Fake::new(2, None);
        let started = tokio::time::Instant::now();
        let outcome = send_all(&fake, vec![records(&["a", "b"])], Retry::default()).await;
        assert_eq!((outcome.sent, outcome.failed), (2, 0));
        // 100 ms, then 200 ms.
        assert_eq!(started.elapsed(), Duration::from_millis(300));
        assert_eq!(fake.seen.lock().unwrap().len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn entries_refused_every_time_count_as_failed() {
        let fake = Fake::new(100, None);
        let retry = Retry {
            attempts: 3,
            ..Retry::default()
        };
        let outcome = send_all(&fake, vec![records(&["a"]), records(&["b", "c"])], retry).await;
        assert_eq!((outcome.sent, outcome.failed), (0, 3));
        assert_eq!(
            outcome.refused.as_deref(),
            Some("ProvisionedThroughputExceededException")
        );
        assert_eq!(fake.seen.lock().unwrap().len(), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_call_stops_and_counts_what_was_not_sent() {
        let fake = Fake::new(0, Some(2));
        let calls = vec![records(&["a"]), records(&["b", "c"]), records(&["d"])];
        let outcome = send_all(&fake, calls, Retry::default()).await;
        assert_eq!((outcome.sent, outcome.failed), (1, 3));
        assert!(outcome.stopped.is_some());
    }
}
