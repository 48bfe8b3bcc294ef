//! Existing functions in moto for `instrument`, `uninstrument` and `status`: a published
//! extension layer, a write policy, a role and a stream made directly (moto drops a stack's
//! outputs, so the commands get them as `--layer-arn`, `--policy-arn` and `--stream`), and
//! functions with the architectures, layers, variables and tags each test needs.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, Environment, FunctionCode, Runtime};
use test_support::{moto, unique_name};

use crate::up_support::{Run, World, deployer};

pub async fn lambda() -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&moto().sdk_config().await)
}

pub async fn iam() -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&moto().sdk_config().await)
}

fn zip() -> Vec<u8> {
    telemetry_kinesis_contract::layer::extension_layer(b"#!/bin/sh\n").unwrap()
}

/// Publishes a version of layer `name` for `architectures`; its ARN.
pub async fn publish_layer(name: &str, architectures: &[Architecture]) -> String {
    let output = lambda()
        .await
        .publish_layer_version()
        .layer_name(name)
        .content(
            aws_sdk_lambda::types::LayerVersionContentInput::builder()
                .zip_file(Blob::new(zip()))
                .build(),
        )
        .set_compatible_architectures(Some(architectures.to_vec()))
        .send()
        .await
        .unwrap();
    output.layer_version_arn().unwrap().to_owned()
}

/// A role Lambda can assume; its ARN.
pub async fn create_role(name: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let output = iam()
        .await
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    output.role().unwrap().arn().to_owned()
}

/// The policies attached to role `name`.
pub async fn attached(role: &str) -> Vec<String> {
    let output = iam()
        .await
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    output
        .attached_policies()
        .iter()
        .filter_map(|policy| policy.policy_arn().map(str::to_owned))
        .collect()
}

/// Layers, policy, role and stream of one test, with unique names.
pub struct Fixture {
    pub world: World,
    pub layer: String,
    pub policy: String,
    pub role: String,
    pub role_name: String,
    pub stream: String,
    pub prefix: String,
}

impl Fixture {
    pub async fn new(prefix: &str) -> Self {
        let world = World::new(prefix);
        let prefix = unique_name(prefix);
        let layer = publish_layer(&format!("{prefix}-ext"), &[Architecture::X8664]).await;
        let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:PutRecords","Resource":"*"}]}"#;
        let policy = iam()
            .await
            .create_policy()
            .policy_name(format!("{prefix}-write"))
            .policy_document(document)
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap()
            .arn()
            .unwrap()
            .to_owned();
        let role_name = format!("{prefix}-role");
        let role = create_role(&role_name).await;
        let stream = world.stream.clone();
        Self {
            world,
            layer,
            policy,
            role,
            role_name,
            stream,
            prefix,
        }
    }

    /// Creates function `{prefix}-{suffix}`; its name.
    pub async fn function(&self, suffix: &str, spec: Spec<'_>) -> String {
        let name = format!("{}-{suffix}", self.prefix);
        let variables: HashMap<String, String> = spec
            .variables
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let tags: HashMap<String, String> = spec
            .tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        lambda()
            .await
            .create_function()
            .function_name(&name)
            .runtime(Runtime::from(spec.runtime))
            .role(spec.role.unwrap_or(&self.role))
            .handler("index.handler")
            .code(FunctionCode::builder().zip_file(Blob::new(zip())).build())
            .architectures(spec.architecture)
            .set_layers(Some(spec.layers.to_vec()))
            .environment(
                Environment::builder()
                    .set_variables(Some(variables))
                    .build(),
            )
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
        name
    }

    /// The deployer with this fixture's stack name, layer, policy and stream.
    pub async fn run(&self, command: &str, extra: &[&str]) -> Run {
        let mut args: Vec<String> = ["--stack-name", &self.world.stack, command]
            .map(str::to_owned)
            .to_vec();
        if command == "instrument" {
            args.extend(
                [
                    "--layer-arn",
                    &self.layer,
                    "--policy-arn",
                    &self.policy,
                    "--stream",
                    &self.stream,
                ]
                .map(str::to_owned),
            );
        }
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        deployer(&args, &self.world.env()).await
    }
}

/// What a test function is made with.
#[derive(Clone)]
pub struct Spec<'a> {
    pub runtime: &'a str,
    pub architecture: Architecture,
    pub layers: &'a [String],
    pub variables: &'a [(&'a str, &'a str)],
    pub tags: &'a [(&'a str, &'a str)],
    pub role: Option<&'a str>,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Self {
            runtime: "python3.13",
            architecture: Architecture::X8664,
            layers: &[],
            variables: &[],
            tags: &[],
            role: None,
        }
    }
}

/// A function's layers, variables and tags, to compare before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub layers: Vec<String>,
    pub variables: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

pub async fn snapshot(function: &str) -> Snapshot {
    let output = lambda()
        .await
        .get_function()
        .function_name(function)
        .send()
        .await
        .unwrap();
    let configuration = output.configuration().unwrap();
    Snapshot {
        layers: configuration
            .layers()
            .iter()
            .map(|layer| layer.arn().unwrap().to_owned())
            .collect(),
        variables: configuration
            .environment()
            .and_then(|environment| environment.variables())
            .map(|variables| variables.clone().into_iter().collect())
            .unwrap_or_default(),
        tags: output
            .tags()
            .map(|tags| tags.clone().into_iter().collect())
            .unwrap_or_default(),
    }
}

/// The report entry of `function` in a `--json` report.
pub fn entry<'a>(report: &'a serde_json::Value, function: &str) -> &'a serde_json::Value {
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["function"] == function)
        .unwrap_or_else(|| panic!("{function} not in {report:#}"))
}

/// The functions of a `--json` report, in its order.
pub fn names(report: &serde_json::Value) -> Vec<String> {
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["function"].as_str().unwrap().to_owned())
        .collect()
}
