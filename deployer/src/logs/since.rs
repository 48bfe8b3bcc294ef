//! Where a read starts: `--since 10m`, `--since 2024-05-01T12:00:00Z`, `--from-start`, or
//! by default the last few minutes.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How far back a read starts when neither `--since` nor `--from-start` is given.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(5 * 60);

/// Where each shard's first iterator points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    /// The oldest record the stream still holds (`TRIM_HORIZON`).
    TrimHorizon,
    /// Only records written from now on (`LATEST`).
    Latest,
    /// Records that arrived at or after this time (`AT_TIMESTAMP`).
    AtTimestamp(OffsetDateTime),
}

/// A `--since` value that is neither a duration nor an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is neither a duration (like 90s, 10m, 1h30m, 2d) nor an RFC 3339 time \
     (like 2024-05-01T12:00:00Z)"
)]
pub struct SinceError(pub String);

/// A `--since` value: how long ago, or when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This long before the command runs.
    Ago(Duration),
    /// This time.
    At(OffsetDateTime),
}

impl Since {
    /// The time this value names, for a command running at `now`.
    pub fn time(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            Self::Ago(duration) => now - duration,
            Self::At(time) => time,
        }
    }
}

impl std::str::FromStr for Since {
    type Err = SinceError;

    /// Parses `--since`: a duration back from now, or an RFC 3339 time.
    fn from_str(text: &str) -> Result<Self, SinceError> {
        let text = text.trim();
        if let Some(duration) = parse_duration(text) {
            return Ok(Self::Ago(duration));
        }
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Self::At)
            .map_err(|_| SinceError(text.to_owned()))
    }
}

/// Parses `--since` as of `now`.
pub fn parse_since(text: &str, now: OffsetDateTime) -> Result<OffsetDateTime, SinceError> {
    text.parse::<Since>().map(|since| since.time(now))
}

/// Parses a duration made of `<number><unit>` parts, units `ms`, `s`, `m`, `h`, `d`
/// (`500ms`, `90s`, `10m`, `1h30m`). A bare number is not accepted: its unit would be a
/// guess.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let mut rest = text;
    let mut total = Duration::ZERO;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(1),
            "s" => Duration::from_secs(1),
            "m" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            "d" => Duration::from_secs(86_400),
            _ => return None,
        };
        total = total.checked_add(unit.checked_mul(u32::try_from(number).ok()?)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// The start position from the command line's `--since` and `--from-start` (clap makes
/// them exclusive).
pub fn start_position(
    since: Option<Since>,
    from_start: bool,
    now: OffsetDateTime,
) -> StartPosition {
    if from_start {
        return StartPosition::TrimHorizon;
    }
    StartPosition::AtTimestamp(since.unwrap_or(Since::Ago(DEFAULT_SINCE)).time(now))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn durations() {
        let cases = [
            ("500ms", Some(Duration::from_millis(500))),
            ("90s", Some(Duration::from_secs(90))),
            ("10m", Some(Duration::from_secs(600))),
            ("2h", Some(Duration::from_secs(7200))),
            ("1d", Some(Duration::from_secs(86_400))),
            ("1h30m", Some(Duration::from_secs(5400))),
            ("1m1s", Some(Duration::from_secs(61))),
            ("0s", Some(Duration::ZERO)),
            ("", None),
            ("10", None),
            ("m", None),
            ("10x", None),
            ("10 m", None),
            ("-10m", None),
            ("1.5h", None),
            ("99999999999999999999s", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), expected, "{text}");
        }
    }

    #[test]
    fn since_is_a_duration_back_or_a_time() {
        let now = datetime!(2024-05-01 12:00:00 UTC);
        assert_eq!(
            parse_since("10m", now).unwrap(),
            datetime!(2024-05-01 11:50:00 UTC)
        );
        assert_eq!(
            parse_since(" 2024-05-01T10:00:00.5+02:00 ", now).unwrap(),
            datetime!(2024-05-01 08:00:00.5 UTC)
        );
        let error = parse_since("yesterday", now).unwrap_err();
        assert!(error.to_string().contains("`yesterday`"));
    }

    #[test]
    fn start_positions() {
        let now = datetime!(2024-05-01 12:00:00 UTC);
        assert_eq!(start_position(None, true, now), StartPosition::TrimHorizon);
        assert_eq!(
            start_position(None, false, now),
            StartPosition::AtTimestamp(datetime!(2024-05-01 11:55:00 UTC))
        );
        let hour: Since = "1h".parse().unwrap();
        assert_eq!(
            start_position(Some(hour), false, now),
            StartPosition::AtTimestamp(datetime!(2024-05-01 11:00:00 UTC))
        );
        assert!("nope".parse::<Since>().is_err());
    }
}
