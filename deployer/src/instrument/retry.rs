//! How patient instrumenting is with Lambda and IAM: throttled calls are retried with a
//! doubling backoff (on top of the SDK's own few retries, since a run over many functions
//! meets the account's control-plane rate for minutes), and a function busy with an update
//! is polled until it settles.

use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::CallFailure;

/// The error codes of a throttled call: Lambda's, then IAM's and STS's.
pub const THROTTLED: &[&str] = &[
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
];

/// Waits and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// How often a busy function is asked again.
    pub poll: Duration,
    /// How long a function may stay busy before the run gives up on it.
    pub settle_timeout: Duration,
    /// Calls made in all for a throttled operation.
    pub throttled_attempts: u32,
    /// The first wait after a throttled call; it doubles each time.
    pub first_backoff: Duration,
    /// The longest wait between throttled calls.
    pub max_backoff: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            settle_timeout: Duration::from_secs(5 * 60),
            throttled_attempts: 8,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(20),
        }
    }
}

impl Patience {
    /// The wait before attempt `attempt + 1` after `attempt` throttled calls (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.first_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Makes the call `send` makes until it is not throttled, at most
/// [`Patience::throttled_attempts`] times; a failure is described as `service`'s
/// `operation`.
pub async fn retrying<T, E, F, Fut>(
    patience: &Patience,
    service: &'static str,
    operation: &'static str,
    mut send: F,
) -> Result<T, CallFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut attempt = 1;
    loop {
        match send().await {
            Ok(output) => return Ok(output),
            Err(error) => {
                let failure = CallFailure::from_sdk(service, operation, &error);
                let throttled = failure
                    .error_code()
                    .is_some_and(|code| THROTTLED.contains(&code));
                if !throttled || attempt >= patience.throttled_attempts {
                    return Err(failure);
                }
                let wait = patience.backoff(attempt);
                tracing::debug!(service, operation, attempt, ?wait, "throttled, retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let patience = Patience::default();
        let waits: Vec<u64> = (1..=7).map(|n| patience.backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 20, 20]);
        assert_eq!(patience.backoff(1000), patience.max_backoff);
    }
}
