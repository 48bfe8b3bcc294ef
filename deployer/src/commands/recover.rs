//! `deployer recover`: re-send the events the extension spilled to its log group, with
//! their original partition keys and payloads (and so their ids), then say what was found,
//! sent and skipped. `--dry-run` only counts.

use std::time::Duration;

use miette::IntoDiagnostic;
use telemetry_kinesis_contract::stream::StreamTarget;
use time::OffsetDateTime;

use crate::interrupt::{Interrupted, interruptible};
use crate::logs::Since;
use crate::recover::read::{log_group_of, parse_log_group};
use crate::recover::{self, Plan};
use crate::stack::{self, LookupError};
use crate::{GlobalArgs, output};

/// How far back recovery reads by default.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(60 * 60);

/// Arguments of `deployer recover`.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(
    after_help = "Running recover again is safe: each event keeps its original id, and \
consumers de-duplicate on id, so an event sent twice is seen once."
)]
pub struct RecoverArgs {
    /// Function whose log group holds the spilled lines (its LoggingConfig log group, else
    /// /aws/lambda/NAME) [default: the stack's FunctionName output]
    #[arg(long, value_name = "NAME", conflicts_with = "log_group")]
    pub function: Option<String>,
    /// Log group to read instead of a function's
    #[arg(long, value_name = "NAME", value_parser = parse_log_group)]
    pub log_group: Option<String>,
    /// Read lines logged since this long ago (90s, 10m, 1h30m, 2d) or this RFC 3339 time
    /// [default: 1h]
    #[arg(long, value_name = "WHEN")]
    pub since: Option<Since>,
    /// Stream (name or ARN) to send to [default: the stack's StreamName output, else the
    /// stream each spilled line names]
    #[arg(long, value_name = "STREAM")]
    pub stream: Option<StreamTarget>,
    /// Only count what would be sent
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

/// Runs `deployer recover`.
pub async fn run(global: &GlobalArgs, args: &RecoverArgs) -> miette::Result<()> {
    let start = args
        .since
        .unwrap_or(Since::Ago(DEFAULT_SINCE))
        .time(OffsetDateTime::now_utc());
    let connection = crate::aws::connect(&global.aws).await?;
    let work = async {
        let plan = Plan {
            log_group: log_group(&connection, &global.stack_name, args).await?,
            start,
            destination: destination(&connection, &global.stack_name, args).await?,
            dry_run: args.dry_run,
        };
        recover::recover(&connection, &plan).await
    };
    let recovered = interruptible(work, || {
        Interrupted::new("stopped recovering; what was sent stays sent")
            .with_hint("run `deployer recover` again: consumers de-duplicate on id")
    })
    .await?;
    let text = if args.json {
        let mut json = serde_json::to_string_pretty(&recovered.report).into_diagnostic()?;
        json.push('\n');
        json
    } else {
        recovered.report.to_string()
    };
    output::print_stdout(&text)?;
    match recovered.not_sent {
        Some(not_sent) => Err(not_sent.into()),
        None => Ok(()),
    }
}

/// `--log-group`, else `--function`'s group, else the stack's function's group.
async fn log_group(
    connection: &crate::aws::Connection,
    stack_name: &str,
    args: &RecoverArgs,
) -> miette::Result<String> {
    if let Some(log_group) = &args.log_group {
        return Ok(log_group.clone());
    }
    let function = stack::function(
        &connection.cloudformation(),
        stack_name,
        args.function.as_deref(),
        "--function NAME or --log-group NAME",
    )
    .await?;
    Ok(log_group_of(&connection.lambda(), &function).await)
}

/// `--stream`, else the stack's stream, else (`None`) each line's own.
async fn destination(
    connection: &crate::aws::Connection,
    stack_name: &str,
    args: &RecoverArgs,
) -> miette::Result<Option<StreamTarget>> {
    match stack::stream(
        &connection.cloudformation(),
        stack_name,
        args.stream.as_ref(),
    )
    .await
    {
        Ok(stream) => Ok(Some(stream)),
        Err(LookupError::NoStack { .. } | LookupError::NoOutput { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}
