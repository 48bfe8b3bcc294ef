use serde_json::{Value, json};

use super::*;
use crate::options::{FlushStrategy, RecordFormat};
use crate::stack::SAMPLE_FUNCTION_SOURCE;
use crate::stack::resource_named_by;

fn rendered(options: &StackOptions) -> Value {
    serde_json::to_value(template(options)).unwrap()
}

#[test]
fn sample_function_role_has_the_write_policy() {
    let template = rendered(&StackOptions::default());
    let role = &template["Resources"][resources::FUNCTION_ROLE]["Properties"];
    assert_eq!(
        role["ManagedPolicyArns"],
        json!([{"Ref": resources::WRITE_POLICY}])
    );
    let function = &template["Resources"][resources::FUNCTION]["Properties"];
    assert_eq!(function["Layers"], json!([{"Ref": resources::LAYER}]));
    assert_eq!(
        function["LoggingConfig"]["LogGroup"],
        json!({"Ref": resources::FUNCTION_LOG_GROUP})
    );
}

#[test]
fn write_policy_allows_only_puts_on_the_stream() {
    let template = rendered(&StackOptions::default());
    let statements = &template["Resources"][resources::WRITE_POLICY]["Properties"]["PolicyDocument"]
        ["Statement"];
    assert_eq!(
        statements,
        &json!([{
            "Sid": "PutTelemetryRecords",
            "Effect": "Allow",
            "Action": ["kinesis:PutRecord", "kinesis:PutRecords"],
            "Resource": [{"Fn::GetAtt": [resources::STREAM, "Arn"]}],
        }])
    );
}

#[test]
fn customer_key_adds_generate_data_key() {
    let key_arn = "arn:aws:kms:eu-west-1:123456789012:key/abc".to_owned();
    let options = StackOptions {
        encryption: Encryption::CustomerKey {
            key_arn: key_arn.clone(),
        },
        ..StackOptions::default()
    };
    let template = rendered(&options);
    let statements = &template["Resources"][resources::WRITE_POLICY]["Properties"]["PolicyDocument"]
        ["Statement"];
    assert_eq!(statements[1]["Action"], json!(["kms:GenerateDataKey"]));
    assert_eq!(statements[1]["Resource"], json!([key_arn]));
    assert_eq!(
        template["Resources"][resources::STREAM]["Properties"]["StreamEncryption"]["KeyId"],
        json!(key_arn)
    );
}

#[test]
fn function_carries_the_extension_settings() {
    let options = StackOptions {
        record_format: RecordFormat::Kpl,
        flush: FlushStrategy::End,
        ..StackOptions::default()
    };
    let template = rendered(&options);
    assert_eq!(
        template["Resources"][resources::FUNCTION]["Properties"]["Environment"]["Variables"],
        json!({
            "TELEMETRY_KINESIS_FLUSH": "end",
            "TELEMETRY_KINESIS_RECORD_FORMAT": "kpl",
            "TELEMETRY_KINESIS_STREAM_NAME": {"Ref": resources::STREAM},
        })
    );
}

#[test]
fn outputs_are_exported_under_the_stack_name() {
    let template = template(&StackOptions::default());
    let names: Vec<&str> = template.outputs().keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            outputs::STREAM_NAME,
            outputs::STREAM_ARN,
            outputs::LAYER_VERSION_ARN,
            outputs::WRITE_POLICY_ARN,
            outputs::FUNCTION_NAME
        ]
    );
    let json = serde_json::to_value(&template).unwrap();
    for name in names {
        assert_eq!(
            json["Outputs"][name]["Export"]["Name"],
            json!({"Fn::Sub": format!("${{AWS::StackName}}-{name}")})
        );
    }
}

#[test]
fn without_sample_function() {
    let options = StackOptions {
        sample_function: false,
        ..StackOptions::default()
    };
    let template = template(&options);
    let resources: Vec<&str> = template.resources().keys().map(String::as_str).collect();
    assert_eq!(
        resources,
        [resources::STREAM, resources::LAYER, resources::WRITE_POLICY]
    );
    assert!(template.outputs().get(outputs::FUNCTION_NAME).is_none());
}

#[test]
fn only_an_unencrypted_stream_skips_the_encryption_check() {
    let encrypted = rendered(&StackOptions::default());
    assert!(encrypted["Resources"][resources::STREAM]["Metadata"].is_null());
    let unencrypted = rendered(&StackOptions {
        encryption: Encryption::None,
        ..StackOptions::default()
    });
    assert_eq!(
        unencrypted["Resources"][resources::STREAM]["Metadata"]["checkov"]["skip"],
        json!([{"id": "CKV_AWS_43", "comment": SKIP_STREAM_ENCRYPTION.comment}])
    );
}

#[test]
fn on_demand_stream_has_no_shard_count() {
    let options = StackOptions {
        capacity: Capacity::OnDemand,
        encryption: Encryption::None,
        ..StackOptions::default()
    };
    let stream = &rendered(&options)["Resources"][resources::STREAM]["Properties"];
    assert_eq!(
        stream,
        &json!({
            "Name": "telemetry-kinesis-stream",
            "StreamModeDetails": {"StreamMode": "ON_DEMAND"},
            "RetentionPeriodHours": 24,
        })
    );
}

#[test]
fn inline_code_fits_lambda_limit() {
    // Lambda accepts at most 4096 characters of inline ZipFile code.
    assert!(SAMPLE_FUNCTION_SOURCE.len() <= 4096);
}

#[test]
fn rendering_is_deterministic() {
    let options = StackOptions::default();
    assert_eq!(
        template(&options).to_yaml().unwrap(),
        template(&options).to_yaml().unwrap()
    );
}

#[test]
fn name_outputs_resolve_to_their_resources() {
    assert_eq!(
        resource_named_by(outputs::STREAM_NAME),
        Some(resources::STREAM)
    );
    assert_eq!(
        resource_named_by(outputs::FUNCTION_NAME),
        Some(resources::FUNCTION)
    );
    assert_eq!(resource_named_by(outputs::STREAM_ARN), None);
}
