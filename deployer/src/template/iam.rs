//! IAM policy documents and the IAM resource types: a managed policy and a role.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Expr;

/// `AWS::IAM::ManagedPolicy`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    /// What the policy allows.
    pub description: String,
    /// The policy.
    pub policy_document: PolicyDocument,
}

/// `AWS::IAM::Role`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    /// What the role is for.
    pub description: String,
    /// Who may assume the role.
    pub assume_role_policy_document: PolicyDocument,
    /// Managed policies attached to the role.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<Expr>,
    /// Policies embedded in the role: they exist as soon as the role does, so a resource
    /// that depends on the role never runs without them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<InlinePolicy>,
}

/// A policy embedded in a role.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    /// The policy's name, unique within the role.
    pub policy_name: &'static str,
    /// The policy.
    pub policy_document: PolicyDocument,
}

/// An IAM policy document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// Always [`POLICY_VERSION`].
    pub version: &'static str,
    /// The statements.
    pub statement: Vec<Statement>,
}

/// The current IAM policy language version.
pub const POLICY_VERSION: &str = "2012-10-17";

impl PolicyDocument {
    /// A document of the current version.
    pub const fn new(statement: Vec<Statement>) -> Self {
        Self {
            version: POLICY_VERSION,
            statement,
        }
    }
}

/// Whether a statement allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// A policy statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// Statement ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<&'static str>,
    /// Allow or deny.
    pub effect: Effect,
    /// Who, in trust and resource policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// The actions.
    pub action: Vec<&'static str>,
    /// The resources, in identity and resource policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<Expr>,
    /// When the statement applies: operator, then condition key, then value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<&'static str, BTreeMap<&'static str, Expr>>,
}

impl Statement {
    /// Allows `actions` on `resources`.
    pub fn allow(sid: &'static str, actions: Vec<&'static str>, resources: Vec<Expr>) -> Self {
        Self {
            sid: Some(sid),
            effect: Effect::Allow,
            principal: None,
            action: actions,
            resource: resources,
            condition: BTreeMap::new(),
        }
    }

    /// Denies `actions` on `resources` to everyone when `key` of `operator` equals `value`.
    pub fn deny_everyone_when(
        sid: &'static str,
        actions: Vec<&'static str>,
        resources: Vec<Expr>,
        (operator, key, value): (&'static str, &'static str, &str),
    ) -> Self {
        Self {
            sid: Some(sid),
            effect: Effect::Deny,
            principal: Some(Principal::Everyone),
            action: actions,
            resource: resources,
            condition: BTreeMap::from([(operator, BTreeMap::from([(key, Expr::literal(value))]))]),
        }
    }

    /// Allows an AWS service to assume the role.
    pub fn service_may_assume(service: &'static str) -> Self {
        Self {
            sid: None,
            effect: Effect::Allow,
            principal: Some(Principal::Service(vec![service])),
            action: vec!["sts:AssumeRole"],
            resource: Vec::new(),
            condition: BTreeMap::new(),
        }
    }
}

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// Service principals such as `lambda.amazonaws.com`: `{"Service": [..]}`.
    Service(Vec<&'static str>),
    /// Everyone, signed in or not: `"*"`.
    Everyone,
}

impl Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Self::Service(services) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Service", services)?;
                map.end()
            }
            Self::Everyone => serializer.serialize_str("*"),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn statements_serialize_as_iam_reads_them() {
        let statements = vec![
            Statement::allow("Put", vec!["kinesis:PutRecords"], vec!["arn".into()]),
            Statement::service_may_assume("lambda.amazonaws.com"),
            Statement::deny_everyone_when(
                "DenyInsecureTransport",
                vec!["s3:*"],
                vec!["bucket".into()],
                ("Bool", "aws:SecureTransport", "false"),
            ),
        ];
        assert_eq!(
            serde_json::to_value(PolicyDocument::new(statements)).unwrap(),
            json!({
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "Put", "Effect": "Allow", "Action": ["kinesis:PutRecords"],
                     "Resource": ["arn"]},
                    {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]},
                     "Action": ["sts:AssumeRole"]},
                    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                     "Action": ["s3:*"], "Resource": ["bucket"],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                ],
            })
        );
    }
}
