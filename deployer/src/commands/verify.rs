//! `deployer verify`: invoke the sample function and wait for its telemetry on the stream.

use crate::GlobalArgs;
use crate::interrupt::{Interrupted, interruptible};
use crate::verify::{self, VerifyArgs};

/// Runs `deployer verify`.
pub async fn run(global: &GlobalArgs, args: &VerifyArgs) -> miette::Result<()> {
    crate::invoke::ensure_local_available(args.invoke.local)?;
    let connection = crate::aws::connect(&global.aws).await?;
    interruptible(
        verify::verify(&connection, &global.stack_name, args),
        || Interrupted::new("stopped verifying"),
    )
    .await
}
