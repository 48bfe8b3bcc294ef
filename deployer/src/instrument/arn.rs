//! The ARNs instrumenting reads and compares: a layer version's (`--layer-arn`, the stack's
//! `LayerVersionArn`), a function's as given to `--function`, and the account part of a
//! role's.

use std::fmt;
use std::str::FromStr;

/// A layer version ARN, `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayerVersionArn {
    /// The layer's ARN without the version: what every version of the layer shares.
    pub layer: String,
    /// The version number.
    pub version: u64,
}

/// A value that is not what an option or output must be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not {expected}")]
pub struct InvalidArn {
    /// The value.
    pub value: String,
    /// What was expected.
    pub expected: &'static str,
}

const LAYER_VERSION: &str =
    "a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)";
const FUNCTION: &str = "a function name or an unqualified function ARN \
                        (arn:aws:lambda:REGION:ACCOUNT:function:NAME); instrumenting applies to \
                        the function, not to one of its versions or aliases";

impl LayerVersionArn {
    /// The whole ARN.
    pub fn arn(&self) -> String {
        format!("{}:{}", self.layer, self.version)
    }

    /// The region part.
    pub fn region(&self) -> &str {
        self.layer.split(':').nth(3).unwrap_or_default()
    }

    /// The version of this layer that `arn` names, if `arn` is a version of this layer.
    pub fn version_in(&self, arn: &str) -> Option<u64> {
        let (layer, version) = arn.rsplit_once(':')?;
        (layer == self.layer)
            .then(|| version.parse().ok())
            .flatten()
    }
}

/// Whether `arn` is a version of the layer whose unversioned ARN is `layer`.
pub fn is_version_of(arn: &str, layer: &str) -> bool {
    arn.rsplit_once(':').is_some_and(|(unversioned, version)| {
        unversioned == layer && version.parse::<u64>().is_ok()
    })
}

impl LayerVersionArn {
    /// Whether `arn` is some version of this layer.
    pub fn is_same_layer(&self, arn: &str) -> bool {
        is_version_of(arn, &self.layer)
    }
}

impl FromStr for LayerVersionArn {
    type Err = InvalidArn;

    fn from_str(value: &str) -> Result<Self, InvalidArn> {
        let invalid = || InvalidArn {
            value: value.to_owned(),
            expected: LAYER_VERSION,
        };
        let parts: Vec<&str> = value.split(':').collect();
        match parts.as_slice() {
            [
                "arn",
                partition,
                "lambda",
                region,
                account,
                "layer",
                name,
                version,
            ] if [partition, region, account, name]
                .iter()
                .all(|part| !part.is_empty()) =>
            {
                let version = version.parse().map_err(|_| invalid())?;
                let (layer, _) = value.rsplit_once(':').ok_or_else(invalid)?;
                Ok(Self {
                    layer: layer.to_owned(),
                    version,
                })
            }
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for LayerVersionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.layer, self.version)
    }
}

/// A function as `--function` names it: a name, or an unqualified function ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionRef(String);

impl FunctionRef {
    /// The value as given, which every Lambda call accepts.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region part, for an ARN.
    pub fn region(&self) -> Option<&str> {
        self.0
            .starts_with("arn:")
            .then(|| self.0.split(':').nth(3))
            .flatten()
    }
}

impl FromStr for FunctionRef {
    type Err = InvalidArn;

    fn from_str(value: &str) -> Result<Self, InvalidArn> {
        let invalid = || InvalidArn {
            value: value.to_owned(),
            expected: FUNCTION,
        };
        let name_ok = |name: &str| {
            (1..=64).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let parts: Vec<&str> = value.split(':').collect();
        let valid = match parts.as_slice() {
            [name] => name_ok(name),
            [
                "arn",
                partition,
                "lambda",
                region,
                account,
                "function",
                name,
            ] => {
                !partition.is_empty() && !region.is_empty() && !account.is_empty() && name_ok(name)
            }
            _ => false,
        };
        if valid {
            Ok(Self(value.to_owned()))
        } else {
            Err(invalid())
        }
    }
}

impl fmt::Display for FunctionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The account part of an ARN (`arn:aws:iam::123456789012:role/x` gives `123456789012`).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|account| !account.is_empty())
}

/// The role name of a role ARN, without its path (`arn:aws:iam::1:role/service/x` gives
/// `x`): what IAM's role calls take.
pub fn role_name(role_arn: &str) -> &str {
    role_arn.rsplit('/').next().unwrap_or(role_arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_version_arns() {
        let arn: LayerVersionArn = "arn:aws:lambda:eu-west-3:123456789012:layer:tk-ext:4"
            .parse()
            .unwrap();
        assert_eq!(
            arn.layer,
            "arn:aws:lambda:eu-west-3:123456789012:layer:tk-ext"
        );
        assert_eq!(arn.version, 4);
        assert_eq!(arn.region(), "eu-west-3");
        assert_eq!(arn.to_string(), arn.arn());
        assert_eq!(
            arn.version_in("arn:aws:lambda:eu-west-3:123456789012:layer:tk-ext:2"),
            Some(2)
        );
        assert_eq!(
            arn.version_in("arn:aws:lambda:eu-west-3:123456789012:layer:other:2"),
            None
        );
        for bad in [
            "arn:aws:lambda:eu-west-3:123456789012:layer:tk-ext",
            "arn:aws:lambda:eu-west-3:123456789012:layer:tk-ext:x",
            "arn:aws:lambda:eu-west-3:123456789012:function:f:1",
            "tk-ext:4",
        ] {
            let error = bad.parse::<LayerVersionArn>().unwrap_err();
            assert!(error.to_string().contains("layer version ARN"), "{bad}");
        }
    }

    #[test]
    fn functions_are_named_without_qualifier() {
        for good in [
            "my-function_1",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
        ] {
            assert_eq!(good.parse::<FunctionRef>().unwrap().as_str(), good);
        }
        let arn: FunctionRef = "arn:aws:lambda:eu-west-1:1:function:f".parse().unwrap();
        assert_eq!(arn.region(), Some("eu-west-1"));
        assert_eq!("f".parse::<FunctionRef>().unwrap().region(), None);
        for bad in [
            "",
            "f:prod",
            "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
            "arn:aws:lambda:us-east-1:123456789012:layer:f",
            "has space",
        ] {
            let error = bad.parse::<FunctionRef>().unwrap_err();
            assert!(
                error.to_string().contains("not to one of its versions"),
                "{bad}"
            );
        }
    }

    #[test]
    fn roles_and_accounts() {
        let role = "arn:aws:iam::123456789012:role/service-role/app-role";
        assert_eq!(account_of(role), Some("123456789012"));
        assert_eq!(role_name(role), "app-role");
        assert_eq!(role_name("arn:aws:iam::1:role/plain"), "plain");
        assert_eq!(account_of("arn:aws:s3:::bucket"), None);
    }
}
