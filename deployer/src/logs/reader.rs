//! Reads every shard of a stream in parallel, one task per shard, in the order
//! [`ShardPlan`] allows, and sends the decoded events down one channel: each shard's
//! events in sequence order, a parent's before its children's. Dropping the receiver
//! stops the read.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_kinesis::Client;
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_smithy_types::DateTime;
use telemetry_kinesis_contract::stream::StreamTarget;
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, sleep, sleep_until};

use super::cursor::{Cursor, IteratorStart};
use super::error::{ErrorKind, ReadError, kind_of};
use super::event::{KinesisRecord, StoredEvent, Undecodable, decode};
use super::shards::{ShardInfo, ShardPlan, ShardStart};
use super::since::StartPosition;
use crate::aws::{CallFailure, Cause, stream_parameters};

/// How often `--follow` lists the shards again, to see reshardings.
pub const RELIST_INTERVAL: Duration = Duration::from_secs(5);
/// Records per GetRecords call (the API's maximum).
const GET_RECORDS_LIMIT: i32 = 10_000;
/// Events in flight between the shard readers and the printer.
const CHANNEL_CAPACITY: usize = 1024;
/// Throttled GetShardIterator calls retried before giving up.
const ITERATOR_ATTEMPTS: u32 = 8;

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The stream (name or ARN).
    pub stream: StreamTarget,
    /// Where each shard's read starts.
    pub start: StartPosition,
    /// Keep polling for new records instead of stopping once caught up.
    pub follow: bool,
}

/// One thing read from the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An event.
    Event(Box<StoredEvent>),
    /// A record that did not decode (to report, then skip).
    Undecodable(Undecodable),
}

/// Starts reading: events arrive on the receiver, which closes when the read ends; the
/// handle then tells whether it ended well.
pub fn spawn(
    client: Client,
    options: ReadOptions,
) -> (mpsc::Receiver<Item>, JoinHandle<Result<(), ReadError>>) {
    let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
    let handle = tokio::spawn(coordinate(client, options, sender));
    (receiver, handle)
}

/// How one shard's read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShardEnd {
    /// Closed and read to its end: its children may start.
    Drained,
    /// Open, and nothing more to read now (without `--follow`).
    CaughtUp,
    /// The receiver went away.
    Stopped,
}

type ShardTasks = JoinSet<(String, Result<ShardEnd, ReadError>)>;

async fn coordinate(
    client: Client,
    options: ReadOptions,
    items: mpsc::Sender<Item>,
) -> Result<(), ReadError> {
    let stream = Arc::new(options.stream.clone());
    let mut plan = ShardPlan::new(options.start, list_shards(&client, &stream).await?);
    let (closed_sender, closed) = watch::channel(closed_set(&plan));
    let mut tasks = ShardTasks::new();
    let start = |plan: &mut ShardPlan, tasks: &mut ShardTasks| {
        for ShardStart { id, position } in plan.take_ready() {
            let reader = ShardReader {
                client: client.clone(),
                stream: Arc::clone(&stream),
                shard_id: id.clone(),
                follow: options.follow,
                closed: closed.clone(),
                items: items.clone(),
            };
            tasks.spawn(async move { (id, reader.run(position).await) });
        }
    };
    start(&mut plan, &mut tasks);
    let mut relist = tokio::time::interval_at(Instant::now() + RELIST_INTERVAL, RELIST_INTERVAL);
    relist.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if tasks.is_empty() && !options.follow {
            // One last listing catches a resharding that happened during the read.
            plan.update(list_shards(&client, &stream).await?);
            start(&mut plan, &mut tasks);
            if tasks.is_empty() {
                return Ok(());
            }
        }
        tokio::select! {
            () = items.closed() => return Ok(()),
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                let (shard_id, end) = joined.map_err(|error| ReadError::Task(error.to_string()))?;
                match end? {
                    ShardEnd::Stopped => return Ok(()),
                    ShardEnd::CaughtUp => plan.finish(&shard_id),
                    ShardEnd::Drained => {
                        plan.finish(&shard_id);
                        plan.update(list_shards(&client, &stream).await?);
                        closed_sender.send_replace(closed_set(&plan));
                    }
                }
                start(&mut plan, &mut tasks);
            }
            _ = relist.tick(), if options.follow => {
                plan.update(list_shards(&client, &stream).await?);
                closed_sender.send_replace(closed_set(&plan));
                start(&mut plan, &mut tasks);
            }
        }
    }
}

fn closed_set(plan: &ShardPlan) -> BTreeSet<String> {
    plan.closed_shards().into_iter().collect()
}

/// Every shard the stream lists (open, and closed within retention).
async fn list_shards(client: &Client, stream: &StreamTarget) -> Result<Vec<ShardInfo>, ReadError> {
    let mut shards = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        // With a token, the stream name must not be given again.
        let request = match &next_token {
            Some(token) => client.list_shards().next_token(token),
            None => {
                let (name, arn) = stream_parameters(stream);
                client
                    .list_shards()
                    .set_stream_name(name)
                    .set_stream_arn(arn)
            }
        };
        let output = request
            .send()
            .await
            .map_err(|error| ReadError::from_sdk("ListShards", stream.as_str(), &error))?;
        shards.extend(output.shards().iter().map(|shard| {
            ShardInfo {
                id: shard.shard_id().to_owned(),
                parents: [shard.parent_shard_id(), shard.adjacent_parent_shard_id()]
                    .into_iter()
                    .flatten()
                    .map(ToOwned::to_owned)
                    .collect(),
                closed: shard
                    .sequence_number_range()
                    .and_then(|range| range.ending_sequence_number())
                    .is_some(),
            }
        }));
        next_token = output.next_token().map(ToOwned::to_owned);
        if next_token.is_none() {
            return Ok(shards);
        }
    }
}

