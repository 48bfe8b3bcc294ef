//! Log set-up: no timestamps (Lambda adds them), level from `RUST_LOG` or Lambda's
//! `AWS_LAMBDA_LOG_LEVEL`, `info` by default.

use tracing_subscriber::EnvFilter;

/// The filter directive for the given variables.
pub fn filter_directive(lookup: impl Fn(&str) -> Option<String>) -> String {
    if let Some(directive) = lookup("RUST_LOG").filter(|value| !value.trim().is_empty()) {
        return directive;
    }
    match lookup("AWS_LAMBDA_LOG_LEVEL")
        .map(|level| level.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("trace") => "trace",
        Some("debug") => "debug",
        Some("warn") => "warn",
        Some("error" | "fatal") => "error",
        _ => "info",
    }
    .to_owned()
}

/// Installs the subscriber writing to stderr.
pub fn init() {
    let directive = filter_directive(|name| std::env::var(name).ok());
    let filter = EnvFilter::try_new(directive).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .without_time()
        .with_ansi(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        let lookup = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        assert_eq!(filter_directive(lookup(&[])), "info");
        assert_eq!(
            filter_directive(lookup(&[("AWS_LAMBDA_LOG_LEVEL", "DEBUG")])),
            "debug"
        );
        assert_eq!(
            filter_directive(lookup(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")])),
            "error"
        );
        assert_eq!(
            filter_directive(lookup(&[
                ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
                ("RUST_LOG", "trace")
            ])),
            "trace"
        );
    }
}
