//! `deployer uninstrument`: put back exactly what `instrument` recorded on each function
//! (the layer, the variables it set, the policy it attached, the record itself) and leave
//! everything else as it is. `--dry-run` shows the changes only.

use crate::GlobalArgs;
use crate::instrument::apply::Prepared;
use crate::instrument::iam::Iam;
use crate::instrument::parallel::{DEFAULT_CONCURRENCY, in_parallel, parse_concurrency};
use crate::instrument::progress::Progress;
use crate::instrument::restore::{Ready, Uninstrumenter};
use crate::instrument::{FunctionReport, Lambda, Outcome, Patience, RunReport, SelectionArgs};
use crate::interrupt::{Interrupted, interruptible};
use crate::output::{confirm, plural};

/// Arguments of `deployer uninstrument`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Only what the record on each function says `instrument` changed is \
undone; a policy attached by `instrument` stays while another function on the same role is \
still instrumented. Running it again changes nothing."
)]
pub struct UninstrumentArgs {
    /// Show the change each function would get, and change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the result as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
    /// Functions worked on at once
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub concurrency: usize,
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
    let mut progress = Progress::stderr("reading functions", functions.len());
    let prepared = in_parallel(
        functions,
        args.concurrency,
        |function| {
            let uninstrumenter = uninstrumenter.clone();
            async move { uninstrumenter.prepare(&function).await }
        },
        Prepared::progress_line,
        &mut progress,
    )
    .await;
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
    let apply = !ready.is_empty() && !args.dry_run && (args.yes || confirm(question).await?);
    if !ready.is_empty() && !args.dry_run && !apply {
        eprintln!("Nothing changed.");
    }
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
        concurrency: args.concurrency,
    };
    let work = async {
        let functions = args
            .selection
            .resolve(&uninstrumenter.lambda, args.concurrency)
            .await?;
        if functions.is_empty() {
            tracing::warn!("no function matches the selection");
        }
        let functions = uninstrument(&uninstrumenter, functions, args, connection.region()).await?;
        Ok(RunReport {
            command: "uninstrument",
            stack_name: global.stack_name.clone(),
            region: connection.region().to_owned(),
            dry_run: args.dry_run,
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
    report.print(args.json)?;
    Ok(report.finish()?)
}