struct ShardReader {
    client: Client,
    stream: Arc<StreamTarget>,
    shard_id: String,
    follow: bool,
    /// The shards the latest listing says are closed.
    closed: watch::Receiver<BTreeSet<String>>,
    items: mpsc::Sender<Item>,
}

impl ShardReader {
    async fn run(self, position: StartPosition) -> Result<ShardEnd, ReadError> {
        let mut cursor = Cursor::new(position);
        let mut iterator = self.iterator(&cursor.resume()).await?;
        let mut next_call = Instant::now();
        loop {
            sleep_until(next_call).await;
            let called_at = OffsetDateTime::now_utc();
            let call_started = Instant::now();
            let result = self
                .client
                .get_records()
                .shard_iterator(&iterator)
                .limit(GET_RECORDS_LIMIT)
                .send()
                .await;
            let output = match result {
                Ok(output) => output,
                Err(error) => match kind_of(&error) {
                    ErrorKind::ExpiredIterator => {
                        tracing::debug!(shard = %self.shard_id, "iterator expired, resuming");
                        iterator = self.iterator(&cursor.resume()).await?;
                        next_call = Instant::now();
                        continue;
                    }
                    ErrorKind::Throttled => {
                        let wait = cursor.on_throttled();
                        tracing::debug!(shard = %self.shard_id, ?wait, "throttled");
                        next_call = Instant::now() + wait;
                        continue;
                    }
                    ErrorKind::Fatal => {
                        return Err(ReadError::from_sdk(
                            "GetRecords",
                            self.stream.as_str(),
                            &error,
                        ));
                    }
                },
            };
            let records = output.records();
            for record in records {
                let record = KinesisRecord {
                    shard_id: &self.shard_id,
                    sequence_number: record.sequence_number(),
                    partition_key: record.partition_key().unwrap_or_default(),
                    arrival: record.approximate_arrival_timestamp().and_then(to_time),
                    data: record.data().as_ref(),
                };
                for result in decode(record) {
                    let item = match result {
                        Ok(event) => Item::Event(Box::new(event)),
                        Err(undecodable) => Item::Undecodable(undecodable),
                    };
                    if self.items.send(item).await.is_err() {
                        return Ok(ShardEnd::Stopped);
                    }
                }
            }
            let caught_up = records.is_empty() && output.millis_behind_latest().unwrap_or(0) == 0;
            let wait = cursor.on_records(
                records.len(),
                records.last().map(|record| record.sequence_number()),
                caught_up,
                called_at,
            );
            match output.next_shard_iterator() {
                // A closed shard read to its end has no next iterator.
                None => return Ok(ShardEnd::Drained),
                Some(next) => iterator = next.to_owned(),
            }
            if caught_up {
                if self.closed.borrow().contains(&self.shard_id) {
                    return Ok(ShardEnd::Drained);
                }
                if !self.follow {
                    return Ok(ShardEnd::CaughtUp);
                }
            }
            next_call = call_started + wait;
        }
    }

    /// A new shard iterator at `start`, retrying throttled calls.
    async fn iterator(&self, start: &IteratorStart) -> Result<String, ReadError> {
        let mut cursor = Cursor::new(StartPosition::Latest);
        let mut attempt = 1;
        loop {
            let (name, arn) = stream_parameters(&self.stream);
            let request = self
                .client
                .get_shard_iterator()
                .set_stream_name(name)
                .set_stream_arn(arn)
                .shard_id(&self.shard_id);
            let request = match start {
                IteratorStart::Position(StartPosition::TrimHorizon) => {
                    request.shard_iterator_type(ShardIteratorType::TrimHorizon)
                }
                IteratorStart::Position(StartPosition::Latest) => {
                    request.shard_iterator_type(ShardIteratorType::Latest)
                }
                IteratorStart::Position(StartPosition::AtTimestamp(time)) => request
                    .shard_iterator_type(ShardIteratorType::AtTimestamp)
                    .timestamp(DateTime::from_secs_and_nanos(
                        time.unix_timestamp(),
                        time.nanosecond(),
                    )),
                IteratorStart::AfterSequence(sequence) => request
                    .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                    .starting_sequence_number(sequence),
            };
            match request.send().await {
                Ok(output) => {
                    return output
                        .shard_iterator()
                        .map(ToOwned::to_owned)
                        .ok_or_else(|| ReadError::Api {
                            stream: self.stream.to_string(),
                            failure: CallFailure {
                                service: "Kinesis",
                                operation: "GetShardIterator",
                                cause: Cause::Other(format!(
                                    "no iterator returned for {}",
                                    self.shard_id
                                )),
                            },
                        });
                }
                Err(error)
                    if kind_of(&error) == ErrorKind::Throttled && attempt < ITERATOR_ATTEMPTS =>
                {
                    attempt += 1;
                    sleep(cursor.on_throttled()).await;
                }
                Err(error) => {
                    return Err(ReadError::from_sdk(
                        "GetShardIterator",
                        self.stream.as_str(),
                        &error,
                    ));
                }
            }
        }
    }
}

fn to_time(time: &DateTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(time.as_nanos()).ok()
}
