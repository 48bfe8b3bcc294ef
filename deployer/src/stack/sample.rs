//! The sample function: a Python function with the extension layer, its own log group, and
//! a role that may write to that log group and to the stream, nothing else. Security scanner
//! checks that do not fit a sample function are skipped in the template, each with its reason.

use std::collections::BTreeMap;

use telemetry_kinesis_contract::settings;

use super::resources;
use crate::options::StackOptions;
use crate::template::resources::{
    Environment, Function, FunctionCode, InlinePolicy, KinesisStream, LayerVersion, LogGroup,
    LoggingConfig, ManagedPolicy, PolicyDocument, Role, Statement,
};
use crate::template::{Expr, Handle, SkippedCheck, Template};

/// The sample function's handler source, embedded at build time.
pub const SAMPLE_FUNCTION_SOURCE: &str = include_str!("../../../examples/sample-function/index.py");
/// The sample function's runtime.
pub const SAMPLE_FUNCTION_RUNTIME: &str = "python3.13";
/// The name of the role's policy for its log group.
pub const LOG_POLICY_NAME: &str = "WriteOwnLogGroup";
/// The only CloudWatch Logs actions the function needs: Lambda writes its output to streams
/// of the log group the stack created, so it never creates a group.
pub const LOG_ACTIONS: [&str; 2] = ["logs:CreateLogStream", "logs:PutLogEvents"];

/// CKV_AWS_116, a dead-letter queue.
pub const SKIP_DEAD_LETTER_QUEUE: SkippedCheck = SkippedCheck {
    id: "CKV_AWS_116",
    comment: "Invoked synchronously (deployer invoke, deployer verify): a dead-letter queue \
              only ever receives failed asynchronous invocations",
};
/// CKV_AWS_117, a VPC.
pub const SKIP_VPC: SkippedCheck = SkippedCheck {
    id: "CKV_AWS_117",
    comment: "Reaches only public AWS endpoints (Kinesis, through the extension): a VPC would \
              need subnets and a Kinesis endpoint or NAT this stack does not own, and would \
              protect nothing",
};
/// CKV_AWS_173, a customer key for the environment variables.
pub const SKIP_ENVIRONMENT_KEY: SkippedCheck = SkippedCheck {
    id: "CKV_AWS_173",
    comment: "The environment holds only the stream name, record format and flush strategy, \
              no secret; Lambda encrypts it at rest with an AWS managed key",
};
/// CKV_AWS_158, a customer key for the log group, when `--log-kms-key` is not given.
pub const SKIP_LOG_GROUP_KEY: SkippedCheck = SkippedCheck {
    id: "CKV_AWS_158",
    comment: "No --log-kms-key given: CloudWatch Logs encrypts the log events at rest with its \
              own keys; --log-kms-key KEY_ARN uses a customer key",
};
/// CKV_AWS_115, reserved concurrency, when `--no-reserved-concurrency` is given.
pub const SKIP_RESERVED_CONCURRENCY: SkippedCheck = SkippedCheck {
    id: "CKV_AWS_115",
    comment: "--no-reserved-concurrency: the account's concurrency quota leaves none to \
              reserve (Lambda keeps 100 unreserved); only deployer invoke and verify call \
              the function, one request at a time",
};

/// Adds the sample function, its log group and its role; returns the function.
pub fn add_sample_function(
    template: &mut Template,
    options: &StackOptions,
    stream: &Handle<KinesisStream>,
    layer: &Handle<LayerVersion>,
    write_policy: &Handle<ManagedPolicy>,
) -> Handle<Function> {
    let log_group_skips = match options.log_kms_key {
        Some(_) => Vec::new(),
        None => vec![SKIP_LOG_GROUP_KEY],
    };
    let log_group = template.add_resource_skipping(
        resources::FUNCTION_LOG_GROUP,
        LogGroup {
            retention_in_days: options.log_retention_days,
            kms_key_id: options.log_kms_key.as_deref().map(Expr::literal),
        },
        log_group_skips,
    );
    let role = template.add_resource(resources::FUNCTION_ROLE, role(&log_group, write_policy));
    let variables = BTreeMap::from([
        (settings::STREAM_NAME.to_owned(), stream.name()),
        (
            settings::RECORD_FORMAT.to_owned(),
            Expr::literal(options.record_format.as_str()),
        ),
        (
            settings::FLUSH.to_owned(),
            Expr::literal(options.flush.as_str()),
        ),
    ]);
    let mut function_skips = vec![SKIP_DEAD_LETTER_QUEUE, SKIP_VPC, SKIP_ENVIRONMENT_KEY];
    if options.reserved_concurrency.is_none() {
        function_skips.push(SKIP_RESERVED_CONCURRENCY);
    }
    template.add_resource_skipping(
        resources::FUNCTION,
        Function {
            description: "Sample function whose telemetry goes to the Kinesis stream".to_owned(),
            runtime: SAMPLE_FUNCTION_RUNTIME,
            handler: "index.handler",
            code: FunctionCode {
                zip_file: SAMPLE_FUNCTION_SOURCE.to_owned(),
            },
            role: role.arn(),
            architectures: vec![options.architecture],
            layers: vec![layer.arn()],
            memory_size: 128,
            timeout: 10,
            reserved_concurrent_executions: options.reserved_concurrency,
            environment: Environment { variables },
            logging_config: LoggingConfig {
                log_format: "Text",
                log_group: log_group.name(),
            },
        },
        function_skips,
    )
}

