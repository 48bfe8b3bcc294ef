//! `deployer invoke`: invokes the stack's sample function on AWS, or with `--local` runs it
//! here with the packaged layer, and prints each request id, status and duration, with the
//! function's error type and message when it failed. Exits 1 when any invocation failed.

use crate::GlobalArgs;
use crate::interrupt::{Interrupted, interruptible};
use crate::invoke::{self, InvokeArgs};

/// Runs `deployer invoke`.
pub async fn run(global: &GlobalArgs, args: &InvokeArgs) -> miette::Result<()> {
    invoke::ensure_local_available(args.local)?;
    let connection = crate::aws::connect(&global.aws).await?;
    let invoked = interruptible(
        invoke::invoke(&connection, &global.stack_name, args),
        || Interrupted::new("stopped invoking; an invocation in flight runs to its end in Lambda"),
    )
    .await?;
    match invoked.failures() {
        Some(failures) => Err(failures.into()),
        None => Ok(()),
    }
}
