//! Following one stack operation: poll the stack's status on our schedule and show each new
//! event once, oldest first, until the stack leaves `*_IN_PROGRESS`.

use std::time::Instant;

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::Stack;

use super::error::DeployError;
use super::events::{EventCursor, StackEvent};
use super::poll::{Backoff, PollSettings};
use super::progress::Progress;
use super::status::is_in_progress;

/// Whether an error means "this stack does not exist" (CloudFormation answers a
/// `ValidationError` saying so, rather than a dedicated error code).
pub(crate) fn is_missing_stack<E: ProvideErrorMetadata>(error: &E) -> bool {
    error.code() == Some("ValidationError")
        && error
            .message()
            .is_some_and(|message| message.contains("does not exist"))
}

/// The stack named (or identified by ARN) `stack`, or `None` when it does not exist.
pub(crate) async fn describe_stack(
    client: &Client,
    stack: &str,
) -> Result<Option<Stack>, DeployError> {
    match client.describe_stacks().stack_name(stack).send().await {
        Ok(output) => Ok(output.stacks().first().cloned()),
        Err(error) if is_missing_stack(&error) => Ok(None),
        Err(error) => Err(DeployError::api("DescribeStacks", error)),
    }
}

/// The status string of a described stack.
pub(crate) fn status_of(stack: &Stack) -> &str {
    stack
        .stack_status()
        .map(|status| status.as_str())
        .unwrap_or_default()
}

/// Follows one operation on one stack.
pub(crate) struct Monitor<'a> {
    client: &'a Client,
    stack_id: String,
    cursor: EventCursor,
    started: Instant,
    /// This operation's events, oldest first.
    events: Vec<StackEvent>,
}

impl<'a> Monitor<'a> {
    /// A monitor for `stack_id` (use the ARN: it still answers once the stack is deleted).
    pub(crate) fn new(client: &'a Client, stack_id: impl Into<String>, started: Instant) -> Self {
        Self {
            client,
            stack_id: stack_id.into(),
            cursor: EventCursor::new(),
            started,
            events: Vec::new(),
        }
    }

    /// Marks the stack's existing history as seen, so only this operation's events are shown.
    /// The newest page is enough: later polls stop at the first seen event.
    pub(crate) async fn skip_history(&mut self) -> Result<(), DeployError> {
        match self
            .client
            .describe_stack_events()
            .stack_name(&self.stack_id)
            .send()
            .await
        {
            Ok(output) => {
                let page: Vec<StackEvent> =
                    output.stack_events().iter().map(StackEvent::from).collect();
                self.cursor.mark_seen(&page);
                Ok(())
            }
            Err(error) if is_missing_stack(&error) => Ok(()),
            Err(error) => Err(DeployError::api("DescribeStackEvents", error)),
        }
    }

    /// Fetches the events since the last poll, shows them oldest first, and keeps them.
    pub(crate) async fn poll_events(
        &mut self,
        progress: &mut dyn Progress,
    ) -> Result<(), DeployError> {
        let mut fresh: Vec<StackEvent> = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let request = self
                .client
                .describe_stack_events()
                .stack_name(&self.stack_id)
                .set_next_token(next_token);
            let output = match request.send().await {
                Ok(output) => output,
                Err(error) if is_missing_stack(&error) => break,
                Err(error) => return Err(DeployError::api("DescribeStackEvents", error)),
            };
            let page: Vec<StackEvent> =
                output.stack_events().iter().map(StackEvent::from).collect();
            let outcome = self.cursor.scan_page(&page);
            fresh.extend(outcome.fresh);
            next_token = output.next_token().map(str::to_owned);
            if outcome.reached_seen || next_token.is_none() {
                break;
            }
        }
        self.cursor.mark_seen(&fresh);
        fresh.reverse();
        let elapsed = self.started.elapsed();
        for event in &fresh {
            progress.event(elapsed, event);
        }
        self.events.extend(fresh);
        Ok(())
    }

    /// Polls until the stack leaves `*_IN_PROGRESS`. `None` means the stack is gone.
    pub(crate) async fn wait(
        &mut self,
        settings: &PollSettings,
        stack_name: &str,
        what: &'static str,
        progress: &mut dyn Progress,
    ) -> Result<Option<Stack>, DeployError> {
        let mut backoff = Backoff::new(settings);
        let waiting_since = Instant::now();
        loop {
            // Status first, events second: the events fetched after a final status include the
            // events that led to it.
            let stack = describe_stack(self.client, &self.stack_id).await?;
            self.poll_events(progress).await?;
            match &stack {
                Some(found) if is_in_progress(status_of(found)) => {}
                _ => return Ok(stack),
            }
            if waiting_since.elapsed() >= settings.stack_timeout {
                return Err(DeployError::Timeout {
                    stack_name: stack_name.to_owned(),
                    what,
                    waited: waiting_since.elapsed(),
                    hint: format!(
                        "CloudFormation carries on without us; follow it with \
                         `aws cloudformation describe-stack-events --stack-name {stack_name}`"
                    ),
                });
            }
            progress.tick(self.started.elapsed());
            tokio::time::sleep(backoff.next_interval()).await;
        }
    }

    /// This operation's events so far, oldest first.
    pub(crate) fn events(&self) -> &[StackEvent] {
        &self.events
    }
}
