//! One module per subcommand, each with its clap arguments and a `run` function.

pub mod destroy;
pub mod invoke;
pub mod logs;
pub mod package;
pub mod recover;
pub mod synth;
pub mod up;
pub mod verify;
