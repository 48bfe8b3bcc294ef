//! `deployer up`: package the layer, make sure the assets bucket exists and holds it, and
//! deploy the stack through a change set. Unattended by design: it never asks anything.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use miette::{Context, IntoDiagnostic};
use serde::Serialize;

use crate::assets::{self, DEFAULT_ASSETS_STACK, Upload};
use crate::aws::Connection;
use crate::deploy::{Engine, PollSettings, StackSpec, format_elapsed, stderr_progress};
use crate::exit::InvalidOption;
use crate::interrupt::{Interrupted, interruptible};
use crate::options::parse_stack_name;
use crate::package::{self, LayerArgs};
use crate::stack::parameters;
use crate::{GlobalArgs, StackArgs, StackOptions, output, stack};

/// CloudFormation's limit on an inline template body, in bytes.
pub const MAX_TEMPLATE_BODY: usize = 51_200;
/// Default for `--timeout-minutes`.
pub const DEFAULT_TIMEOUT_MINUTES: u64 = 60;

/// Arguments of `deployer up`: the stack options `synth` takes, plus deployment options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct UpArgs {
    /// What the stack contains.
    #[command(flatten)]
    pub stack: StackArgs,
    /// Where the layer comes from.
    #[command(flatten)]
    pub layer: LayerArgs,
    /// Name of the assets stack holding layer zips (one per account and region)
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ASSETS_STACK,
          value_parser = parse_stack_name)]
    pub assets_stack: String,
    /// Print the result as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
    /// Also write the stack outputs to FILE as the CDK does: {"<stack>": {"<output>": ..}}
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<PathBuf>,
    /// Assume yes to any question (`up` asks none; accepted so pipelines can pass it everywhere)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Stop waiting for a stack operation after this many minutes (CloudFormation carries on)
    #[arg(long, value_name = "MINUTES", default_value_t = DEFAULT_TIMEOUT_MINUTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout_minutes: u64,
    /// Then invoke the sample function and wait for its telemetry on the stream
    #[arg(long)]
    pub verify: bool,
    /// With --verify: run the sample function here with the layer (for emulators without Lambda)
    #[arg(long, requires = "verify")]
    pub verify_local: bool,
}

/// What `up` did: printed as a summary, or as JSON with `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpReport {
    /// The stack name.
    pub stack_name: String,
    /// Whether the stack changed.
    pub changed: bool,
    /// The final stack status.
    pub status: String,
    /// The stack outputs.
    pub outputs: BTreeMap<String, String>,
    /// Wall time of the whole command, in seconds.
    pub duration_seconds: f64,
    /// The region deployed to.
    pub region: String,
    /// The assets bucket.
    pub assets_bucket: String,
    /// The layer zip's key in the assets bucket.
    pub layer_s3_key: String,
    /// Whether the zip was uploaded now (false: the same bytes were there already).
    pub layer_uploaded: bool,
    /// Whether a stack left in ROLLBACK_COMPLETE was deleted and created again.
    pub recreated: bool,
}

impl fmt::Display for UpReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let took = format_elapsed(Duration::from_secs_f64(self.duration_seconds));
        if self.changed {
            writeln!(
                formatter,
                "Stack {} deployed: {} in {took}",
                self.stack_name, self.status
            )?;
        } else {
            writeln!(
                formatter,
                "Stack {}: no changes ({}, {took})",
                self.stack_name, self.status
            )?;
        }
        if self.recreated {
            writeln!(formatter, "  (recreated after a failed first create)")?;
        }
        let width = self.outputs.keys().map(String::len).max().unwrap_or(0);
        for (key, value) in &self.outputs {
            writeln!(formatter, "  {key:<width$}  {value}")?;
        }
        let layer = if self.layer_uploaded {
            "uploaded"
        } else {
            "already uploaded"
        };
        writeln!(
            formatter,
            "  layer zip s3://{}/{} ({layer})",
            self.assets_bucket, self.layer_s3_key
        )
    }
}

/// Checks what clap cannot: that `--outputs-file` can be written where it says.
fn validate(args: &UpArgs) -> Result<(), InvalidOption> {
    if let Some(parent) = args.outputs_file.as_deref().and_then(|file| file.parent())
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        return Err(InvalidOption(format!(
            "--outputs-file: directory {} does not exist",
            parent.display()
        )));
    }
    Ok(())
}

/// Runs `deployer up`.
pub async fn run(global: &GlobalArgs, args: &UpArgs) -> miette::Result<()> {
    let started = Instant::now();
    let options = StackOptions::from_args(&global.stack_name, &args.stack)?;
    validate(args)?;
    let template = stack::template(&options)
        .to_json()
        .into_diagnostic()
        .wrap_err("cannot render the template")?;
    if template.len() > MAX_TEMPLATE_BODY {
        return Err(miette::miette!(
            "the template is {} bytes, over CloudFormation's {MAX_TEMPLATE_BODY}-byte inline limit",
            template.len()
        ));
    }
    crate::invoke::ensure_local_available(args.verify_local)?;
    let connection = crate::aws::connect(&global.aws).await?;
    let colour = global.colour().stderr();

    let work = deploy_everything(args, &options, template, &connection, colour, started);
    let report = interruptible(work, || {
        Interrupted::new(format!(
            "CloudFormation carries on with stack {} on its own",
            options.stack_name
        ))
        .with_hint(format!(
            "follow it with `aws cloudformation describe-stack-events --stack-name {}`; \
             run `deployer up` again once it has finished",
            options.stack_name
        ))
    })
    .await?;

    if let Some(file) = &args.outputs_file {
        let mut json = outputs_document(&report.stack_name, &report.outputs)?;
        json.push('\n');
        std::fs::write(file, json)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write {}", file.display()))?;
    }
    if args.json {
        let mut json = serde_json::to_string_pretty(&report).into_diagnostic()?;
        json.push('\n');
        output::print_stdout(&json)?;
    } else {
        output::print_stdout(&report.to_string())?;
    }
    if args.verify {
        let local = args.verify_local.then_some(&args.layer);
        let verification = crate::verify::after_up(
            &connection,
            &global.stack_name,
            &options.stream_name,
            &report.outputs,
            local,
        );
        interruptible(verification, || {
            Interrupted::new("stopped verifying; the stack is deployed")
        })
        .await?;
    }
    Ok(())
}

