//! Invoking the deployed function with aws-sdk-lambda (synchronous `RequestResponse`).

use std::time::Instant;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;

use super::{FunctionError, Invocation};
use crate::aws::CallFailure;

/// Why an invocation could not be made (a function error is an [`Invocation`] instead).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RemoteError {
    /// No such function in this account and region.
    #[error("function `{function}` does not exist")]
    #[diagnostic(help("check the region, or deploy the sample function with `deployer up`"))]
    FunctionNotFound {
        /// The function name.
        function: String,
    },
    /// The call itself failed.
    #[error("invoking `{function}`: {failure}")]
    #[diagnostic(help(
        "the credentials need lambda:InvokeFunction on the function; check the network and \
         the endpoint (--endpoint-url, AWS_ENDPOINT_URL); RUST_LOG=debug shows the whole error chain"
    ))]
    Invoke {
        /// The function name.
        function: String,
        /// What failed.
        failure: CallFailure,
    },
}

/// Invokes `function` once with `payload` and waits for its response.
pub async fn invoke(
    client: &Client,
    function: &str,
    payload: &[u8],
) -> Result<Invocation, RemoteError> {
    let started = Instant::now();
    let output = client
        .invoke()
        .function_name(function)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|error| classify(function, error))?;
    let duration = started.elapsed();
    let request_id = output.request_id().unwrap_or("-").to_owned();
    let payload = output
        .payload()
        .map(|blob| blob.as_ref())
        .unwrap_or_default();
    Ok(match output.function_error() {
        Some(kind) => Invocation::failure(
            request_id,
            duration,
            FunctionError::from_payload(Some(kind), payload),
        ),
        None if (200..300).contains(&output.status_code()) => {
            Invocation::success(request_id, duration)
        }
        None => Invocation::failure(
            request_id,
            duration,
            FunctionError::from_payload(None, payload),
        ),
    })
}

fn classify<E, R>(function: &str, error: SdkError<E, R>) -> RemoteError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match error.code() {
        Some("ResourceNotFoundException") => RemoteError::FunctionNotFound {
            function: function.to_owned(),
        },
        _ => RemoteError::Invoke {
            function: function.to_owned(),
            failure: CallFailure::from_sdk("Lambda", "Invoke", &error),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use aws_credential_types::Credentials;
    use aws_sdk_lambda::config::{BehaviorVersion, Region};
    use aws_smithy_runtime::client::http::test_util::{ReplayEvent, StaticReplayClient};
    use aws_smithy_types::body::SdkBody;

    fn client(status: u16, headers: &[(&str, &str)], body: &str) -> (Client, StaticReplayClient) {
        let mut response = http::Response::builder().status(status);
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        let replay = StaticReplayClient::new(vec![ReplayEvent::new(
            http::Request::builder()
                .uri("https://lambda.us-east-1.amazonaws.com/")
                .body(SdkBody::empty())
                .unwrap(),
            response.body(SdkBody::from(body)).unwrap(),
        )]);
        let config = aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::for_tests())
            .http_client(replay.clone())
            .build();
        (Client::from_conf(config), replay)
    }

    #[tokio::test]
    async fn request_shape_and_success() {
        let (client, replay) = client(
            200,
            &[
                ("x-amzn-RequestId", "req-1"),
                ("X-Amz-Executed-Version", "$LATEST"),
            ],
            r#"{"ok":true}"#,
        );
        let invocation = invoke(&client, "sample", br#"{"hello":"world"}"#)
            .await
            .unwrap();
        assert_eq!(invocation.request_id, "req-1");
        assert!(!invocation.failed());
        let requests = replay.actual_requests().collect::<Vec<_>>();
        assert_eq!(requests.len(), 1);
        let request = requests[0];
        assert_eq!(request.method(), "POST");
        assert_eq!(
            request.uri(),
            "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/sample/invocations"
        );
        assert_eq!(request.body().bytes().unwrap(), br#"{"hello":"world"}"#);
    }

    #[tokio::test]
    async fn function_errors_are_invocations() {
        let (client, _) = client(
            200,
            &[
                ("x-amzn-RequestId", "req-2"),
                ("X-Amz-Function-Error", "Unhandled"),
            ],
            r#"{"errorMessage":"boom"}"#,
        );
        let invocation = invoke(&client, "sample", b"{}").await.unwrap();
        assert!(invocation.failed());
        let error = invocation.error.unwrap();
        assert_eq!(error.error_type.as_deref(), Some("Unhandled"));
        assert_eq!(error.error_message.as_deref(), Some("boom"));
        assert_eq!(invocation.request_id, "req-2");
    }

    #[tokio::test]
    async fn missing_functions_are_named() {
        let (client, _) = client(
            404,
            &[("x-amzn-ErrorType", "ResourceNotFoundException")],
            r#"{"Type":"User","message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"}"#,
        );
        let error = invoke(&client, "nope", b"{}").await.unwrap_err();
        assert_eq!(error.to_string(), "function `nope` does not exist");
    }
}
