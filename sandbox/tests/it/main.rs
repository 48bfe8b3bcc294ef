//! Integration tests of the sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]
