//! `deployer status`: per function instrumented by the stack (or per function selected), the
//! layer version it has against the stack's current one, and when its last event reached
//! the stream.

use std::collections::BTreeMap;
use std::time::Duration;

use telemetry_kinesis_contract::stream::StreamTarget;
use time::OffsetDateTime;

use crate::aws::Connection;
use crate::instrument::arn::LayerVersionArn;
use crate::instrument::parallel::{DEFAULT_CONCURRENCY, in_parallel};
use crate::instrument::progress::Progress;
use crate::instrument::record::Record;
use crate::instrument::status::{StatusReport, note_event, row};
use crate::instrument::target;
use crate::instrument::{Lambda, Patience, SelectionArgs};
use crate::interrupt::{Interrupted, interruptible};
use crate::logs::reader::{self, Item, ReadOptions};
use crate::logs::{Since, StartPosition};
use crate::output::timestamp;
use crate::{GlobalArgs, output, stack};

/// How far back the stream is read for last events by default.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(60 * 60);

/// Arguments of `deployer status`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StatusArgs {
    /// The current layer version [default: the stack's LayerVersionArn output]
    #[arg(long, value_name = "ARN")]
    pub layer_arn: Option<LayerVersionArn>,
    /// Stream to read the last events from, by name or ARN [default: the stack's StreamName
    /// output]
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<StreamTarget>,
    /// Look for events since this long ago (90s, 10m, 1h30m, 2d) or this RFC 3339 time
    /// [default: 1h]
    #[arg(long, value_name = "WHEN")]
    pub since: Option<Since>,
    /// Print the result as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
    /// Which functions [default: every function the stack instrumented]
    #[command(
        flatten,
        next_help_heading = "Functions [default: every function the stack instrumented]"
    )]
    pub selection: SelectionArgs,
}

/// The latest event time per function name on `stream` since `start`.
async fn last_events(
    connection: &Connection,
    stream: &StreamTarget,
    start: OffsetDateTime,
) -> Result<BTreeMap<String, OffsetDateTime>, String> {
    let (mut items, reading) = reader::spawn(
        connection.kinesis(stream.region()),
        ReadOptions {
            stream: stream.clone(),
            start: StartPosition::AtTimestamp(start),
            follow: false,
        },
    );
    let mut last = BTreeMap::new();
    while let Some(item) = items.recv().await {
        if let Item::Event(event) = item
            && let Some(function) = &event.payload.function_name
            && let Some(time) = event.event_time().or(event.arrival)
        {
            note_event(&mut last, function, time);
        }
    }
    match reading.await {
        Ok(Ok(())) => Ok(last),
        Ok(Err(error)) => Err(error.to_string()),
        Err(error) => Err(error.to_string()),
    }
}

/// Runs `deployer status`.
pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> miette::Result<()> {
    let start = args
        .since
        .unwrap_or(Since::Ago(DEFAULT_SINCE))
        .time(OffsetDateTime::now_utc());
    let connection = crate::aws::connect(&global.aws).await?;
    args.selection.check(connection.region())?;
    let stack_name = global.stack_name.as_str();
    let lambda = Lambda::new(connection.lambda_configuration(), Patience::default());
    let work = async {
        let cloudformation = connection.cloudformation();
        let (layer, _) =
            target::layer(&cloudformation, stack_name, args.layer_arn.as_ref()).await?;
        let stream = stack::stream(&cloudformation, stack_name, args.stream.as_ref()).await?;
        let functions = args.selection.resolve(&lambda, DEFAULT_CONCURRENCY).await?;
        let mut progress = Progress::stderr("reading functions", functions.len());
        let read = in_parallel(
            functions,
            DEFAULT_CONCURRENCY,
            |function| {
                let lambda = lambda.clone();
                async move { lambda.function(&function).await }
            },
            |_| None,
            &mut progress,
        )
        .await;
        let mut states = Vec::new();
        for state in read {
            let state = state?;
            let ours = Record::from_tags(&state.tags)
                .ok()
                .flatten()
                .is_some_and(|record| record.stack == stack_name);
            // Without a selection, only the functions this stack instrumented.
            if ours || !args.selection.is_empty() {
                states.push(state);
            }
        }
        let (last, stream_error) = match last_events(&connection, &stream, start).await {
            Ok(last) => (last, None),
            Err(error) => (BTreeMap::new(), Some(error)),
        };
        Ok::<_, miette::Report>(StatusReport {
            stack_name: stack_name.to_owned(),
            layer_arn: layer.arn(),
            stream: stream.as_str().to_owned(),
            since: timestamp(start),
            stream_error,
            functions: states
                .iter()
                .map(|state| row(state, stack_name, &layer, &last))
                .collect(),
        })
    };
    let report = interruptible(work, || Interrupted::new("stopped reading the status")).await?;
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&report)
            .map_err(|error| miette::miette!("cannot write the report as JSON: {error}"))?;
        json.push('\n');
        json
    } else {
        report.to_string()
    };
    output::print_stdout(&text)
}
