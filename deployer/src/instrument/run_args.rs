//! The options of a run that changes functions (`instrument`, `uninstrument`), and the one
//! decision they make together: whether to go ahead.

use super::parallel::{DEFAULT_CONCURRENCY, parse_concurrency};
use crate::output::confirm_after;

/// How a run that changes functions behaves.
#[derive(Debug, Clone, clap::Args)]
pub struct ChangeArgs {
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
}

impl ChangeArgs {
    /// Whether to change the `count` functions that need it: not on a dry run, else with
    /// `--yes` or when the person at the terminal, shown `details`, says yes to `question`
    /// (without a terminal and without `--yes`, the run stops with exit 2).
    pub async fn go_ahead(
        &self,
        count: usize,
        details: &str,
        question: String,
    ) -> miette::Result<bool> {
        if count == 0 || self.dry_run {
            return Ok(false);
        }
        if self.yes || confirm_after(details, question).await? {
            return Ok(true);
        }
        eprintln!("Nothing changed.");
        Ok(false)
    }
}
