//! Ctrl-C (SIGINT): listened for from the start of a command that calls AWS, so none is
//! missed, and turned into [`Interrupted`], which says what carries on (exit 130).

use std::sync::OnceLock;

use tokio::sync::watch;

/// The run was interrupted; says what was left running.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("interrupted: {what}")]
pub struct Interrupted {
    /// What was going on.
    pub what: String,
    /// What to do next.
    #[help]
    pub hint: Option<String>,
}

impl Interrupted {
    /// An interruption that needs no advice.
    pub fn new(what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            hint: None,
        }
    }

    /// With advice on what to do next.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Whether Ctrl-C came, once [`listen_for_interrupts`] has started listening.
static INTERRUPTS: OnceLock<watch::Receiver<bool>> = OnceLock::new();

/// Starts listening for Ctrl-C (SIGINT) for the rest of the process, so that none is
/// missed, not even one that comes before any code waits for it. From now on SIGINT no
/// longer ends the process by itself: the commands that call this end with
/// [`Interrupted`]. Must be called inside the runtime.
pub fn listen_for_interrupts() {
    if INTERRUPTS.get().is_some() {
        return;
    }
    let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
    else {
        return;
    };
    let (sender, receiver) = watch::channel(false);
    if INTERRUPTS.set(receiver).is_ok() {
        // Ends at the first SIGINT; nothing in it can fail.
        tokio::spawn(async move {
            if signal.recv().await.is_some() {
                let _ = sender.send(true);
            }
        });
    }
}

/// Completes when Ctrl-C comes, or already came since [`listen_for_interrupts`].
pub async fn interrupted() {
    match INTERRUPTS.get() {
        Some(receiver) => {
            if receiver
                .clone()
                .wait_for(|interrupted| *interrupted)
                .await
                .is_err()
            {
                // The signal stream ended: no interrupt will ever come.
                std::future::pending::<()>().await;
            }
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Runs `work` to its end, unless Ctrl-C (SIGINT) comes first: then `work` is dropped and
/// the run ends with `interrupted` (exit 130).
pub async fn interruptible<T>(
    work: impl Future<Output = miette::Result<T>>,
    interrupted: impl FnOnce() -> Interrupted,
) -> miette::Result<T> {
    tokio::select! {
        result = work => result,
        () = self::interrupted() => Err(interrupted().into()),
    }
}
