//! Where lambda-simulator 0.2 differs from Lambda in ways that matter to us: each test shows
//! the simulator's behaviour and that the sandbox works around it.

use crate::support::{EXTENSION, extension_layer, of_type, read_events, scripted, wrapper};
use sandbox::lambda_simulator::Simulator;
use sandbox::{Layer, LineFormat, Sandbox, SandboxConfig, Script};
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.1 exchange on a fresh connection; returns the head and body as text.
async fn raw_http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> String {
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response.to_lowercase()
}

#[tokio::test]
async fn lambda_simulator_rejects_register_without_a_json_content_type() {
    let simulator = Simulator::builder().build().await.unwrap();
    let response = raw_http(
        simulator.addr(),
        "POST",
        "/2020-01-01/extension/register",
        "Lambda-Extension-Name: x\r\n",
        r#"{"events":["INVOKE"]}"#,
    )
    .await;
    assert!(response.starts_with("http/1.1 415"), "{response}");
    simulator.shutdown().await;
    // The test extension registers with urllib's form content type, as Lambda allows; every
    // sandbox test shows the sandbox relabels it.
}

#[tokio::test]
async fn lambda_simulator_serves_invocation_events_as_text_plain() {
    let simulator = Simulator::builder().build().await.unwrap();
    simulator.enqueue_payload(json!({"a": 1})).await;
    let response = raw_http(
        simulator.addr(),
        "GET",
        "/2018-06-01/runtime/invocation/next",
        "",
        "",
    )
    .await;
    assert!(response.contains("content-type: text/plain"), "{response}");
    simulator.shutdown().await;
    // awslambdaric hands a non-JSON event to the handler as bytes; the awslambdaric lifecycle
    // test's handler reads a dict because the sandbox labels events application/json.
}

#[tokio::test]
async fn lambda_simulator_has_no_extension_init_error_route() {
    let simulator = Simulator::builder().build().await.unwrap();
    let response = raw_http(
        simulator.addr(),
        "POST",
        "/2020-01-01/extension/init/error",
        "Lambda-Extension-Identifier: x\r\nLambda-Extension-Function-Error-Type: Extension.Bad\r\n",
        "{}",
    )
    .await;
    assert!(response.starts_with("http/1.1 404"), "{response}");
    simulator.shutdown().await;
    // The sandbox answers init/error and fails INIT: see
    // failures::an_extension_init_error_fails_init.
}

#[tokio::test]
async fn lambda_simulator_emits_no_function_events_and_the_sandbox_delivers_them() {
    let dir = tempfile::tempdir().unwrap();
    let events_file = dir.path().join("events.jsonl");
    let script = Script {
        lines_per_invoke: 3,
        format: LineFormat::Text,
        ..Script::default()
    };
    let config = SandboxConfig::new(extension_layer(dir.path(), &[EXTENSION]), scripted(script))
        .env(
            "TEST_EXTENSION_EVENTS_FILE",
            events_file.display().to_string(),
        );
    let mut sandbox = Sandbox::start(config).await.unwrap();
    sandbox.invoke(json!({})).await.unwrap();
    let simulator_types: Vec<String> = sandbox
        .simulator()
        .get_telemetry_events()
        .await
        .into_iter()
        .map(|event| event.event_type)
        .collect();
    assert!(
        simulator_types
            .iter()
            .all(|event_type| event_type.starts_with("platform.")),
        "{simulator_types:?}"
    );
    sandbox.shutdown().await.unwrap();
    assert_eq!(of_type(&read_events(&events_file), "function").len(), 3);
}

#[tokio::test]
async fn bare_sandbox_destination_host_is_delivered_although_lambda_simulator_maps_only_sandbox_localdomain()
 {
    let dir = tempfile::tempdir().unwrap();
    let events_file = dir.path().join("events.jsonl");
    let script = Script {
        lines_per_invoke: 2,
        ..Script::default()
    };
    let config = SandboxConfig::new(extension_layer(dir.path(), &[EXTENSION]), scripted(script))
        .env(
            "TEST_EXTENSION_EVENTS_FILE",
            events_file.display().to_string(),
        )
        .env("TEST_EXTENSION_DESTINATION_HOST", "sandbox");
    let mut sandbox = Sandbox::start(config).await.unwrap();
    sandbox.invoke(json!({})).await.unwrap();
    sandbox.shutdown().await.unwrap();
    let events = read_events(&events_file);
    assert_eq!(of_type(&events, "function").len(), 2);
    assert!(
        !of_type(&events, "platform.start").is_empty(),
        "{events:#?}"
    );
}

#[tokio::test]
async fn a_layer_zip_is_extracted_with_its_mode_bits() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("layer.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    zip.start_file(format!("extensions/{EXTENSION}"), options)
        .unwrap();
    zip.write_all(wrapper(EXTENSION).as_bytes()).unwrap();
    zip.finish().unwrap();

    let config = SandboxConfig::new(Layer::Zip(zip_path), scripted(Script::default()));
    let mut sandbox = Sandbox::start(config).await.unwrap();
    assert_eq!(sandbox.init_report().extensions[0].name, EXTENSION);
    sandbox.invoke(json!({})).await.unwrap();
    assert!(sandbox.shutdown().await.unwrap().deadline_met);
}
