//! A fault-injecting Kinesis stand-in for tests and benchmarks, for the faults no real
//! server produces on demand: an HTTP/1 server on 127.0.0.1 that speaks the Kinesis JSON 1.1
//! protocol for `PutRecords` only (`X-Amz-Target: Kinesis_20131202.PutRecords`, base64
//! `Data`), records every record it accepts, and can be told to misbehave: partial
//! failures, HTTP errors, stalls, slow answers, refused connections, and connection set-up
//! or per-call latency. Otherwise it answers at once.
//!
//! It runs on its own thread and runtime, so it works from any test, async or not, and
//! lives until dropped.
//!
//! ```no_run
//! use test_support::fake_kinesis::{Behaviour, FakeKinesis};
//! let kinesis = FakeKinesis::start();
//! kinesis.set_behaviour(Behaviour::Status(503));
//! // ... run the code under test with `kinesis.env()` ...
//! kinesis.set_behaviour(Behaviour::Healthy);
//! ```

mod behaviour;
mod counting;
mod put_records;
mod server;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

pub use behaviour::{Behaviour, EntryError};

/// The `X-Amz-Target` of PutRecords.
pub const PUT_RECORDS_TARGET: &str = "Kinesis_20131202.PutRecords";

/// A record the stand-in accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedRecord {
    /// `StreamName` (or `StreamARN`) of the call.
    pub stream: String,
    /// Partition key.
    pub partition_key: String,
    /// Decoded data.
    pub data: Vec<u8>,
}

/// Everything counted, from one source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// PutRecords calls received (whatever the answer; refused connections excluded).
    pub calls: u64,
    /// Entries of valid calls that reached a verdict (accepted or failed).
    pub entries_seen: u64,
    /// Entries answered with a per-entry error.
    pub entries_failed: u64,
    /// Entries accepted (stored), taken ones included.
    pub entries_accepted: u64,
    /// User records in the accepted entries: those of a KPL aggregate counted one by one
    /// (by its protobuf headers, MD5 unchecked), any other entry as one.
    pub user_records_accepted: u64,
    /// Data and partition key bytes of the accepted entries.
    pub bytes_accepted: u64,
    /// PUT payload units of the accepted entries (25 KiB each, rounded up per entry).
    pub payload_units_accepted: u64,
}

/// Latencies added to every connection and call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    /// Before a new connection's first request is read (TCP and TLS set-up on AWS).
    pub connect: Duration,
    /// Before every answer.
    pub call: Duration,
}

