//! CloudFormation values: literals and intrinsic functions, and condition functions.
//!
//! Each intrinsic serializes as a one-key map (`{"Ref": ..}`, `{"Fn::GetAtt": [..]}`), the
//! form both JSON and YAML templates accept; serde_yaml would otherwise write YAML tags,
//! which CloudFormation's short forms look like but are not.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::OrderedMap;

/// A CloudFormation string value: a literal or an intrinsic function that yields one.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A plain string.
    Literal(String),
    /// `Ref`: a parameter's value, a resource's primary identifier, or a pseudo parameter.
    Ref(String),
    /// `Fn::GetAtt`: an attribute of a resource.
    GetAtt {
        /// The resource's logical ID.
        logical_id: String,
        /// The attribute name, e.g. `Arn`.
        attribute: String,
    },
    /// `Fn::Sub` with `${Name}` references to parameters, resources and pseudo parameters.
    Sub(String),
    /// `Fn::Sub` with its own variables.
    SubWith {
        /// The string with `${Name}` placeholders.
        template: String,
        /// Values of the placeholders.
        variables: OrderedMap<Expr>,
    },
    /// `Fn::Join`: values joined with a delimiter.
    Join {
        /// The delimiter.
        delimiter: String,
        /// The values to join.
        values: Vec<Expr>,
    },
    /// `Fn::ImportValue`: an output another stack exported.
    ImportValue(Box<Expr>),
    /// `Fn::If`: one of two values, depending on a condition of the template.
    If {
        /// The condition's logical name.
        condition: String,
        /// The value when the condition holds.
        then: Box<Expr>,
        /// The value otherwise.
        otherwise: Box<Expr>,
    },
}

/// The `AWS::StackName` pseudo parameter.
pub const STACK_NAME: &str = "AWS::StackName";
/// The `AWS::Partition` pseudo parameter.
pub const PARTITION: &str = "AWS::Partition";
/// The `AWS::Region` pseudo parameter.
pub const REGION: &str = "AWS::Region";
/// The `AWS::AccountId` pseudo parameter.
pub const ACCOUNT_ID: &str = "AWS::AccountId";
/// The `AWS::NoValue` pseudo parameter: removes the property it is the value of.
pub const NO_VALUE: &str = "AWS::NoValue";

impl Expr {
    /// A literal string.
    pub fn literal(value: impl Into<String>) -> Self {
        Self::Literal(value.into())
    }

    /// `Fn::Sub` of a string with `${..}` placeholders.
    pub fn sub(template: impl Into<String>) -> Self {
        Self::Sub(template.into())
    }

    /// `Ref` of a pseudo parameter such as [`STACK_NAME`].
    pub fn pseudo(name: &str) -> Self {
        Self::Ref(name.to_owned())
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Self {
        Self::literal(value)
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Self {
        Self::Literal(value)
    }
}

/// Serializes `{name: value}`.
fn one_key<S: Serializer, V: Serialize + ?Sized>(
    serializer: S,
    name: &str,
    value: &V,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(name, value)?;
    map.end()
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Literal(value) => serializer.serialize_str(value),
            Self::Ref(name) => one_key(serializer, "Ref", name),
            Self::GetAtt {
                logical_id,
                attribute,
            } => one_key(serializer, "Fn::GetAtt", &(logical_id, attribute)),
            Self::Sub(template) => one_key(serializer, "Fn::Sub", template),
            Self::SubWith {
                template,
                variables,
            } => one_key(serializer, "Fn::Sub", &(template, variables)),
            Self::Join { delimiter, values } => {
                one_key(serializer, "Fn::Join", &(delimiter, values))
            }
            Self::ImportValue(name) => one_key(serializer, "Fn::ImportValue", name),
            Self::If {
                condition,
                then,
                otherwise,
            } => one_key(serializer, "Fn::If", &(condition, then, otherwise)),
        }
    }
}

/// A condition of the template's `Conditions` section.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `Fn::Equals`.
    Equals(Expr, Expr),
    /// `Fn::Not`.
    Not(Box<Condition>),
    /// `Fn::And`.
    And(Vec<Condition>),
    /// `Fn::Or`.
    Or(Vec<Condition>),
    /// `Condition`: another named condition.
    Named(String),
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Equals(left, right) => one_key(serializer, "Fn::Equals", &(left, right)),
            Self::Not(condition) => one_key(serializer, "Fn::Not", &[condition]),
            Self::And(conditions) => one_key(serializer, "Fn::And", conditions),
            Self::Or(conditions) => one_key(serializer, "Fn::Or", conditions),
            Self::Named(name) => one_key(serializer, "Condition", name),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn to_json(value: &impl Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn intrinsics_are_one_key_maps() {
        let cases = [
            (Expr::literal("x"), json!("x")),
            (Expr::pseudo(STACK_NAME), json!({"Ref": "AWS::StackName"})),
            (
                Expr::GetAtt {
                    logical_id: "Stream".into(),
                    attribute: "Arn".into(),
                },
                json!({"Fn::GetAtt": ["Stream", "Arn"]}),
            ),
            (
                Expr::sub("${AWS::StackName}-A"),
                json!({"Fn::Sub": "${AWS::StackName}-A"}),
            ),
            (
                Expr::SubWith {
                    template: "${A}".into(),
                    variables: [("A".to_owned(), Expr::Ref("B".into()))]
                        .into_iter()
                        .collect(),
                },
                json!({"Fn::Sub": ["${A}", {"A": {"Ref": "B"}}]}),
            ),
            (
                Expr::Join {
                    delimiter: ",".into(),
                    values: vec!["a".into(), Expr::Ref("B".into())],
                },
                json!({"Fn::Join": [",", ["a", {"Ref": "B"}]]}),
            ),
            (
                Expr::ImportValue(Box::new(Expr::sub("${S}-Arn"))),
                json!({"Fn::ImportValue": {"Fn::Sub": "${S}-Arn"}}),
            ),
            (
                Expr::If {
                    condition: "C".into(),
                    then: Box::new("a".into()),
                    otherwise: Box::new(Expr::pseudo(NO_VALUE)),
                },
                json!({"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}),
            ),
        ];
        for (expr, expected) in cases {
            assert_eq!(to_json(&expr), expected, "{expr:?}");
        }
    }

    #[test]
    fn conditions() {
        let condition = Condition::And(vec![
            Condition::Not(Box::new(Condition::Equals(
                Expr::Ref("P".into()),
                "".into(),
            ))),
            Condition::Or(vec![Condition::Named("Other".into())]),
        ]);
        assert_eq!(
            to_json(&condition),
            json!({"Fn::And": [
                {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]},
                {"Fn::Or": [{"Condition": "Other"}]},
            ]})
        );
    }

    #[test]
    fn yaml_has_no_tags() {
        let yaml = serde_yaml::to_string(&Expr::GetAtt {
            logical_id: "Stream".into(),
            attribute: "Arn".into(),
        })
        .unwrap();
        assert_eq!(yaml, "Fn::GetAtt:\n- Stream\n- Arn\n");
    }
}
