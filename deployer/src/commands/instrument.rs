//! `deployer instrument`: add the stack's extension layer, variables and write policy to
//! functions that already exist, record what was changed on each, and refuse, with the
//! reason, the functions that cannot take it. `--dry-run` shows the changes only.

use std::sync::Arc;

use crate::aws::Connection;
use crate::exit::InvalidOption;
use crate::instrument::apply::{Instrumenter, Prepared, prepare_all};
use crate::instrument::iam::{Iam, caller_account};
use crate::instrument::parallel::in_parallel;
use crate::instrument::plan::Desired;
use crate::instrument::progress::Progress;
use crate::instrument::report::preview;
use crate::instrument::run_args::ChangeArgs;
use crate::instrument::settings::ExtensionSettingsArgs;
use crate::instrument::target::{self, TargetArgs};
use crate::instrument::{FunctionReport, Lambda, Outcome, Patience, RunReport, SelectionArgs};
use crate::interrupt::{Interrupted, interruptible};
use crate::output::plural;
use crate::{GlobalArgs, stack};

/// Arguments of `deployer instrument`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Each function gets the stack's layer (replacing an older version of it \
in place), the stream variable and the settings given, and its role the write policy; a tag \
records what changed, so `deployer uninstrument` puts back exactly what was there. Running it \
again changes nothing. Functions that cannot take the extension are left unchanged and named \
with the reason; the exit code is then 1."
)]
pub struct InstrumentArgs {
    /// Also change functions a CloudFormation stack manages (its next update reverts it)
    #[arg(long)]
    pub force: bool,
    /// Dry run, confirmation, output, concurrency.
    #[command(flatten)]
    pub run: ChangeArgs,
    /// Which functions.
    #[command(flatten, next_help_heading = "Functions")]
    pub selection: SelectionArgs,
    /// Layer, policy and stream instead of the stack's.
    #[command(flatten, next_help_heading = "Instead of the stack's outputs")]
    pub target: TargetArgs,
    /// Extension settings.
    #[command(
        flatten,
        next_help_heading = "Extension settings (the extension's defaults otherwise)"
    )]
    pub settings: ExtensionSettingsArgs,
}

/// What to put on the functions, from the options and the stack.
async fn instrumenter(
    connection: &Connection,
    stack_name: &str,
    args: &InstrumentArgs,
    patience: Patience,
) -> miette::Result<Instrumenter> {
    let cloudformation = connection.cloudformation();
    let account = caller_account(&connection.sts(), &patience).await?;
    let (layer, from_stack) =
        target::layer(&cloudformation, stack_name, args.target.layer_arn.as_ref()).await?;
    if layer.region() != connection.region() {
        return Err(InvalidOption(format!(
            "the layer {layer} is in region {}, the functions in {}: a function can only use \
             a layer of its own region",
            layer.region(),
            connection.region()
        ))
        .into());
    }
    let policy =
        target::policy(&cloudformation, stack_name, args.target.policy_arn.as_ref()).await?;
    let stream = stack::stream(&cloudformation, stack_name, args.target.stream.as_ref()).await?;
    let lambda = Lambda::new(connection.lambda_configuration(), patience);
    let layer_architectures = lambda.layer_architectures(&layer).await?;
    Ok(Instrumenter {
        lambda,
        iam: Iam::new(connection.iam(), patience),
        desired: Arc::new(Desired {
            stack: stack_name.to_owned(),
            layer,
            layer_architectures,
            policy,
            variables: args.settings.variables(&stream),
            account,
            force: args.force,
        }),
        exporting_stack: from_stack.then(|| stack_name.to_owned()),
    })
}

/// Reads and plans every function, asks, and changes those that need it.
async fn instrument(
    instrumenter: &Instrumenter,
    functions: Vec<String>,
    args: &InstrumentArgs,
    region: &str,
) -> miette::Result<Vec<FunctionReport>> {
    let prepared = prepare_all(functions, args.run.concurrency, |function| {
        let instrumenter = instrumenter.clone();
        async move { instrumenter.prepare(&function).await }
    })
    .await?;
    let ready = prepared
        .iter()
        .filter(|prepared| matches!(prepared, Prepared::Ready { .. }))
        .count();
    let question = format!(
        "Instrument {} in {region} with layer {}?",
        plural(ready, "function"),
        instrumenter.desired.layer
    );
    let details = preview(prepared.iter().filter_map(|prepared| match prepared {
        Prepared::Ready { function, change } => Some((function.name.as_str(), change)),
        _ => None,
    }));
    let apply = args.run.go_ahead(ready, &details, question).await?;
    let mut progress = Progress::stderr("instrumenting", if apply { ready } else { 0 });
    let mut reports = Vec::new();
    let mut changes = Vec::new();
    for (index, prepared) in prepared.into_iter().enumerate() {
        match prepared {
            Prepared::Done(report) => reports.push((index, report)),
            Prepared::Unreachable(failure) => return Err(failure.into()),
            Prepared::Ready { function, change } if apply => {
                changes.push((index, function, change))
            }
            Prepared::Ready { function, change } => {
                let mut report = FunctionReport::new(&function.name, Outcome::WouldInstrument);
                report.changes = Some((&change).into());
                reports.push((index, report));
            }
        }
    }
    let applied = in_parallel(
        changes,
        args.run.concurrency,
        |(index, function, change)| {
            let instrumenter = instrumenter.clone();
            async move { (index, instrumenter.apply(*function, change).await) }
        },
        |(_, report)| Some(report.progress_line()),
        &mut progress,
    )
    .await;
    reports.extend(applied);
    reports.sort_by_key(|(index, _)| *index);
    Ok(reports.into_iter().map(|(_, report)| report).collect())
}

/// Runs `deployer instrument`.
pub async fn run(global: &GlobalArgs, args: &InstrumentArgs) -> miette::Result<()> {
    args.selection.required("instrument")?;
    let connection = crate::aws::connect(&global.aws).await?;
    args.selection.check(connection.region())?;
    let stack_name = global.stack_name.as_str();
    let patience = Patience::default();
    let work = async {
        let instrumenter = instrumenter(&connection, stack_name, args, patience).await?;
        let functions = args
            .selection
            .resolve(&instrumenter.lambda, args.run.concurrency)
            .await?;
        let functions = instrument(&instrumenter, functions, args, connection.region()).await?;
        let desired = &instrumenter.desired;
        Ok(RunReport {
            command: "instrument",
            stack_name: stack_name.to_owned(),
            region: connection.region().to_owned(),
            dry_run: args.run.dry_run,
            layer_arn: Some(desired.layer.arn()),
            policy_arn: Some(desired.policy.clone()),
            stream: desired
                .variables
                .get(telemetry_kinesis_contract::settings::STREAM_NAME)
                .cloned(),
            functions,
        })
    };
    let report = interruptible(work, || {
        Interrupted::new(
            "stopped instrumenting; the functions changed so far keep the change and its record",
        )
        .with_hint("run `deployer instrument` again to finish, or `deployer uninstrument` to undo")
    })
    .await?;
    report.print(args.run.json)?;
    Ok(report.finish()?)
}
