//! `deployer uninstrument`: put back exactly what `instrument` recorded on each function
//! (the layer, the variables it set, the policy it attached, the record itself) and leave
//! everything else as it is. `--dry-run` shows the changes only.

use crate::GlobalArgs;
use crate::instrument::apply::{Prepared, prepare_all};
use crate::instrument::iam::Iam;
use crate::instrument::report::preview;
use crate::instrument::restore::{Ready, Uninstrumenter};
use crate::instrument::run_args::ChangeArgs;
use crate::instrument::{FunctionReport, Lambda, Outcome, Patience, RunReport, SelectionArgs};
use crate::interrupt::{Interrupted, interruptible};
use crate::output::plural;

/// Arguments of `deployer uninstrument`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Only what the record on each function says `instrument` changed is \
undone; a policy attached by `instrument` stays while another function on the same role is \
still instrumented. Running it again changes nothing."
)]
pub struct UninstrumentArgs {
    /// Dry run, confirmation, output, concurrency.
    #[command(flatten)]
    pub run: ChangeArgs,
    /// Which functions.
    #[command(flatten, next_help_heading = "Functions")]
    pub selection: SelectionArgs,
}

async fn uninstrument(
    uninstrumenter: &Uninstrumenter,
    functions: Vec<String>,
    args: &UninstrumentArgs,
    region: &str,
) -> miette::Result<Vec<FunctionReport>> {
    let prepared = prepare_all(functions, args.run.concurrency, |function| {
        let uninstrumenter = uninstrumenter.clone();
        async move { uninstrumenter.prepare(&function).await }
    })
    .await?;
    let mut reports = Vec::new();
    let mut ready = Vec::new();
    let mut order = Vec::new();
    for prepared in prepared {
        match prepared {
            Prepared::Unreachable(failure) => return Err(failure.into()),
            Prepared::Done(report) => {
                order.push(report.function.clone());
                reports.push(report);
            }
            Prepared::Ready { function, change } => {
                order.push(function.name.clone());
                ready.push(Ready {
                    function: *function,
                    change,
                    notes: Vec::new(),
                });
            }
        }
    }
    let inherited = uninstrumenter.plan_policies(&mut ready).await?;
    let question = format!(
        "Uninstrument {} in {region}?",
        plural(ready.len(), "function")
    );
    let details = preview(
        ready
            .iter()
            .map(|ready| (ready.function.name.as_str(), &ready.change)),
    );
    let apply = args.run.go_ahead(ready.len(), &details, question).await?;
    if apply {
        reports.extend(uninstrumenter.apply(ready, &inherited).await);
    } else {
        reports.extend(ready.into_iter().map(|ready| {
            let mut report = FunctionReport::new(&ready.function.name, Outcome::WouldUninstrument);
            report.changes = Some((&ready.change).into());
            report.notes = ready.notes;
            report
        }));
    }
    reports.sort_by_key(|report| order.iter().position(|name| *name == report.function));
    Ok(reports)
}

/// Runs `deployer uninstrument`.
pub async fn run(global: &GlobalArgs, args: &UninstrumentArgs) -> miette::Result<()> {
    args.selection.required("uninstrument")?;
    let connection = crate::aws::connect(&global.aws).await?;
    args.selection.check(connection.region())?;
    let patience = Patience::default();
    let uninstrumenter = Uninstrumenter {
        lambda: Lambda::new(connection.lambda_configuration(), patience),
        iam: Iam::new(connection.iam(), patience),
        stack: global.stack_name.clone(),
        concurrency: args.run.concurrency,
    };
    let work = async {
        let functions = args
            .selection
            .resolve(&uninstrumenter.lambda, args.run.concurrency)
            .await?;
        let functions = uninstrument(&uninstrumenter, functions, args, connection.region()).await?;
        Ok(RunReport {
            command: "uninstrument",
            stack_name: global.stack_name.clone(),
            region: connection.region().to_owned(),
            dry_run: args.run.dry_run,
            layer_arn: None,
            policy_arn: None,
            stream: None,
            functions,
        })
    };
    let report = interruptible(work, || {
        Interrupted::new("stopped uninstrumenting; functions keep their record until they are done")
            .with_hint("run `deployer uninstrument` again to finish")
    })
    .await?;
    report.print(args.run.json)?;
    Ok(report.finish()?)
}