/// The execution role: its own log group's streams and the write policy. Not
/// `AWSLambdaBasicExecutionRole`, which allows creating log groups and writing to every
/// log group of the account.
fn role(log_group: &Handle<LogGroup>, write_policy: &Handle<ManagedPolicy>) -> Role {
    Role {
        description: "Execution role of the telemetry sample function".to_owned(),
        assume_role_policy_document: PolicyDocument::new(vec![Statement::service_may_assume(
            "lambda.amazonaws.com",
        )]),
        managed_policy_arns: vec![write_policy.arn()],
        policies: vec![InlinePolicy {
            policy_name: LOG_POLICY_NAME,
            policy_document: PolicyDocument::new(vec![Statement::allow(
                "WriteOwnLogGroup",
                LOG_ACTIONS.to_vec(),
                vec![log_group.streams_arn()],
            )]),
        }],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::template::resources::Properties;

    fn rendered(options: &StackOptions) -> Value {
        serde_json::to_value(crate::stack::template(options)).unwrap()
    }

    fn skipped(template: &Value, logical_id: &str) -> Vec<String> {
        let skips = &template["Resources"][logical_id]["Metadata"]["checkov"]["skip"];
        skips
            .as_array()
            .map(|skips| {
                skips
                    .iter()
                    .map(|skip| skip["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn the_role_may_write_only_to_its_own_log_group() {
        let template = crate::stack::template(&StackOptions::default());
        let Properties::Role(role) = &template.resources()[resources::FUNCTION_ROLE].properties
        else {
            panic!("not a role")
        };
        assert_eq!(role.policies.len(), 1);
        let statements = &role.policies[0].policy_document.statement;
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0].action, LOG_ACTIONS);
        assert_eq!(
            serde_json::to_value(&statements[0].resource).unwrap(),
            json!([{"Fn::Sub": format!(
                "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{}}}:*",
                resources::FUNCTION_LOG_GROUP
            )}])
        );
        let json = serde_json::to_string(&template).unwrap();
        assert!(!json.contains("AWSLambdaBasicExecutionRole"), "{json}");
        assert!(!json.contains("logs:CreateLogGroup"), "{json}");
    }

    #[test]
    fn concurrency_is_reserved_unless_turned_off() {
        let reserved = rendered(&StackOptions::default());
        let function = &reserved["Resources"][resources::FUNCTION];
        assert_eq!(function["Properties"]["ReservedConcurrentExecutions"], 2);
        assert!(!skipped(&reserved, resources::FUNCTION).contains(&"CKV_AWS_115".to_owned()));

        let unreserved = rendered(&StackOptions {
            reserved_concurrency: None,
            ..StackOptions::default()
        });
        let function = &unreserved["Resources"][resources::FUNCTION];
        assert!(function["Properties"]["ReservedConcurrentExecutions"].is_null());
        assert!(skipped(&unreserved, resources::FUNCTION).contains(&"CKV_AWS_115".to_owned()));
    }

    #[test]
    fn the_log_group_key_replaces_its_skip() {
        let default = rendered(&StackOptions::default());
        let log_group = &default["Resources"][resources::FUNCTION_LOG_GROUP];
        assert!(log_group["Properties"]["KmsKeyId"].is_null());
        assert_eq!(
            skipped(&default, resources::FUNCTION_LOG_GROUP),
            ["CKV_AWS_158"]
        );

        let key = "arn:aws:kms:eu-west-1:123456789012:key/logs";
        let keyed = rendered(&StackOptions {
            log_kms_key: Some(key.to_owned()),
            ..StackOptions::default()
        });
        let log_group = &keyed["Resources"][resources::FUNCTION_LOG_GROUP];
        assert_eq!(log_group["Properties"]["KmsKeyId"], key);
        assert!(log_group["Metadata"].is_null());
        // The role needs no KMS permission: CloudWatch Logs uses the key, under its key policy.
        let role = serde_json::to_string(&keyed["Resources"][resources::FUNCTION_ROLE]).unwrap();
        assert!(!role.contains("kms:"), "{role}");
    }

    #[test]
    fn every_skip_says_why() {
        for skip in [
            SKIP_DEAD_LETTER_QUEUE,
            SKIP_VPC,
            SKIP_ENVIRONMENT_KEY,
            SKIP_LOG_GROUP_KEY,
            SKIP_RESERVED_CONCURRENCY,
        ] {
            assert!(skip.id.starts_with("CKV_AWS_"), "{skip:?}");
            assert!(skip.comment.len() > 40, "{skip:?}");
        }
        let template = rendered(&StackOptions::default());
        assert_eq!(
            skipped(&template, resources::FUNCTION),
            ["CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173"]
        );
        assert_eq!(
            template["Resources"][resources::FUNCTION]["Metadata"]["checkov"]["skip"][0],
            json!({"id": "CKV_AWS_116", "comment": SKIP_DEAD_LETTER_QUEUE.comment})
        );
    }
}
