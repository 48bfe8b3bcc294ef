//! `deployer logs`: reads the telemetry stream and prints one line per event (or the
//! stored JSON with `--json`), then a summary on stderr.

use std::io::{self, IsTerminal, Write};
use std::num::NonZeroUsize;

use aws_config::SdkConfig;
use miette::miette;
use time::OffsetDateTime;

use crate::GlobalArgs;
use crate::deploy::{Engine, PollSettings};
use crate::logs::reader::{self, Item, ReadOptions};
use crate::logs::render::render_line;
use crate::logs::since::start_position;
use crate::logs::{Filter, ReadError, Summary};
use crate::output::color_allowed;
use crate::stack::outputs;

/// Arguments of `deployer logs`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogsArgs {
    /// Stream to read [default: the stack's StreamName output]
    #[arg(long, value_name = "NAME")]
    pub stream: Option<String>,
    /// Start this long ago (90s, 10m, 1h30m) or at this RFC 3339 time [default: 5m]
    #[arg(long, value_name = "WHEN", conflicts_with = "from_start")]
    pub since: Option<String>,
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
        }
    }
}

/// Runs `deployer logs`.
pub async fn run(global: &GlobalArgs, args: &LogsArgs) -> miette::Result<()> {
    let start = start_position(
        args.since.as_deref(),
        args.from_start,
        OffsetDateTime::now_utc(),
    )
    .map_err(|error| miette!(help = "see `deployer logs --help`", "--since: {error}"))?;
    let config = crate::aws::sdk_config(&global.aws).await;
    let stream = match &args.stream {
        Some(stream) => stream.clone(),
        None => stack_output(&config, &global.stack_name, outputs::STREAM_NAME).await?,
    };
    let colour = !args.json
        && color_allowed(global.no_color, |name| std::env::var(name).ok())
        && io::stdout().is_terminal();
    let (mut items, reading) = reader::spawn(
        aws_sdk_kinesis::Client::new(&config),
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
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let item = tokio::select! {
            item = items.recv() => item,
            _ = &mut ctrl_c => { interrupted = true; None }
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
    // Stops the shard readers if the loop ended first (limit, closed pipe, Ctrl-C).
    drop(items);
    let result = reading
        .await
        .map_err(|error| ReadError::Task(error.to_string()));
    eprintln!("{summary}");
    match result.and_then(|result| result) {
        Ok(()) => Ok(()),
        Err(error) if interrupted => {
            tracing::debug!(%error, "read ended by Ctrl-C");
            Ok(())
        }
        Err(error) => Err(read_error_report(error, &stream)),
    }
}

/// The report for a failed read, with what to do about it.
pub(crate) fn read_error_report(error: ReadError, stream: &str) -> miette::Report {
    let help = match &error {
        ReadError::StreamNotFound { .. } => format!(
            "check the stream name `{stream}` and the region; `deployer up` creates the stream"
        ),
        ReadError::AccessDenied { .. } => "the credentials need kinesis:ListShards, \
             kinesis:GetShardIterator and kinesis:GetRecords on the stream"
            .to_owned(),
        ReadError::Api { .. } | ReadError::Task(_) => {
            "check the network, the credentials and --endpoint-url".to_owned()
        }
    };
    miette!(help = help, "cannot read the stream: {error}")
}

/// The value of the stack's output `key`.
pub(crate) async fn stack_output(
    config: &SdkConfig,
    stack_name: &str,
    key: &str,
) -> miette::Result<String> {
    let engine = Engine::new(
        aws_sdk_cloudformation::Client::new(config),
        PollSettings::default(),
    );
    let outputs = engine
        .outputs(stack_name)
        .await
        .map_err(miette::Report::new)?
        .ok_or_else(|| {
            miette!(
                help = "deploy it with `deployer up`, or name the stream with --stream",
                "stack `{stack_name}` does not exist"
            )
        })?;
    if let Some(value) = outputs.get(key) {
        return Ok(value.clone());
    }
    // A name output equals its resource's physical ID. Stacks deployed by other tools (or
    // emulators that drop outputs) may lack the output while the resource is there.
    if let Some(logical_id) = crate::stack::resource_named_by(key)
        && let Some(physical_id) = engine
            .physical_id(stack_name, logical_id)
            .await
            .map_err(miette::Report::new)?
    {
        return Ok(physical_id);
    }
    Err(miette!(
        help = "redeploy it with `deployer up`",
        "stack `{stack_name}` has no output `{key}`"
    ))
}
