//! `deployer destroy`: delete the stack and, with `--all`, the assets bucket and stack too.
//! Asks on a terminal unless `--yes`; without a terminal it refuses unless `--yes`.

use std::fmt;
use std::io::{BufRead, IsTerminal, Write};

use miette::IntoDiagnostic;
use serde::Serialize;

use crate::assets::{self, DEFAULT_ASSETS_STACK};
use crate::aws::Connection;
use crate::deploy::{DeleteReport, Engine, PollSettings, stderr_progress};
use crate::exit::{ConfirmationRequired, Interrupted, InvalidOption};
use crate::{GlobalArgs, output};

/// Arguments of `deployer destroy`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DestroyArgs {
    /// Also empty (every object version) and delete the assets bucket and its stack
    #[arg(long)]
    pub all: bool,
    /// Do not ask for confirmation (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Name of the assets stack (with --all)
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ASSETS_STACK)]
    pub assets_stack: String,
    /// Print the result as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}

/// What `destroy` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestroyReport {
    /// The main stack.
    pub stack_name: String,
    /// Whether it existed and was deleted (false: nothing to destroy).
    pub deleted: bool,
    /// The assets stack, with `--all`.
    pub assets_stack: Option<String>,
    /// Whether the assets stack existed and was deleted.
    pub assets_deleted: bool,
    /// How many object versions were removed from the assets bucket.
    pub objects_deleted: usize,
}

impl fmt::Display for DestroyReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.deleted {
            writeln!(formatter, "Deleted stack {}", self.stack_name)?;
        } else {
            writeln!(
                formatter,
                "Nothing to destroy: stack {} does not exist",
                self.stack_name
            )?;
        }
        if let Some(assets_stack) = &self.assets_stack {
            if self.assets_deleted {
                writeln!(
                    formatter,
                    "Deleted assets stack {assets_stack} and its bucket ({} object versions)",
                    self.objects_deleted
                )?;
            } else {
                writeln!(
                    formatter,
                    "Nothing to destroy: assets stack {assets_stack} does not exist"
                )?;
            }
        }
        Ok(())
    }
}

/// The question asked before deleting.
fn question(stack_name: &str, assets_stack: Option<&str>) -> String {
    match assets_stack {
        Some(assets_stack) => format!(
            "Delete stack {stack_name}, and assets stack {assets_stack} with every layer zip in its bucket \
             (shared by all stacks this deployer made in this account and region)?"
        ),
        None => format!("Delete stack {stack_name}?"),
    }
}

/// Whether an answer is yes: `y` or `yes`, any case; anything else is no.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Asks on the terminal, or refuses without one.
fn confirm(text: &str) -> miette::Result<bool> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(ConfirmationRequired {
            action: text.trim_end_matches('?').to_owned(),
        }
        .into());
    }
    let mut stderr = std::io::stderr();
    write!(stderr, "{text} [y/N] ").into_diagnostic()?;
    stderr.flush().into_diagnostic()?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .into_diagnostic()?;
    Ok(is_yes(&answer))
}

/// Runs `deployer destroy`.
pub async fn run(global: &GlobalArgs, args: &DestroyArgs) -> miette::Result<()> {
    let stack_name = global.stack_name.clone();
    if !assets::is_valid_stack_name(&stack_name) {
        return Err(InvalidOption(format!(
            "--stack-name {stack_name:?} is not a valid stack name"
        ))
        .into());
    }
    if args.all && !assets::is_valid_stack_name(&args.assets_stack) {
        return Err(InvalidOption(format!(
            "--assets-stack {:?} is not a valid stack name",
            args.assets_stack
        ))
        .into());
    }
    let assets_stack = args.all.then_some(args.assets_stack.as_str());
    if !args.yes && !confirm(&question(&stack_name, assets_stack))? {
        eprintln!("Nothing deleted.");
        return Ok(());
    }
    let connection = crate::aws::connect(&global.aws).await?;
    let colour = global.colour().stderr();
    let engine = Engine::new(connection.cloudformation(), PollSettings::default());

    let work = destroy_everything(&engine, &connection, &stack_name, assets_stack, colour);
    let report = tokio::select! {
        report = work => report?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Interrupted {
                what: "CloudFormation carries on deleting on its own".to_owned(),
                hint: format!("follow it with `aws cloudformation describe-stack-events --stack-name {stack_name}`"),
            }
            .into());
        }
    };
    if args.json {
        let mut json = serde_json::to_string_pretty(&report).into_diagnostic()?;
        json.push('\n');
        output::print_stdout(&json)
    } else {
        output::print_stdout(&report.to_string())
    }
}

async fn destroy_everything(
    engine: &Engine,
    connection: &Connection,
    stack_name: &str,
    assets_stack: Option<&str>,
    colour: bool,
) -> miette::Result<DestroyReport> {
    let deleted = {
        let mut progress = stderr_progress(&format!("Stack {stack_name}"), colour);
        engine.delete(stack_name, progress.as_mut()).await?
    };
    let mut report = DestroyReport {
        stack_name: stack_name.to_owned(),
        deleted: matches!(deleted, DeleteReport::Deleted { .. }),
        assets_stack: assets_stack.map(str::to_owned),
        assets_deleted: false,
        objects_deleted: 0,
    };
    if let Some(assets_stack) = assets_stack
        && let Some(bucket) = assets::find(engine, assets_stack).await?
    {
        report.objects_deleted = assets::empty_bucket(&connection.s3(), &bucket).await?;
        let mut progress = stderr_progress(&format!("Stack {assets_stack}"), colour);
        let deleted = engine.delete(assets_stack, progress.as_mut()).await?;
        report.assets_deleted = matches!(deleted, DeleteReport::Deleted { .. });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_is_yes() {
        for yes in ["y", "Y", "yes", " YES \n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "sure"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }

    #[test]
    fn the_question_warns_that_assets_are_shared() {
        assert_eq!(question("app", None), "Delete stack app?");
        assert!(question("app", Some("assets")).contains("shared by all stacks"));
    }

    #[test]
    fn the_summary_says_nothing_to_destroy() {
        let report = DestroyReport {
            stack_name: "app".to_owned(),
            deleted: false,
            assets_stack: Some("assets".to_owned()),
            assets_deleted: true,
            objects_deleted: 3,
        };
        assert_eq!(
            report.to_string(),
            "Nothing to destroy: stack app does not exist\nDeleted assets stack assets and its bucket (3 object versions)\n"
        );
    }
}