/// The `--outputs-file` document, shaped as the CDK's `--outputs-file`: the outputs keyed
/// by stack name, so steps that read CDK outputs read these unchanged.
fn outputs_document(
    stack_name: &str,
    outputs: &BTreeMap<String, String>,
) -> miette::Result<String> {
    serde_json::to_string_pretty(&BTreeMap::from([(stack_name, outputs)])).into_diagnostic()
}

async fn deploy_everything(
    args: &UpArgs,
    options: &StackOptions,
    template: String,
    connection: &Connection,
    colour: bool,
    started: Instant,
) -> miette::Result<UpReport> {
    let architecture = options.architecture;
    let layer_args = args.layer.clone();
    if layer_args.binary.is_none() {
        tracing::info!("building the extension ({architecture})");
    }
    let layer = tokio::task::spawn_blocking(move || package::package(architecture, &layer_args))
        .await
        .into_diagnostic()
        .wrap_err("packaging the layer stopped")??;
    let zip = tokio::fs::read(&layer.path)
        .await
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", layer.path.display()))?;

    let poll = PollSettings {
        stack_timeout: Duration::from_secs(args.timeout_minutes * 60),
        ..PollSettings::default()
    };
    let engine = Engine::new(connection.cloudformation(), poll);
    let assets = {
        let mut progress = stderr_progress(&format!("Stack {}", args.assets_stack), colour);
        assets::ensure(&engine, &args.assets_stack, progress.as_mut()).await?
    };
    let upload =
        assets::upload_if_absent(&connection.s3(), &assets.bucket, &layer.s3_key, zip).await?;
    // The report shows the zip's place; this is for RUST_LOG=debug only.
    tracing::debug!(key = %layer.s3_key, bucket = %assets.bucket, uploaded = (upload == Upload::Uploaded), "layer zip");

    let spec = StackSpec {
        stack_name: options.stack_name.clone(),
        template_body: template,
        parameters: BTreeMap::from([
            (parameters::ASSETS_BUCKET.to_owned(), assets.bucket.clone()),
            (parameters::LAYER_S3_KEY.to_owned(), layer.s3_key.clone()),
        ]),
        tags: BTreeMap::new(),
    };
    let mut progress = stderr_progress(&format!("Stack {}", options.stack_name), colour);
    let deployed = engine.deploy(&spec, progress.as_mut()).await?;
    Ok(UpReport {
        stack_name: deployed.stack_name,
        changed: deployed.changed,
        status: deployed.status,
        outputs: deployed.outputs,
        duration_seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        region: connection.region().to_owned(),
        assets_bucket: assets.bucket,
        layer_s3_key: layer.s3_key,
        layer_uploaded: upload == Upload::Uploaded,
        recreated: deployed.recreated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(changed: bool) -> UpReport {
        UpReport {
            stack_name: "app".to_owned(),
            changed,
            status: "UPDATE_COMPLETE".to_owned(),
            outputs: BTreeMap::from([
                ("StreamName".to_owned(), "telemetry".to_owned()),
                ("FunctionName".to_owned(), "app-fn".to_owned()),
            ]),
            duration_seconds: 12.3,
            region: "eu-west-3".to_owned(),
            assets_bucket: "assets-bucket".to_owned(),
            layer_s3_key: "layers/ab.zip".to_owned(),
            layer_uploaded: false,
            recreated: false,
        }
    }

    #[test]
    fn the_summary_lists_outputs_aligned() {
        assert_eq!(
            report(false).to_string(),
            "Stack app: no changes (UPDATE_COMPLETE, 12.3s)\n  FunctionName  app-fn\n  StreamName    telemetry\n  \
             layer zip s3://assets-bucket/layers/ab.zip (already uploaded)\n"
        );
        assert!(
            report(true)
                .to_string()
                .starts_with("Stack app deployed: UPDATE_COMPLETE in 12.3s\n")
        );
    }

    #[test]
    fn the_json_document_has_the_documented_keys() {
        let json = serde_json::to_value(report(true)).unwrap();
        for key in [
            "changed",
            "status",
            "outputs",
            "duration_seconds",
            "stack_name",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn the_outputs_file_is_keyed_by_stack_name_as_the_cdk_writes_it() {
        let outputs = BTreeMap::from([("StreamName".to_owned(), "s".to_owned())]);
        let document: serde_json::Value =
            serde_json::from_str(&outputs_document("app", &outputs).unwrap()).unwrap();
        assert_eq!(document, serde_json::json!({"app": {"StreamName": "s"}}));
    }

    #[test]
    fn own_options_are_checked() {
        let args = UpArgs {
            assets_stack: "ok".to_owned(),
            timeout_minutes: 1,
            outputs_file: Some(PathBuf::from("/nonexistent-directory/outputs.json")),
            ..UpArgs::default()
        };
        assert!(validate(&args).unwrap_err().0.contains("does not exist"));
    }
}
