//! The benchmarks' regression guard: short runs of the throughput and memory benchmarks
//! on the debug build, against limits that only a gross regression breaks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod guard;
