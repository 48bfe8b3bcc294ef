//! `deployer logs`: reads the telemetry stream and prints one line per event (or the
//! stored JSON with `--json`), then a summary on stderr.

use std::io::{self, Write};
use std::num::NonZeroUsize;

use miette::miette;
use telemetry_kinesis_contract::names::EVENT_TYPES;
use telemetry_kinesis_contract::stream::StreamTarget;
use time::OffsetDateTime;

use crate::GlobalArgs;
use crate::interrupt::{Interrupted, interruptible};
use crate::logs::filter::{TextFilter, impossible_types};
use crate::logs::reader::{self, Item, ReadOptions};
use crate::logs::render::render_line;
use crate::logs::since::{Since, start_position};
use crate::logs::{Filter, ReadError, Summary, read_error_report};
use crate::stack;

/// Arguments of `deployer logs`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogsArgs {
    /// Stream to read, by name or ARN [default: the stack's StreamName output]
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<StreamTarget>,
    /// Start this long ago (90s, 10m, 1h30m) or at this RFC 3339 time [default: 5m]
    #[arg(long, value_name = "WHEN", conflicts_with = "from_start")]
    pub since: Option<Since>,
    /// Start at the oldest record the stream holds
    #[arg(long)]
    pub from_start: bool,
    /// Keep reading new records until interrupted
    #[arg(long, short)]
    pub follow: bool,
    /// Only events whose type starts with TYPE (repeatable): platform, platform.report,
    /// function, extension
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
    /// Only this function's events
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
    /// Only this invocation's events
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
    /// Only events whose record contains TEXT, or matches /REGEX/ (a log line's text; other
    /// records' JSON)
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<TextFilter>,
    /// Stop after N events
    #[arg(long, value_name = "N")]
    pub limit: Option<NonZeroUsize>,
    /// Print each event exactly as stored, one JSON object per line
    #[arg(long)]
    pub json: bool,
}

impl LogsArgs {
    /// The event filter these arguments describe.
    pub fn filter(&self) -> Filter {
        Filter {
            types: self.types.clone(),
            function: self.function.clone(),
            request_id: self.request_id.clone(),
            text: self.filter.clone(),
        }
    }
}

/// Runs `deployer logs`.
pub async fn run(global: &GlobalArgs, args: &LogsArgs) -> miette::Result<()> {
    let start = start_position(args.since, args.from_start, OffsetDateTime::now_utc());
    for kind in impossible_types(&args.types) {
        tracing::warn!(
            "--type {kind}: no event type starts with it, so it selects nothing; the types are {}",
            EVENT_TYPES.join(", ")
        );
    }
    let connection = crate::aws::connect(&global.aws).await?;
    let cloudformation = connection.cloudformation();
    let lookup = stack::stream(&cloudformation, &global.stack_name, args.stream.as_ref());
    let stream = interruptible(async { Ok(lookup.await?) }, || {
        Interrupted::new("stopped before reading the stream")
    })
    .await?;
    let colour = !args.json && global.colour().stdout();
    let (mut items, reading) = reader::spawn(
        connection.kinesis(stream.region()),
        ReadOptions {
            stream: stream.clone(),
            start,
            follow: args.follow,
        },
    );

    let filter = args.filter();
    let mut summary = Summary::default();
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    let mut interrupted = false;
    let ctrl_c = crate::interrupt::interrupted();
    tokio::pin!(ctrl_c);
    loop {
        let item = tokio::select! {
            item = items.recv() => item,
            () = &mut ctrl_c => { interrupted = true; None }
        };
        let Some(item) = item else { break };
        let event = match item {
            Item::Event(event) => event,
            Item::Undecodable(undecodable) => {
                summary.record_undecodable();
                tracing::warn!("skipped a record that does not decode: {undecodable}");
                continue;
            }
        };
        if !filter.matches(&event) {
            continue;
        }
        summary.record(&event);
        let line = if args.json {
            event.data.clone()
        } else {
            render_line(&event.payload, colour)
        };
        let mut written = writeln!(stdout, "{line}");
        // Flush whenever the reader has nothing more queued, so --follow shows events
        // as they arrive.
        if items.is_empty() {
            written = written.and_then(|()| stdout.flush());
        }
        match written {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => break,
            Err(error) => return Err(miette!("cannot write to standard output: {error}")),
            Ok(()) => {}
        }
        if args
            .limit
            .is_some_and(|limit| summary.events >= limit.get())
        {
            break;
        }
    }
    let _ = stdout.flush();
    drop(stdout);
    // Stops the shard readers if the loop ended first (limit, closed pipe, Ctrl-C); after
    // Ctrl-C, also a call still waiting for an answer.
    drop(items);
    if interrupted {
        reading.abort();
    }
    let result = reading
        .await
        .map_err(|error| ReadError::Task(error.to_string()));
    let result = result.and_then(|result| result);
    // A read that failed before anything arrived has nothing to sum up.
    if result.is_ok() || interrupted || summary.events > 0 || summary.undecodable > 0 {
        eprintln!("{summary}");
    }
    match result {
        _ if interrupted => Err(Interrupted::new(format!("stopped reading {stream}")).into()),
        Ok(()) => Ok(()),
        Err(error) => Err(read_error_report(error, stream.as_str())),
    }
}
