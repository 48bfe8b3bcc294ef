//! Init failures reach `init/error` with a message a person can act on.

use std::time::Duration;

use crate::control_plane::{ControlPlane, TelemetryAnswer};
use crate::process::{Extension, free_port, lambda_env};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn bad_config_reaches_init_error_naming_the_variable() {
    let control = ControlPlane::start(TelemetryAnswer::Ok).await;
    let mut env = lambda_env(&control, free_port());
    env.push(("TELEMETRY_KINESIS_FLUSH".into(), "sometimes".into()));
    let mut extension = Extension::spawn(env);
    let error = control.wait_error(WAIT).await;
    assert_eq!(error.path, "/2020-01-01/extension/init/error");
    assert_eq!(error.error_type, "Extension.ConfigInvalid");
    let message = error.body["errorMessage"].as_str().unwrap();
    assert!(message.contains("TELEMETRY_KINESIS_FLUSH"), "{message}");
    assert!(message.contains("adaptive, end or background"), "{message}");
    assert_eq!(
        control.registered_name().as_deref(),
        Some("telemetry-kinesis-extension")
    );
    assert!(!extension.wait(WAIT).await.success());
}

#[tokio::test]
async fn an_invalid_stream_name_is_an_init_error() {
    let control = ControlPlane::start(TelemetryAnswer::Ok).await;
    let mut env = lambda_env(&control, free_port());
    env.push(("TELEMETRY_KINESIS_STREAM_NAME".into(), "bad name!".into()));
    let mut extension = Extension::spawn(env);
    let error = control.wait_error(WAIT).await;
    assert_eq!(error.error_type, "Extension.ConfigInvalid");
    let message = error.body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("TELEMETRY_KINESIS_STREAM_NAME"),
        "{message}"
    );
    assert!(message.contains("stream ARN"), "{message}");
    assert!(!extension.wait(WAIT).await.success());
}

#[tokio::test]
async fn failing_telemetry_api_reaches_init_error() {
    for answer in [TelemetryAnswer::Status(500), TelemetryAnswer::Hangup] {
        let control = ControlPlane::start(answer).await;
        let mut extension = Extension::spawn(lambda_env(&control, free_port()));
        let error = control.wait_error(WAIT).await;
        assert_eq!(error.path, "/2020-01-01/extension/init/error");
        assert_eq!(error.error_type, "Extension.TelemetrySubscribeFailed");
        let message = error.body["errorMessage"].as_str().unwrap();
        assert!(message.contains("Telemetry API subscription"), "{message}");
        assert!(!extension.wait(WAIT).await.success(), "{answer:?}");
    }
}

#[tokio::test]
async fn port_in_use_reaches_init_error() {
    let control = ControlPlane::start(TelemetryAnswer::Ok).await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut env = lambda_env(&control, taken.local_addr().unwrap().port());
    env.push(("TELEMETRY_KINESIS_LISTENER_HOST".into(), "127.0.0.1".into()));
    let mut extension = Extension::spawn(env);
    let error = control.wait_error(WAIT).await;
    assert_eq!(error.error_type, "Extension.ListenerFailed");
    assert!(!extension.wait(WAIT).await.success());
}

#[tokio::test]
async fn subscribes_with_schema_types_and_buffering() {
    let control = ControlPlane::start(TelemetryAnswer::Ok).await;
    let port = free_port();
    let mut env = lambda_env(&control, port);
    env.push(("TELEMETRY_KINESIS_TYPES".into(), "platform,function".into()));
    env.push((
        "TELEMETRY_KINESIS_BUFFERING_TIMEOUT_MS".into(),
        "100".into(),
    ));
    let mut extension = Extension::spawn(env);
    let subscription = control.wait_subscribed(WAIT).await;
    assert_eq!(subscription["schemaVersion"], "2025-01-29");
    assert_eq!(
        subscription["destination"]["URI"],
        format!("http://sandbox.localdomain:{port}")
    );
    assert_eq!(
        subscription["types"],
        serde_json::json!(["platform", "function"])
    );
    assert_eq!(subscription["buffering"]["timeoutMs"], 100);
    control.wait_next_polls(1, WAIT).await;
    control.shutdown(Duration::from_secs(2));
    assert!(extension.wait(WAIT).await.success());
}
