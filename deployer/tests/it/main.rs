//! Integration tests of the deployer: one binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod destroy;
mod exit_codes;
mod instrument;
mod instrument_support;
mod invoke;
mod invoke_support;
mod logs;
mod logs_follow;
mod logs_support;
mod package;
mod recover;
#[cfg(feature = "local")]
mod recover_end_to_end;
mod replay;
mod replay_delete;
mod replay_deploy;
mod replay_instrument;
mod status;
mod synth;
mod template_scan;
mod up;
mod up_failures;
mod up_support;
mod verify;
mod verify_up;
