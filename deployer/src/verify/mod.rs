//! Verifying the pipeline end to end (`deployer verify`, `deployer up --verify`): invoke the
//! sample function, then wait for its own telemetry (matched by request id) to arrive on the
//! stream. A failed invocation is reported at once; missing telemetry after the timeout,
//! with what is missing and, for local runs, the end of the extension's log.

use std::collections::BTreeMap;
use std::time::Duration;

use miette::miette;
use time::OffsetDateTime;
use tokio::time::{Instant, sleep_until};

use crate::aws::{Connection, stream_parameters};
use crate::invoke::{self, InvokeArgs, Invoked};
use crate::logs::expect::Expectation;
use crate::logs::reader::{self, Item, ReadOptions};
use crate::logs::since::{StartPosition, parse_duration};
use crate::logs::{ReadError, read_error_report};
use crate::package::LayerArgs;
use crate::stack::{self, outputs};

/// How long `verify` waits for the telemetry by default.
pub const DEFAULT_TIMEOUT: &str = "60s";
/// How far before the first invocation the read starts: room for clock skew between this
/// machine and Kinesis's arrival timestamps.
pub const CLOCK_MARGIN: Duration = Duration::from_secs(60);
/// Lines of the local extension's log shown when telemetry is missing.
const LOG_TAIL_LINES: usize = 15;

/// Arguments of `deployer verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// How to invoke.
    #[command(flatten)]
    pub invoke: InvokeArgs,
    /// How long to wait for the telemetry (90s, 2m)
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_TIMEOUT, value_parser = parse_timeout)]
    pub timeout: Duration,
}

impl Default for VerifyArgs {
    fn default() -> Self {
        Self {
            invoke: InvokeArgs::default(),
            timeout: Duration::from_secs(60),
        }
    }
}

/// The `--timeout` value parser.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    parse_duration(text).ok_or_else(|| format!("`{text}` is not a duration like 90s or 2m"))
}

/// `deployer up --verify`: verifies the stack just deployed, whose stream is `stream`. With
/// `local_layer` (`--verify-local`), the sample function runs here with that layer (for
/// emulators that cannot run functions), writing to the deployed stream.
pub async fn after_up(
    connection: &Connection,
    stack_name: &str,
    stream: &str,
    stack_outputs: &BTreeMap<String, String>,
    local_layer: Option<&LayerArgs>,
) -> miette::Result<()> {
    let cloudformation = connection.cloudformation();
    // The deploy's report may predate the outputs (an unchanged stack, an emulator): ask
    // the stack for what it lacks.
    let function_name = match stack_outputs.get(outputs::FUNCTION_NAME) {
        Some(name) => Some(name.clone()),
        None => {
            let found = stack::output(
                &cloudformation,
                stack_name,
                outputs::FUNCTION_NAME,
                "--function-name NAME",
            )
            .await;
            match local_layer {
                Some(_) => found.ok(),
                None => Some(found?),
            }
        }
    };
    let args = VerifyArgs {
        invoke: InvokeArgs {
            stream: Some(
                stream
                    .parse()
                    .map_err(|error| miette!("the stack's stream: {error}"))?,
            ),
            function_name,
            local: local_layer.is_some(),
            binary: local_layer.and_then(|layer| layer.binary.clone()),
            layer: local_layer
                .filter(|layer| layer.binary.is_none())
                .and_then(|layer| layer.output.clone()),
            invocations_on_stderr: true,
            ..InvokeArgs::default()
        },
        ..VerifyArgs::default()
    };
    verify(connection, stack_name, &args).await
}

/// Invokes, then waits until each invocation's `platform.start`, `function` log and
/// `platform.report` events are on the stream; fails at once when an invocation failed, and
/// with what is missing after the timeout.
pub async fn verify(
    connection: &Connection,
    stack_name: &str,
    args: &VerifyArgs,
) -> miette::Result<()> {
    let timeout = args.timeout;
    let stream = stack::stream(
        &connection.cloudformation(),
        stack_name,
        args.invoke.stream.as_ref(),
    )
    .await?;
    let kinesis = connection.kinesis(stream.region());
    // A stream that cannot be read fails now, not after the invocations.
    let (name, arn) = stream_parameters(&stream);
    kinesis
        .describe_stream_summary()
        .set_stream_name(name)
        .set_stream_arn(arn)
        .send()
        .await
        .map_err(|error| {
            read_error_report(
                ReadError::from_sdk("DescribeStreamSummary", stream.as_str(), &error),
                stream.as_str(),
            )
        })?;
    let start = OffsetDateTime::now_utc() - CLOCK_MARGIN;
    let invoked = invoke::invoke(connection, stack_name, &args.invoke).await?;
    if let Some(failures) = invoked.failures() {
        return Err(failures.into());
    }
    let Invoked {
        invocations,
        extension_log,
    } = invoked;
    let mut expectation = Expectation::new(
        invocations
            .iter()
            .map(|invocation| invocation.request_id.as_str()),
    );

    let waiting_since = Instant::now();
    let deadline = waiting_since + timeout;
    let (mut items, reading) = reader::spawn(
        kinesis,
        ReadOptions {
            stream: stream.clone(),
            start: StartPosition::AtTimestamp(start),
            follow: true,
        },
    );
    while !expectation.is_met() {
        let item = tokio::select! {
            item = items.recv() => item,
            () = sleep_until(deadline) => break,
        };
        match item {
            Some(Item::Event(event)) => {
                expectation.observe(&event);
            }
            Some(Item::Undecodable(undecodable)) => {
                tracing::warn!("skipped a record that does not decode: {undecodable}");
            }
            None => break,
        }
    }
    drop(items);
    let read = reading.await;
    if expectation.is_met() {
        eprintln!(
            "verified: the telemetry of {} invocation(s) arrived on {stream} within {:.1} s",
            invocations.len(),
            waiting_since.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    match read {
        Err(error) => return Err(miette!("the stream reader stopped: {error}")),
        Ok(Err(error)) => return Err(read_error_report(error, stream.as_str())),
        Ok(Ok(())) => {}
    }
    let log = match extension_log {
        Some(lines) if !lines.is_empty() => {
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            format!("\nthe extension's log ends with:\n  {}", tail.join("\n  "))
        }
        Some(_) => "\nthe extension logged nothing".to_owned(),
        None => String::new(),
    };
    Err(miette!(
        help = "the extension could not write to the stream, or is slow: check its log (the \
                function's CloudWatch logs on AWS), its TELEMETRY_KINESIS_STREAM_NAME, the \
                write policy on the function's role and the Kinesis endpoint",
        "the telemetry of {} invocation(s) did not all arrive on {stream} within {:.0} s:\n{expectation}{log}",
        invocations.len(),
        timeout.as_secs_f64()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_timeout("soon").unwrap_err().contains("`soon`"));
    }
}
