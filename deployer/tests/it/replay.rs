//! A CloudFormation client answering from a script of responses shaped like AWS's documented
//! query-protocol XML, for the behaviour moto does not reproduce (see `tests/README.md`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_cloudformation::config::{BehaviorVersion, Region};
use aws_smithy_runtime::client::http::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use deployer::deploy::{Engine, PollSettings, Progress, StackEvent};

pub const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/app/5b918d10-b0c1-11ef-9d52-0affcd2e4a5b";
pub const CHANGE_SET_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/deployer-1/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d";

/// One scripted answer: HTTP status and body.
pub struct Answer(u16, String);

/// `<{action}Response><{action}Result>{inner}</..>` as CloudFormation answers it.
pub fn ok(action: &str, inner: &str) -> Answer {
    Answer(
        200,
        format!(
            r#"<{action}Response xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata></{action}Response>"#
        ),
    )
}

/// A query-protocol error answer.
pub fn error(code: &str, message: &str) -> Answer {
    Answer(
        400,
        format!(
            r#"<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>c2e3f4a5-example</RequestId></ErrorResponse>"#
        ),
    )
}

/// `DescribeStacks` of a stack that does not exist.
pub fn no_stack() -> Answer {
    error("ValidationError", "Stack with id app does not exist")
}

/// `DescribeStacks` with one stack.
pub fn stack(status: &str, parameters: &[(&str, &str)], outputs: &[(&str, &str)]) -> Answer {
    let parameters: String = parameters
        .iter()
        .map(|(key, value)| format!("<member><ParameterKey>{key}</ParameterKey><ParameterValue>{value}</ParameterValue></member>"))
        .collect();
    let outputs: String = outputs
        .iter()
        .map(|(key, value)| {
            format!(
                "<member><OutputKey>{key}</OutputKey><OutputValue>{value}</OutputValue></member>"
            )
        })
        .collect();
    ok(
        "DescribeStacks",
        &format!(
            "<Stacks><member><StackName>app</StackName><StackId>{STACK_ID}</StackId>\
             <CreationTime>2024-12-01T10:00:00.000Z</CreationTime><StackStatus>{status}</StackStatus>\
             <Parameters>{parameters}</Parameters><Outputs>{outputs}</Outputs><Tags/>\
             <Capabilities><member>CAPABILITY_IAM</member></Capabilities></member></Stacks>"
        ),
    )
}

/// One `StackEvents` member.
pub fn event(
    id: &str,
    logical_id: &str,
    resource_type: &str,
    status: &str,
    reason: Option<&str>,
) -> String {
    let reason = reason
        .map(|reason| format!("<ResourceStatusReason>{reason}</ResourceStatusReason>"))
        .unwrap_or_default();
    format!(
        "<member><StackId>{STACK_ID}</StackId><EventId>{id}</EventId><StackName>app</StackName>\
         <LogicalResourceId>{logical_id}</LogicalResourceId><PhysicalResourceId>{logical_id}-physical</PhysicalResourceId>\
         <ResourceType>{resource_type}</ResourceType><Timestamp>2024-12-01T10:00:00.000Z</Timestamp>\
         <ResourceStatus>{status}</ResourceStatus>{reason}</member>"
    )
}

/// `DescribeStackEvents`: events newest first, and the token of the next page if any.
pub fn events(newest_first: &[String], next_token: Option<&str>) -> Answer {
    let token = next_token
        .map(|token| format!("<NextToken>{token}</NextToken>"))
        .unwrap_or_default();
    ok(
        "DescribeStackEvents",
        &format!(
            "<StackEvents>{}</StackEvents>{token}",
            newest_first.concat()
        ),
    )
}

pub fn change_set_created() -> Answer {
    ok(
        "CreateChangeSet",
        &format!("<Id>{CHANGE_SET_ID}</Id><StackId>{STACK_ID}</StackId>"),
    )
}

pub fn change_set(status: &str, reason: Option<&str>) -> Answer {
    let reason = reason
        .map(|reason| format!("<StatusReason>{reason}</StatusReason>"))
        .unwrap_or_default();
    let execution = if status == "CREATE_COMPLETE" {
        "AVAILABLE"
    } else {
        "UNAVAILABLE"
    };
    ok(
        "DescribeChangeSet",
        &format!(
            "<ChangeSetName>deployer-1</ChangeSetName><ChangeSetId>{CHANGE_SET_ID}</ChangeSetId>\
             <StackId>{STACK_ID}</StackId><StackName>app</StackName><Status>{status}</Status>\
             <ExecutionStatus>{execution}</ExecutionStatus>{reason}<Changes/>"
        ),
    )
}

pub fn executed() -> Answer {
    ok("ExecuteChangeSet", "")
}

pub fn template(body: &str) -> Answer {
    ok(
        "GetTemplate",
        &format!(
            "<TemplateBody>{body}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>"
        ),
    )
}

/// `DeleteStack` has no result element.
pub fn stack_deleted() -> Answer {
    Answer(
        200,
        r#"<DeleteStackResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ResponseMetadata><RequestId>d4e5-example</RequestId></ResponseMetadata></DeleteStackResponse>"#.to_owned(),
    )
}

pub fn change_set_deleted() -> Answer {
    ok("DeleteChangeSet", "")
}

/// An engine whose client plays `answers` in order, polling every millisecond.
pub fn engine(answers: Vec<Answer>) -> (Engine, StaticReplayClient) {
    let replay = StaticReplayClient::new(
        answers
            .into_iter()
            .map(|Answer(status, body)| {
                ReplayEvent::new(
                    http::Request::builder()
                        .uri("https://cloudformation.us-east-1.amazonaws.com/")
                        .body(SdkBody::empty())
                        .unwrap(),
                    http::Response::builder()
                        .status(status)
                        .body(SdkBody::from(body))
                        .unwrap(),
                )
            })
            .collect(),
    );
    let config = aws_sdk_cloudformation::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .http_client(replay.clone())
        .build();
    let poll = PollSettings {
        initial: Duration::from_millis(1),
        max: Duration::from_millis(1),
        change_set_timeout: Duration::from_secs(10),
        stack_timeout: Duration::from_secs(10),
    };
    (
        Engine::new(aws_sdk_cloudformation::Client::from_conf(config), poll),
        replay,
    )
}

/// The `Action` of every request the client received, in order.
pub fn actions(replay: &StaticReplayClient) -> Vec<String> {
    replay
        .actual_requests()
        .map(|request| {
            let body = std::str::from_utf8(request.body().bytes().unwrap_or_default())
                .unwrap_or_default()
                .to_owned();
            body.split('&')
                .find_map(|pair| pair.strip_prefix("Action="))
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The form parameters of the `index`th request.
pub fn request_body(replay: &StaticReplayClient, index: usize) -> String {
    let request = replay.actual_requests().nth(index).unwrap();
    std::str::from_utf8(request.body().bytes().unwrap())
        .unwrap()
        .to_owned()
}

/// Records what the engine reports.
#[derive(Clone, Default)]
pub struct Recorder {
    pub events: Arc<Mutex<Vec<StackEvent>>>,
    pub notes: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    pub fn event_ids(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|event| event.event_id.clone())
            .collect()
    }

    pub fn notes(&self) -> Vec<String> {
        self.notes.lock().unwrap().clone()
    }
}

impl Progress for Recorder {
    fn event(&mut self, _elapsed: Duration, event: &StackEvent) {
        self.events.lock().unwrap().push(event.clone());
    }

    fn note(&mut self, text: &str) {
        self.notes.lock().unwrap().push(text.to_owned());
    }
}
