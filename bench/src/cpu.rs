//! CPU time: a process's (user + system, all its threads) from `/proc/<pid>/stat`, and the
//! calling thread's from `getrusage`. CPU time per event does not depend on what else runs
//! on the machine the way events per second do: a busy machine takes cores away from the
//! extension, not instructions out of each event.

use crate::error::BenchError;
use std::time::Duration;

/// `/proc` counts CPU time in clock ticks of `USER_HZ`, 100 per second on Linux.
const TICKS_PER_SECOND: u64 = 100;

/// User plus system CPU time of process `pid` so far.
pub fn process_time(pid: u32) -> Result<Duration, BenchError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(BenchError::io(
        format!("reading the CPU time of process {pid}"),
    ))?;
    parse_stat(&stat).ok_or_else(|| BenchError::Io {
        action: format!("reading the CPU time of process {pid}"),
        source: std::io::Error::other("no utime/stime in /proc/<pid>/stat"),
    })
}

fn parse_stat(stat: &str) -> Option<Duration> {
    // The command name is in parentheses and may hold spaces: count fields after it.
    // `utime` and `stime` are fields 14 and 15; the state (field 3) comes first.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    let ticks = user + system;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// User plus system CPU time of the calling thread so far.
pub fn thread_time() -> Duration {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_THREAD).map_or(Duration::ZERO, |usage| {
        let time = |value: nix::sys::time::TimeVal| {
            Duration::new(
                u64::try_from(value.tv_sec()).unwrap_or(0),
                u32::try_from(value.tv_usec()).unwrap_or(0) * 1000,
            )
        };
        time(usage.user_time()) + time(usage.system_time())
    })
}

/// CPU microseconds per event, and the events per second one core could then sustain.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PerEvent {
    /// CPU time per event, in microseconds.
    pub micros: f64,
    /// `1e6 / micros`: events per second of one fully used core.
    pub ceiling_per_second: f64,
}

impl PerEvent {
    /// `cpu` spent on `events`; `None` without events.
    pub fn of(cpu: Duration, events: u64) -> Option<Self> {
        if events == 0 || cpu.is_zero() {
            return None;
        }
        let micros = cpu.as_secs_f64() * 1e6 / events as f64;
        Some(Self {
            micros,
            ceiling_per_second: 1e6 / micros,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_user_and_system_ticks() {
        let stat = "42 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0";
        assert_eq!(parse_stat(stat), Some(Duration::from_secs(3)));
        assert!(process_time(std::process::id()).is_ok());
        let busy = std::time::Instant::now();
        while busy.elapsed() < Duration::from_millis(20) {}
        assert!(thread_time() > Duration::ZERO);
    }

    #[test]
    fn per_event_and_ceiling() {
        let figures = PerEvent::of(Duration::from_secs(1), 250_000).unwrap();
        assert!((figures.micros - 4.0).abs() < 1e-9);
        assert!((figures.ceiling_per_second - 250_000.0).abs() < 1e-6);
        assert!(PerEvent::of(Duration::ZERO, 5).is_none());
        assert!(PerEvent::of(Duration::from_secs(1), 0).is_none());
    }
}
