//! Invoking the sample function: on AWS with aws-sdk-lambda ([`remote`]), or locally in the
//! sandbox with the packaged layer and the real Python runtime client ([`local`], cargo
//! feature `local`). [`invoke`] runs what [`InvokeArgs`] ask for; `invoke` and `verify`
//! both use it.

mod args;
mod invocation;
#[cfg(feature = "local")]
pub mod local;
#[cfg(feature = "local")]
mod local_settings;
pub mod remote;
mod run;

pub use args::{InvokeArgs, LOCAL_FUNCTION_NAME, parse_payload};
pub use invocation::{FunctionError, Invocation, Status};
pub use run::{
    InvocationsFailed, Invoked, LocalRunsUnavailable, Printer, ensure_local_available, invoke,
};
