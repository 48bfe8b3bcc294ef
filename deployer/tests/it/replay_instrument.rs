//! Lambda answering from a script of responses shaped like its documented REST-JSON, for
//! what moto never does to `instrument` (see `tests/README.md`): throttling, functions busy
//! with an update, conflicting updates, failed updates, functions changed since read.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Region};
use aws_smithy_runtime::client::http::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use deployer::instrument::{Change, FunctionError, FunctionState, Lambda, Patience};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

/// One scripted answer: status, error type (for errors) and body.
struct Answer(u16, Option<&'static str>, String);

fn configuration(state: &str, status: &str, reason: Option<&str>) -> String {
    let reason = reason
        .map(|reason| format!(r#","LastUpdateStatusReason":"{reason}""#))
        .unwrap_or_default();
    format!(
        r#"{{"FunctionName":"f","FunctionArn":"{ARN}","Runtime":"python3.13","Role":"arn:aws:iam::123456789012:role/r","Layers":[],"Environment":{{"Variables":{{}}}},"RevisionId":"r1","State":"{state}","LastUpdateStatus":"{status}"{reason}}}"#
    )
}

fn settled() -> Answer {
    Answer(200, None, configuration("Active", "Successful", None))
}

fn busy() -> Answer {
    Answer(200, None, configuration("Active", "InProgress", None))
}

fn error(status: u16, code: &'static str, message: &str) -> Answer {
    Answer(
        status,
        Some(code),
        format!(r#"{{"Type":"User","message":"{message}"}}"#),
    )
}

fn scripted(answers: Vec<Answer>, settle_timeout: Duration) -> (Lambda, StaticReplayClient) {
    let replay = StaticReplayClient::new(
        answers
            .into_iter()
            .map(|Answer(status, code, body)| {
                let mut response = http::Response::builder()
                    .status(status)
                    .header("content-type", "application/json");
                if let Some(code) = code {
                    response = response.header("x-amzn-errortype", code);
                }
                ReplayEvent::new(
                    http::Request::builder()
                        .uri("https://lambda.us-east-1.amazonaws.com/")
                        .body(SdkBody::empty())
                        .unwrap(),
                    response.body(SdkBody::from(body)).unwrap(),
                )
            })
            .collect(),
    );
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .http_client(replay.clone())
        // Only our own retries, so the script is exactly the calls made.
        .retry_config(RetryConfig::disabled())
        .build();
    let patience = Patience {
        poll: Duration::from_millis(1),
        settle_timeout,
        throttled_attempts: 3,
        first_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
    };
    (
        Lambda::new(aws_sdk_lambda::Client::from_conf(config), patience),
        replay,
    )
}

/// `METHOD path` of every request made.
fn calls(replay: &StaticReplayClient) -> Vec<String> {
    replay
        .actual_requests()
        .map(|request| {
            let path = request
                .uri()
                .split("amazonaws.com")
                .nth(1)
                .unwrap_or_default();
            let path = path.split('?').next().unwrap_or_default();
            format!("{} {path}", request.method())
        })
        .collect()
}

fn function() -> FunctionState {
    FunctionState {
        name: "f".to_owned(),
        arn: ARN.to_owned(),
        revision: Some("r1".to_owned()),
        ..FunctionState::default()
    }
}

fn change() -> Change {
    Change {
        layers_after: vec!["arn:aws:lambda:us-east-1:123456789012:layer:x:1".to_owned()],
        variables_after: BTreeMap::from([("K".to_owned(), "v".to_owned())]),
        ..Change::default()
    }
}

const GET_CONFIGURATION: &str = "GET /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/configuration";
const PUT_CONFIGURATION: &str = "PUT /2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/configuration";

#[tokio::test]
async fn gap_throttled_calls_are_retried_with_backoff_then_named() {
    let get = || {
        Answer(
            200,
            None,
            format!(
                r#"{{"Configuration":{},"Tags":{{"team":"a"}}}}"#,
                configuration("Active", "Successful", None)
            ),
        )
    };
    let throttled = || error(429, "TooManyRequestsException", "Rate exceeded");
    let (lambda, replay) = scripted(
        vec![throttled(), throttled(), get()],
        Duration::from_secs(1),
    );
    let function = lambda.function("f").await.unwrap();
    assert_eq!(function.tags["team"], "a");
    assert_eq!(calls(&replay).len(), 3);

    let (lambda, replay) = scripted(
        vec![throttled(), throttled(), throttled()],
        Duration::from_secs(1),
    );
    let error = lambda.function("f").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Lambda GetFunction failed: TooManyRequestsException: Rate exceeded"
    );
    assert_eq!(calls(&replay).len(), 3, "at most throttled_attempts calls");
}

#[tokio::test]
async fn gap_the_update_waits_while_the_function_is_busy_before_and_after() {
    let (lambda, replay) = scripted(
        vec![busy(), settled(), busy(), busy(), settled()],
        Duration::from_secs(5),
    );
    lambda.update(&function(), &change()).await.unwrap();
    assert_eq!(
        calls(&replay),
        [
            GET_CONFIGURATION,
            GET_CONFIGURATION,
            PUT_CONFIGURATION,
            GET_CONFIGURATION,
            GET_CONFIGURATION
        ]
    );
    let body = replay
        .actual_requests()
        .nth(2)
        .unwrap()
        .body()
        .bytes()
        .unwrap()
        .to_vec();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body["RevisionId"], "r1",
        "only the revision that was read is updated"
    );
    assert_eq!(body["Environment"]["Variables"]["K"], "v");
    assert_eq!(
        body["Layers"][0],
        "arn:aws:lambda:us-east-1:123456789012:layer:x:1"
    );
}

#[tokio::test]
async fn gap_a_conflicting_update_is_waited_out_and_retried() {
    let (lambda, replay) = scripted(
        vec![
            settled(),
            error(409, "ResourceConflictException", "An update is in progress"),
            settled(),
            busy(),
            settled(),
        ],
        Duration::from_secs(5),
    );
    lambda.update(&function(), &change()).await.unwrap();
    assert_eq!(
        calls(&replay),
        [
            GET_CONFIGURATION,
            PUT_CONFIGURATION,
            GET_CONFIGURATION,
            PUT_CONFIGURATION,
            GET_CONFIGURATION
        ]
    );
}

#[tokio::test]
async fn gap_a_failed_update_reports_lambdas_reason() {
    let failed = Answer(
        200,
        None,
        configuration("Active", "Failed", Some("The role cannot be assumed")),
    );
    let (lambda, _) = scripted(vec![settled(), busy(), failed], Duration::from_secs(5));
    let error = lambda.update(&function(), &change()).await.unwrap_err();
    assert_eq!(
        error,
        FunctionError::UpdateFailed("The role cannot be assumed".to_owned())
    );
}

#[tokio::test]
async fn gap_a_function_busy_past_the_timeout_is_given_up() {
    let (lambda, replay) = scripted(vec![busy()], Duration::ZERO);
    let error = lambda.update(&function(), &change()).await.unwrap_err();
    assert!(matches!(error, FunctionError::Busy(_)), "{error}");
    assert_eq!(calls(&replay), [GET_CONFIGURATION]);
}

#[tokio::test]
async fn gap_a_function_changed_since_read_is_seen_as_stale() {
    let (lambda, _) = scripted(
        vec![
            settled(),
            error(
                412,
                "PreconditionFailedException",
                "The Revision Id provided does not match",
            ),
        ],
        Duration::from_secs(5),
    );
    let error = lambda.update(&function(), &change()).await.unwrap_err();
    assert!(error.is_stale(), "{error}");
}
