//! Integration tests of the deployer: one binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod logs;
mod logs_follow;
mod logs_support;
mod replay;
mod replay_delete;
mod replay_deploy;
