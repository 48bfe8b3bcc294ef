//! One module per subcommand, each with its clap arguments and a `run` function.

pub mod destroy;
pub mod instrument;
pub mod invoke;
pub mod logs;
pub mod package;
pub mod recover;
pub mod status;
pub mod synth;
pub mod uninstrument;
pub mod up;
pub mod verify;