struct State {
    behaviour: watch::Sender<Behaviour>,
    queued: Mutex<std::collections::VecDeque<Behaviour>>,
    records: Mutex<Vec<AcceptedRecord>>,
    counters: watch::Sender<Counters>,
    latency: Latency,
    /// Keep the accepted records, or only count them.
    keep_records: bool,
    shutdown: watch::Sender<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running stand-in; stops when dropped.
pub struct FakeKinesis {
    address: SocketAddr,
    state: Arc<State>,
    runtime: tokio::runtime::Handle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeKinesis {
    /// Starts a healthy stand-in on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound or no thread started.
    pub fn start() -> Self {
        Self::start_with(Latency::default())
    }

    /// Starts a healthy stand-in that adds `latency`.
    ///
    /// # Panics
    /// When no port can be bound or no thread started.
    pub fn start_with(latency: Latency) -> Self {
        Self::start_keeping(latency, true)
    }

    /// Starts a healthy stand-in that validates and counts what it accepts (see
    /// [`Counters`]) but keeps no record and decodes no data: [`Self::records`] stays
    /// empty. For throughput benchmarks, where the stand-in must cost little.
    ///
    /// # Panics
    /// When no port can be bound or no thread started.
    pub fn start_counting() -> Self {
        Self::start_keeping(Latency::default(), false)
    }

    fn start_keeping(latency: Latency, keep_records: bool) -> Self {
        let state = Arc::new(State {
            behaviour: watch::Sender::new(Behaviour::Healthy),
            queued: Mutex::new(std::collections::VecDeque::new()),
            records: Mutex::new(Vec::new()),
            counters: watch::Sender::new(Counters::default()),
            latency,
            keep_records,
            shutdown: watch::Sender::new(false),
        });
        let (address, runtime, thread) = server::spawn(Arc::clone(&state));
        Self {
            address,
            state,
            runtime,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Environment for a child process that reaches Kinesis through the standard
    /// variables: `AWS_ENDPOINT_URL_KINESIS`, dummy credentials, region.
    pub fn env(&self) -> Vec<(String, String)> {
        let endpoint = self.endpoint();
        [
            ("AWS_ENDPOINT_URL_KINESIS", endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
    }

    /// Sets how calls are answered from now on (after any queued ones).
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.state.behaviour.send_replace(behaviour);
    }

    /// Changes the behaviour at each offset from now (a fault window such as HTTP 500
    /// from 0.5 s to 3 s), on the stand-in's own clock.
    pub fn schedule(&self, steps: impl IntoIterator<Item = (Duration, Behaviour)>) {
        let start = tokio::time::Instant::now();
        let steps: Vec<(Duration, Behaviour)> = steps.into_iter().collect();
        let state = Arc::clone(&self.state);
        self.runtime.spawn(async move {
            for (offset, behaviour) in steps {
                tokio::time::sleep_until(start + offset).await;
                state.behaviour.send_replace(behaviour);
            }
        });
    }

    /// Answers the next calls with `behaviours`, one each, before the standing behaviour.
    /// [`Behaviour::Refuse`] is not a per-call behaviour and is treated as HTTP 503.
    pub fn queue(&self, behaviours: impl IntoIterator<Item = Behaviour>) {
        lock(&self.state.queued).extend(behaviours);
    }

    /// Every record accepted so far (and not taken), in order.
    pub fn records(&self) -> Vec<AcceptedRecord> {
        lock(&self.state.records).clone()
    }

    /// Removes and returns the records held: long benchmark runs drain them so memory
    /// stays flat. Counts include taken records.
    pub fn take_records(&self) -> Vec<AcceptedRecord> {
        std::mem::take(&mut *lock(&self.state.records))
    }

    /// Everything counted so far.
    pub fn counters(&self) -> Counters {
        *self.state.counters.borrow()
    }

    /// Records accepted so far, taken ones included.
    pub fn accepted(&self) -> u64 {
        self.counters().entries_accepted
    }

    /// PutRecords calls received (whatever the answer; refused connections excluded).
    pub fn calls(&self) -> u64 {
        self.counters().calls
    }

    /// Entries that were answered with a per-entry error.
    pub fn failed_entries(&self) -> u64 {
        self.counters().entries_failed
    }

    /// Waits until the counters satisfy `condition`; returns whether they did within
    /// `timeout`.
    pub async fn wait_for(&self, condition: impl Fn(&Counters) -> bool, timeout: Duration) -> bool {
        let mut receiver = self.state.counters.subscribe();
        tokio::time::timeout(timeout, receiver.wait_for(|counters| condition(counters)))
            .await
            .is_ok_and(|result| result.is_ok())
    }

    /// Waits until at least `count` records were accepted (taken ones included).
    pub async fn wait_for_records(&self, count: usize, timeout: Duration) -> bool {
        let count = count as u64;
        self.wait_for(|counters| counters.entries_accepted >= count, timeout)
            .await
    }

    /// Waits until at least `count` PutRecords calls arrived.
    pub async fn wait_for_calls(&self, count: u64, timeout: Duration) -> bool {
        self.wait_for(|counters| counters.calls >= count, timeout)
            .await
    }
}

impl Drop for FakeKinesis {
    fn drop(&mut self) {
        self.state.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
