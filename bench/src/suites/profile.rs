//! Where the extension's time goes under full load: `perf record` on its process for the
//! throughput window, its symbols grouped by what they do.

use serde::Serialize;
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;

/// Share of samples per group, largest first, and the top symbols.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// (group, percent of samples).
    pub groups: Vec<(&'static str, f64)>,
    /// (symbol, percent of samples), largest first.
    pub top: Vec<(String, f64)>,
}

/// Symbol groups, first match wins; matched against the demangled symbol.
const GROUPS: [(&str, &[&str]); 8] = [
    ("kernel (syscalls, TCP loopback)", &["[k]"]),
    (
        "JSON parsing (batch in)",
        &[
            "serde_json::de",
            "serde_json::read",
            "parse_batch",
            "event::",
            "RawValue",
        ],
    ),
    (
        "encoding (payload JSON, KPL, base64)",
        &[
            "serde_json::ser",
            "record::",
            "kpl::",
            "base64",
            "md5",
            "prost",
            "Encoder",
            "escape",
        ],
    ),
    (
        "AWS SDK (request build, signing, response)",
        &["aws_", "sigv4", "smithy", "sha2", "hmac", "ring", "aws-lc"],
    ),
    (
        "HTTP (listener and client)",
        &["hyper", "httparse", "http::", "h1::"],
    ),
    (
        "allocation and copying",
        &[
            "malloc", "free", "realloc", "memcpy", "memmove", "memset", "alloc::", "_int_", "cfree",
        ],
    ),
    ("async runtime", &["tokio", "mio", "epoll"]),
    (
        "buffer and batching",
        &["buffer::", "batcher::", "dispatcher::", "ingest::"],
    ),
];

/// Records `pid` for `window` and summarises; `None` with the reason printed to stderr
/// when perf is missing or fails.
pub async fn record(pid: u32, window: Duration, output: &Path) -> Option<Profile> {
    let seconds = window.as_secs().max(1).to_string();
    let recorded = Command::new("perf")
        .args(["record", "-F", "499", "-p", &pid.to_string(), "-o"])
        .arg(output)
        .args(["--", "sleep", &seconds])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await;
    if !recorded.is_ok_and(|status| status.success()) {
        eprintln!("bench: perf record failed or is missing; no profile");
        return None;
    }
    let report = Command::new("perf")
        .args(["report", "--stdio", "--no-children", "--sort", "sym", "-i"])
        .arg(output)
        .output()
        .await
        .ok()?;
    Some(summarise(&String::from_utf8_lossy(&report.stdout)))
}

/// Parses `perf report --stdio --sort sym` lines (`  12.34%  [.] symbol`).
pub fn summarise(report: &str) -> Profile {
    let mut symbols = Vec::new();
    for line in report.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        let Some((percent, rest)) = trimmed.split_once('%') else {
            continue;
        };
        let Ok(percent) = percent.trim().parse::<f64>() else {
            continue;
        };
        symbols.push((rest.trim().to_owned(), percent));
    }
    let mut groups: Vec<(&'static str, f64)> =
        GROUPS.iter().map(|(name, _)| (*name, 0.0)).collect();
    let mut other = 0.0;
    for (symbol, percent) in &symbols {
        match GROUPS
            .iter()
            .position(|(_, needles)| needles.iter().any(|needle| symbol.contains(needle)))
        {
            Some(index) => groups[index].1 += percent,
            None => other += percent,
        }
    }
    groups.push(("other", other));
    groups.retain(|(_, percent)| *percent > 0.0);
    groups.sort_by(|left, right| right.1.total_cmp(&left.1));
    symbols.truncate(15);
    Profile {
        groups,
        top: symbols,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_symbols() {
        let report = "# comment\n\n    40.00%  [k] copy_user_enhanced\n    30.00%  [.] serde_json::de::Deserializer::parse\n    20.00%  [.] hyper::proto::h1::role::parse\n    10.00%  [.] something_else\n";
        let profile = summarise(report);
        assert_eq!(profile.groups[0], ("kernel (syscalls, TCP loopback)", 40.0));
        assert_eq!(profile.groups[1], ("JSON parsing (batch in)", 30.0));
        assert!(profile.groups.contains(&("other", 10.0)));
        assert_eq!(profile.top.len(), 4);
    }
}
