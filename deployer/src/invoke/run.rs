//! Running the invocations [`InvokeArgs`] ask for, on AWS or locally, reporting each one as
//! it ends. A failed function is an [`Invocation`] (shown with its error), not an error of
//! the run; the caller decides what failures mean ([`InvocationsFailed`]).

use super::args::InvokeArgs;
use super::invocation::Invocation;
use super::remote;
use crate::aws::Connection;
use crate::output;
use crate::stack;

/// What a finished run did.
#[derive(Debug, Clone)]
pub struct Invoked {
    /// Each invocation.
    pub invocations: Vec<Invocation>,
    /// The extension's log, for local runs.
    pub extension_log: Option<Vec<String>>,
}

impl Invoked {
    /// The error for the failed invocations, if any failed.
    pub fn failures(&self) -> Option<InvocationsFailed> {
        let failed: Vec<&Invocation> = self.invocations.iter().filter(|i| i.failed()).collect();
        let first = failed.first()?;
        Some(InvocationsFailed {
            failed: failed.len(),
            total: self.invocations.len(),
            first: first.to_string(),
        })
    }
}

/// Some invocations failed: the function returned an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("{failed} of {total} invocation(s) failed, the first: {first}")]
#[diagnostic(help("the function returned an error: its log (CloudWatch Logs on AWS) says more"))]
pub struct InvocationsFailed {
    /// How many failed.
    pub failed: usize,
    /// How many ran.
    pub total: usize,
    /// The first failure, as its line shows it.
    pub first: String,
}

/// `--local` in a build without the `local` feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
#[error("--local: this deployer was built without local runs")]
#[diagnostic(help(
    "build it with the `local` cargo feature, which is on by default: cargo build -p deployer"
))]
pub struct LocalRunsUnavailable;

/// Refuses `--local` early (before any AWS call) in a build without local runs.
pub fn ensure_local_available(local: bool) -> Result<(), LocalRunsUnavailable> {
    if local && !cfg!(feature = "local") {
        Err(LocalRunsUnavailable)
    } else {
        Ok(())
    }
}

/// Prints each invocation as it ends: a line, or a JSON object with `--json`; on stdout, or
/// on stderr as progress.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    json: bool,
    on_stderr: bool,
}

impl Printer {
    /// The printer `args` ask for.
    pub fn new(args: &InvokeArgs) -> Self {
        Self {
            json: args.json,
            on_stderr: args.invocations_on_stderr,
        }
    }

    /// Prints one invocation.
    pub fn print(&self, invocation: &Invocation) {
        let line = if self.json {
            serde_json::to_string(invocation).unwrap_or_default()
        } else {
            invocation.to_string()
        };
        if self.on_stderr {
            eprintln!("invoked {line}");
        } else {
            // A closed stdout must not stop the invocations.
            let _ = output::print_stdout(&format!("{line}\n"));
        }
    }
}

/// Invokes as `args` say, printing each invocation as it ends.
pub async fn invoke(
    connection: &Connection,
    stack_name: &str,
    args: &InvokeArgs,
) -> miette::Result<Invoked> {
    let printer = Printer::new(args);
    if args.local {
        return invoke_locally(connection, stack_name, args, printer).await;
    }
    let function = stack::function(
        &connection.cloudformation(),
        stack_name,
        args.function_name.as_deref(),
        "--function-name NAME",
    )
    .await?;
    let client = connection.lambda();
    let bytes = args.payload.to_string().into_bytes();
    let mut invocations = Vec::new();
    for _ in 0..args.count {
        let invocation = remote::invoke(&client, &function, &bytes).await?;
        printer.print(&invocation);
        invocations.push(invocation);
    }
    Ok(Invoked {
        invocations,
        extension_log: None,
    })
}

#[cfg(feature = "local")]
async fn invoke_locally(
    connection: &Connection,
    stack_name: &str,
    args: &InvokeArgs,
    printer: Printer,
) -> miette::Result<Invoked> {
    let stream = stack::stream(
        &connection.cloudformation(),
        stack_name,
        args.stream.as_ref(),
    )
    .await?;
    let settings = super::local_settings::local_settings(connection, &stream, args).await?;
    let payloads = vec![args.payload.clone(); args.count as usize];
    let run =
        super::local::run(&settings, &payloads, |invocation| printer.print(invocation)).await?;
    Ok(Invoked {
        invocations: run.invocations,
        extension_log: Some(run.extension_log),
    })
}

#[cfg(not(feature = "local"))]
async fn invoke_locally(
    _connection: &Connection,
    _stack_name: &str,
    _args: &InvokeArgs,
    _printer: Printer,
) -> miette::Result<Invoked> {
    Err(LocalRunsUnavailable.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::FunctionError;
    use std::time::Duration;

    #[test]
    fn failures_name_the_first_failed_invocation() {
        let ok = Invocation::success("r1", Duration::from_millis(5));
        let failed = Invocation::failure(
            "r2",
            Duration::from_millis(5),
            FunctionError {
                error_type: Some("Handled".into()),
                error_message: Some("boom".into()),
            },
        );
        let invoked = Invoked {
            invocations: vec![ok.clone(), failed],
            extension_log: None,
        };
        let failures = invoked.failures().unwrap();
        assert_eq!(
            failures.to_string(),
            "1 of 2 invocation(s) failed, the first: r2 error (Handled) 5.0 ms: boom"
        );
        let fine = Invoked {
            invocations: vec![ok],
            extension_log: None,
        };
        assert!(fine.failures().is_none());
    }
}
