//! The lines to add to a template instead, for a function a CloudFormation stack manages
//! (changing it directly would be reverted by the stack's next update): CloudFormation and
//! SAM YAML, and CDK TypeScript, with the real ARNs and values. Values are written as JSON
//! strings, which are valid YAML and TypeScript string literals whatever they hold.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::stack::outputs;

/// Template lines for one function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateLines {
    /// CloudFormation and SAM (YAML).
    pub cloudformation: String,
    /// CDK (TypeScript).
    pub cdk: String,
}

fn quoted(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}

/// The lines that give a function `layer`, `variables` and a role with `policy`.
/// `exporting_stack` is the stack that exports them, when they are its outputs.
pub fn template_lines(
    layer: &str,
    policy: &str,
    variables: &BTreeMap<String, String>,
    exporting_stack: Option<&str>,
) -> TemplateLines {
    let mut cloudformation = String::new();
    let text = &mut cloudformation;
    // Writing to a String cannot fail.
    let _ = writeln!(
        text,
        "# CloudFormation (AWS::Lambda::Function) or SAM (AWS::Serverless::Function): add to \
         the function's Properties, in its existing lists if it has them"
    );
    let _ = writeln!(text, "Layers:\n  - {}", quoted(layer));
    let _ = writeln!(text, "Environment:\n  Variables:");
    for (name, value) in variables {
        let _ = writeln!(text, "    {name}: {}", quoted(value));
    }
    let _ = writeln!(
        text,
        "# CloudFormation: add to the execution role's (AWS::IAM::Role) Properties"
    );
    let _ = writeln!(text, "ManagedPolicyArns:\n  - {}", quoted(policy));
    let _ = writeln!(
        text,
        "# SAM, when it makes the role: add to the function's Properties instead"
    );
    let _ = writeln!(text, "Policies:\n  - {}", quoted(policy));
    if let Some(stack) = exporting_stack {
        let _ = writeln!(
            text,
            "# or follow the stack's updates: !ImportValue {stack}-{} and !ImportValue {stack}-{}",
            outputs::LAYER_VERSION_ARN,
            outputs::WRITE_POLICY_ARN
        );
    }

    let mut cdk = String::new();
    let text = &mut cdk;
    let _ = writeln!(
        text,
        "// CDK (TypeScript), where `fn` is the lambda.Function and `this` its construct scope"
    );
    let _ = writeln!(
        text,
        "fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(this, \"TelemetryKinesisLayer\", \
         {}));",
        quoted(layer)
    );
    for (name, value) in variables {
        let _ = writeln!(
            text,
            "fn.addEnvironment({}, {});",
            quoted(name),
            quoted(value)
        );
    }
    let _ = writeln!(
        text,
        "fn.role?.addManagedPolicy(iam.ManagedPolicy.fromManagedPolicyArn(this, \
         \"TelemetryKinesisWritePolicy\", {}));",
        quoted(policy)
    );
    TemplateLines {
        cloudformation,
        cdk,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYER: &str = "arn:aws:lambda:eu-west-3:123456789012:layer:tk-ext:4";
    const POLICY: &str = "arn:aws:iam::123456789012:policy/tk-Write";

    fn lines() -> TemplateLines {
        let variables = BTreeMap::from([
            (
                "TELEMETRY_KINESIS_STREAM_NAME".to_owned(),
                "tk-stream".to_owned(),
            ),
            ("TELEMETRY_KINESIS_FLUSH".to_owned(), "end".to_owned()),
        ]);
        template_lines(LAYER, POLICY, &variables, Some("tk"))
    }

    #[test]
    fn the_yaml_parses_and_holds_the_real_values() {
        let lines = lines();
        let yaml: serde_yaml::Value = serde_yaml::from_str(&lines.cloudformation).unwrap();
        assert_eq!(yaml["Layers"][0], LAYER);
        assert_eq!(
            yaml["Environment"]["Variables"]["TELEMETRY_KINESIS_STREAM_NAME"],
            "tk-stream"
        );
        assert_eq!(yaml["ManagedPolicyArns"][0], POLICY);
        assert_eq!(yaml["Policies"][0], POLICY);
        assert!(
            lines
                .cloudformation
                .contains("!ImportValue tk-LayerVersionArn")
        );
    }

    #[test]
    fn the_cdk_lines_use_the_functions_own_methods() {
        let cdk = lines().cdk;
        assert!(cdk.contains(&format!(
            "fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(this, \"TelemetryKinesisLayer\", \"{LAYER}\"));"
        )));
        assert!(cdk.contains("fn.addEnvironment(\"TELEMETRY_KINESIS_FLUSH\", \"end\");"));
        assert!(cdk.contains(&format!("fn.role?.addManagedPolicy(iam.ManagedPolicy.fromManagedPolicyArn(this, \"TelemetryKinesisWritePolicy\", \"{POLICY}\"));")));
    }
}
