//! `deployer destroy`: delete the stack and, with `--all`, the assets bucket and stack too.
//! Says "nothing to destroy" without asking when neither exists; otherwise asks on a
//! terminal, naming what and where, unless `--yes`; without a terminal it refuses unless
//! `--yes`.

use miette::IntoDiagnostic;
use serde::Serialize;
use std::fmt;

use crate::assets::{self, DEFAULT_ASSETS_STACK};
use crate::aws::Connection;
use crate::deploy::{DeleteReport, Engine, PollSettings, stderr_progress};
use crate::interrupt::{Interrupted, interruptible};
use crate::options::parse_stack_name;
use crate::output::{confirm, plural};
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
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ASSETS_STACK,
          value_parser = parse_stack_name)]
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
                    "Deleted assets stack {assets_stack} and its bucket ({})",
                    plural(self.objects_deleted, "object version")
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

/// What exists of what `destroy` would delete.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    /// The main stack, if it exists.
    stack: Option<String>,
    /// The assets stack and its bucket, with `--all`, if it exists.
    assets: Option<(String, String)>,
}

/// The question asked before deleting what was found, in `region`; `None` when nothing was.
fn question(found: &Found, region: &str) -> Option<String> {
    match (&found.stack, &found.assets) {
        (None, None) => None,
        (Some(stack), None) => Some(format!("Delete stack {stack} in {region}?")),
        (stack, Some((assets, _))) => {
            let stack = stack
                .as_ref()
                .map(|stack| format!("stack {stack}, and "))
                .unwrap_or_default();
            Some(format!(
                "Delete {stack}assets stack {assets} with every layer zip in its bucket, in \
                 {region} (shared by all stacks this deployer made in this account and region)?"
            ))
        }
    }
}

/// Runs `deployer destroy`.
pub async fn run(global: &GlobalArgs, args: &DestroyArgs) -> miette::Result<()> {
    let stack_name = global.stack_name.as_str();
    let assets_stack = args.all.then_some(args.assets_stack.as_str());
    let connection = crate::aws::connect(&global.aws).await?;
    let colour = global.colour().stderr();
    let work = async {
        let engine = Engine::new(connection.cloudformation(), PollSettings::default());
        let found = find(&engine, stack_name, assets_stack).await?;
        if let Some(text) = question(&found, connection.region())
            && !args.yes
            && !confirm(text).await?
        {
            eprintln!("Nothing deleted.");
            return Ok(None);
        }
        destroy_found(
            &engine,
            &connection,
            stack_name,
            assets_stack,
            found,
            colour,
        )
        .await
        .map(Some)
    };
    let report = interruptible(work, || {
        Interrupted::new("CloudFormation carries on deleting on its own").with_hint(format!(
            "follow it with `aws cloudformation describe-stack-events --stack-name {stack_name}`"
        ))
    })
    .await?;
    let Some(report) = report else {
        return Ok(());
    };
    if args.json {
        let mut json = serde_json::to_string_pretty(&report).into_diagnostic()?;
        json.push('\n');
        output::print_stdout(&json)
    } else {
        output::print_stdout(&report.to_string())
    }
}

async fn find(
    engine: &Engine,
    stack_name: &str,
    assets_stack: Option<&str>,
) -> miette::Result<Found> {
    // A stack that exists has outputs (perhaps none); a missing one has no answer.
    let stack = engine
        .outputs(stack_name)
        .await?
        .map(|_| stack_name.to_owned());
    let assets = match assets_stack {
        Some(assets_stack) => assets::find(engine, assets_stack)
            .await?
            .map(|bucket| (assets_stack.to_owned(), bucket)),
        None => None,
    };
    Ok(Found { stack, assets })
}

async fn destroy_found(
    engine: &Engine,
    connection: &Connection,
    stack_name: &str,
    assets_stack: Option<&str>,
    found: Found,
    colour: bool,
) -> miette::Result<DestroyReport> {
    let mut report = DestroyReport {
        stack_name: stack_name.to_owned(),
        deleted: false,
        assets_stack: assets_stack.map(str::to_owned),
        assets_deleted: false,
        objects_deleted: 0,
    };
    if found.stack.is_some() {
        let mut progress = stderr_progress(&format!("Stack {stack_name}"), colour);
        let deleted = engine.delete(stack_name, progress.as_mut()).await?;
        report.deleted = matches!(deleted, DeleteReport::Deleted { .. });
    }
    if let Some((assets_stack, bucket)) = found.assets {
        report.objects_deleted = assets::empty_bucket(&connection.s3(), &bucket).await?;
        let mut progress = stderr_progress(&format!("Stack {assets_stack}"), colour);
        let deleted = engine.delete(&assets_stack, progress.as_mut()).await?;
        report.assets_deleted = matches!(deleted, DeleteReport::Deleted { .. });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_names_what_exists_and_where() {
        let found = |stack: Option<&str>, assets: Option<&str>| Found {
            stack: stack.map(str::to_owned),
            assets: assets.map(|assets| (assets.to_owned(), "bucket".to_owned())),
        };
        assert_eq!(question(&found(None, None), "eu-west-3"), None);
        assert_eq!(
            question(&found(Some("app"), None), "eu-west-3").as_deref(),
            Some("Delete stack app in eu-west-3?")
        );
        let both = question(&found(Some("app"), Some("assets")), "eu-west-3").unwrap();
        assert!(
            both.starts_with("Delete stack app, and assets stack assets with every layer zip"),
            "{both}"
        );
        assert!(both.contains("in eu-west-3") && both.contains("shared by all stacks"));
        let assets_only = question(&found(None, Some("assets")), "eu-west-3").unwrap();
        assert!(
            assets_only.starts_with("Delete assets stack assets"),
            "{assets_only}"
        );
    }

    #[test]
    fn the_summary_says_nothing_to_destroy_and_counts_in_words() {
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
        let one = DestroyReport {
            objects_deleted: 1,
            ..report
        };
        assert!(one.to_string().contains("(1 object version)"), "{one}");
    }
}
