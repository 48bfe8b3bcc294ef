#![allow(clippy::unwrap_used)]
use super::*;
use std::collections::HashMap;
use telemetry_kinesis_contract::settings::BUFFER_CAP_BYTES;

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults() {
    let config = config(&[]).unwrap();
    assert_eq!(
        config.stream,
        StreamTarget::Name("telemetry-kinesis-stream".into())
    );
    assert_eq!(config.listener_host, None);
    assert_eq!(config.listener_port, 4243);
    assert_eq!(config.destination_host, "sandbox.localdomain");
    assert_eq!(config.types.len(), 3);
    assert_eq!(
        config.buffering,
        Buffering {
            max_items: 1000,
            max_bytes: 262_144,
            timeout_ms: 25
        }
    );
    assert_eq!(config.record_format, RecordFormat::Json);
    assert_eq!(config.flush, FlushStrategy::Adaptive);
    assert_eq!(config.buffer_cap_bytes.get(), 8 * 1024 * 1024);
    assert_eq!(config.spill, Spill::On);
}

#[test]
fn overrides_are_trimmed() {
    let config = config(&[
        (STREAM_NAME, " s "),
        (LISTENER_HOST, "127.0.0.1 "),
        (LISTENER_PORT, " 5000"),
        (DESTINATION_HOST, " sandbox "),
        (TYPES, "function, platform"),
        (BUFFERING_TIMEOUT_MS, "500"),
        (RECORD_FORMAT, "kpl "),
        (FLUSH, " end"),
        (BUFFER_CAP_BYTES, "2000000"),
        (FUNCTION_NAME, "f"),
        (FUNCTION_VERSION, "$LATEST"),
        (REGION, "eu-west-1"),
    ])
    .unwrap();
    assert_eq!(config.stream, StreamTarget::Name("s".into()));
    assert_eq!(config.listener_host, Some(IpAddr::from([127, 0, 0, 1])));
    assert_eq!(config.listener_port, 5000);
    assert_eq!(config.destination_host, "sandbox");
    assert_eq!(
        config.types,
        vec![TelemetryType::Function, TelemetryType::Platform]
    );
    assert_eq!(config.buffering.timeout_ms, 500);
    assert_eq!(config.record_format, RecordFormat::Kpl);
    assert_eq!(config.flush, FlushStrategy::End);
    assert_eq!(config.buffer_cap_bytes.get(), 2_000_000);
    assert_eq!(config.function.version, "$LATEST");
}

#[test]
fn a_stream_arn_is_a_stream() {
    let arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/shared";
    let config = config(&[(STREAM_NAME, arn)]).unwrap();
    assert_eq!(config.stream.arn(), Some(arn));
    assert_eq!(config.stream.name(), "shared");
}

#[test]
fn buffer_cap_follows_memory() {
    let config = config(&[(FUNCTION_MEMORY_SIZE, "512")]).unwrap();
    assert_eq!(config.buffer_cap_bytes.get(), 32 * 1024 * 1024);
}

#[test]
fn invalid_values_name_the_variable() {
    let cases = [
        (STREAM_NAME, "bad name!"),
        (STREAM_NAME, "arn:aws:kinesis:eu-west-1:1:stream/s"),
        (LISTENER_HOST, "sandbox"),
        (LISTENER_PORT, "9001"),
        (LISTENER_PORT, "0"),
        (LISTENER_PORT, "70000"),
        (DESTINATION_HOST, "http:// 2000 :4243"),
        (DESTINATION_HOST, "-bad-.example"),
        (TYPES, "platform,logs"),
        (TYPES, ","),
        (BUFFERING_MAX_ITEMS, "10"),
        (BUFFERING_MAX_BYTES, "2000000"),
        (BUFFERING_TIMEOUT_MS, "x"),
        (RECORD_FORMAT, "avro"),
        (FLUSH, "never"),
        (BUFFER_CAP_BYTES, "1000"),
        (BUFFER_CAP_BYTES, "99999999999999"),
        (FUNCTION_MEMORY_SIZE, "lots"),
        (telemetry_kinesis_contract::settings::SPILL, "sometimes"),
    ];
    for (variable, value) in cases {
        let error = config(&[(variable, value)]).unwrap_err();
        assert_eq!(error.variable, variable, "{value}");
        let message = error.to_string();
        assert!(message.contains(variable), "{message}");
        assert!(message.contains("expected"), "{message}");
    }
    let message = config(&[(FLUSH, "never")]).unwrap_err().to_string();
    assert_eq!(
        message,
        "invalid TELEMETRY_KINESIS_FLUSH=\"never\": expected adaptive, end or background"
    );
    let message = config(&[(STREAM_NAME, "bad name!")])
        .unwrap_err()
        .to_string();
    assert!(message.contains("stream ARN"), "{message}");
}

#[test]
fn initialization_types() {
    let lookup = |value: &'static str| move |_: &str| Some(value.to_owned());
    assert_eq!(initialization_type(|_| None), InitializationType::OnDemand);
    assert_eq!(
        initialization_type(lookup("lambda-managed-instances")),
        InitializationType::ManagedInstances
    );
    assert!(!initialization_type(lookup("lambda-managed-instances")).offers_invoke());
    assert_eq!(
        initialization_type(lookup(" snap-start ")),
        InitializationType::SnapStart
    );
    assert_eq!(
        initialization_type(lookup("provisioned-concurrency")),
        InitializationType::ProvisionedConcurrency
    );
    let other = initialization_type(lookup("something-new"));
    assert_eq!(other, InitializationType::Other("something-new".into()));
    assert!(other.offers_invoke());
}

#[test]
fn runtime_api_forms() {
    let lookup = |value: &'static str| move |_: &str| Some(value.to_owned());
    assert_eq!(
        runtime_api(lookup("127.0.0.1:9001")).unwrap(),
        "127.0.0.1:9001"
    );
    assert_eq!(
        runtime_api(lookup("http://localhost:9001/")).unwrap(),
        "localhost:9001"
    );
    assert!(runtime_api(lookup("localhost")).is_err());
    assert!(
        runtime_api(|_| None)
            .unwrap_err()
            .to_string()
            .contains(RUNTIME_API)
    );
}
