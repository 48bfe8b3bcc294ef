//! Wall-clock helpers: RFC 3339 timestamps and Lambda's Unix-millisecond deadlines.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::time::Instant;

/// The current time as RFC 3339 (like the Telemetry API's `time`).
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// The monotonic instant of a Unix-millisecond deadline, `margin` earlier.
pub fn deadline_instant(deadline_ms: i64, margin: Duration) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as i64)
        .unwrap_or(0);
    let remaining = u64::try_from(deadline_ms.saturating_sub(now_ms)).unwrap_or(0);
    Instant::now() + Duration::from_millis(remaining).saturating_sub(margin)
}
