//! `deployer verify` (and `deployer up --verify`): invokes the sample function, then waits
//! for its own telemetry (matched by request id) to arrive on the stream. A pipeline
//! proves the path end to end, not just that CloudFormation said complete.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::SdkConfig;
use miette::miette;
use time::OffsetDateTime;
use tokio::time::{Instant, sleep_until};

use super::invoke::{InvokeArgs, Invoked, invoke, local_stream};
use super::logs::{read_error_report, stack_output};
use crate::GlobalArgs;
use crate::logs::ReadError;
use crate::logs::expect::Expectation;
use crate::logs::reader::{self, Item, ReadOptions};
use crate::logs::since::{StartPosition, parse_duration};
use crate::package::LayerArgs;
use crate::stack::outputs;

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

fn parse_timeout(text: &str) -> Result<Duration, String> {
    parse_duration(text).ok_or_else(|| format!("`{text}` is not a duration like 90s or 2m"))
}

/// Runs `deployer verify`.
pub async fn run(global: &GlobalArgs, args: &VerifyArgs) -> miette::Result<()> {
    let config = crate::aws::sdk_config(&global.aws).await;
    verify(global, &config, args).await
}

/// `deployer up --verify`: verifies the stack just deployed, whose stream is `stream`. With
/// `local_layer` (`--verify-local`), the sample function runs here with that layer (for
/// emulators that cannot run functions), writing to the deployed stream.
pub async fn after_up(
    global: &GlobalArgs,
    stream: &str,
    stack_outputs: &BTreeMap<String, String>,
    local_layer: Option<&LayerArgs>,
) -> miette::Result<()> {
    let config = crate::aws::sdk_config(&global.aws).await;
    // The deploy's report may predate the outputs (an unchanged stack, an emulator): ask
    // the stack for what it lacks.
    let output = async |key: &str| match stack_outputs.get(key) {
        Some(value) => Ok(value.clone()),
        None => stack_output(&config, &global.stack_name, key).await,
    };
    let function_name = match local_layer {
        Some(_) => output(outputs::FUNCTION_NAME).await.ok(),
        None => Some(output(outputs::FUNCTION_NAME).await?),
    };
    let args = VerifyArgs {
        invoke: InvokeArgs {
            stream: Some(stream.to_owned()),
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
    verify(global, &config, &args).await
}

/// Invokes, then waits until each invocation's `platform.start`, `function` log and
/// `platform.report` events are on the stream; fails with what is missing after the
/// timeout.
pub async fn verify(
    global: &GlobalArgs,
    config: &SdkConfig,
    args: &VerifyArgs,
) -> miette::Result<()> {
    let timeout = args.timeout;
    let stream = local_stream(global, config, &args.invoke).await?;
    let kinesis = aws_sdk_kinesis::Client::new(config);
    // A stream that cannot be read fails now, not after the invocations.
    kinesis
        .describe_stream_summary()
        .stream_name(&stream)
        .send()
        .await
        .map_err(|error| {
            read_error_report(
                ReadError::from_sdk("DescribeStreamSummary", &stream, error),
                &stream,
            )
        })?;
    let start = OffsetDateTime::now_utc() - CLOCK_MARGIN;
    let Invoked {
        invocations,
        extension_log,
    } = invoke(global, config, &args.invoke).await?;
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
        Ok(Err(error)) => return Err(read_error_report(error, &stream)),
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
