//! One-line error text with every cause, for logs and `init/error` messages.

/// `error: cause: cause`, skipping causes already spelled out by their parent.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn joins_causes() {
        let error = Outer(std::io::Error::other("refused"));
        assert_eq!(error_chain(&error), "outer: refused");
    }
}
