//! Connecting to AWS, the same way for every command that calls it: the global options
//! (`--region`, `--profile`, `--endpoint-url`) and the standard `AWS_*` settings become one
//! validated configuration ([`connect`]), or fail at once with an error that says what to
//! set ([`ConnectError`]). Every failed call is then described in one line that names the
//! service, the operation and, for network failures, the endpoint ([`CallFailure`]).

mod args;
mod connect;
mod endpoint;
mod error;
mod failure;
mod interceptor;
mod profile;
mod region;
mod stream;

pub use args::AwsArgs;
pub use connect::{
    CONFIG_TIMEOUT, CONNECT_TIMEOUT, CREDENTIALS_TIMEOUT, Connection, INVOKE_READ_TIMEOUT,
    READ_TIMEOUT, connect,
};
pub use endpoint::{check_endpoint_url, needs_path_style, parse_endpoint_url};
pub use error::ConnectError;
pub use failure::{CallFailure, Cause};
pub use interceptor::{NameEndpoint, Unreachable};
pub use profile::{ProfileSource, check_profile, selected_profile};
pub use region::{is_region_name, parse_region};
pub use stream::stream_parameters;
