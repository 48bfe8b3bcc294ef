//! Asking a person before changing things: on a terminal only; without one, the run stops
//! with [`ConfirmationRequired`] (exit 2) and says to pass `--yes`.

use std::io::{BufRead, IsTerminal, Write};

use miette::IntoDiagnostic;

use crate::exit::ConfirmationRequired;

/// Whether an answer is yes: `y` or `yes`, any case; anything else is no.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Asks `text` on the terminal, or refuses without one. The answer is read on a blocking
/// thread so that Ctrl-C at the prompt interrupts the run.
pub async fn confirm(text: String) -> miette::Result<bool> {
    confirm_after("", text).await
}

/// [`confirm`], showing `details` (what would change) above the question.
pub async fn confirm_after(details: &str, text: String) -> miette::Result<bool> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(ConfirmationRequired {
            action: text.trim_end_matches('?').to_owned(),
        }
        .into());
    }
    let mut stderr = std::io::stderr();
    write!(stderr, "{details}{text} [y/N] ").into_diagnostic()?;
    stderr.flush().into_diagnostic()?;
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map(|_| answer)
    })
    .await
    .into_diagnostic()?
    .into_diagnostic()?;
    Ok(is_yes(&answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yes_is_yes() {
        for yes in ["y", "Y", "yes", " YES \n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "sure"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
