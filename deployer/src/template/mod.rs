//! A small typed model of CloudFormation templates.
//!
//! A [`Template`] holds ordered parameters, conditions, resources and outputs; adding a
//! resource returns a typed [`Handle`] through which it is referenced (`stream.arn()`),
//! so each logical ID is written once. Serialization is deterministic: identical input
//! gives identical YAML and JSON.

mod expr;
mod handle;
mod iam;
pub mod resources;
mod s3;
mod skip;

use serde::Serialize;

pub use expr::{ACCOUNT_ID, Condition, Expr, NO_VALUE, PARTITION, REGION, STACK_NAME};
pub use handle::{Handle, ParameterHandle};
/// A map that serializes in insertion order, so templates come out in the order they are
/// built and identical options always give identical bytes.
pub type OrderedMap<V> = indexmap::IndexMap<String, V>;
pub use resources::{Properties, Resource};
pub use skip::SkippedCheck;

/// The only template format version CloudFormation knows.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// A CloudFormation template.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Template {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    parameters: OrderedMap<Parameter>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    conditions: OrderedMap<Condition>,
    resources: OrderedMap<ResourceEntry>,
    #[serde(skip_serializing_if = "OrderedMap::is_empty")]
    outputs: OrderedMap<Output>,
}

/// A template parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// The parameter type.
    #[serde(rename = "Type")]
    pub parameter_type: ParameterType,
    /// What the parameter is for.
    pub description: String,
    /// The value used when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// A regular expression the value must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// The message shown when the value does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
}

/// Parameter types this project uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParameterType {
    /// A string.
    String,
}

/// A resource with its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceEntry {
    /// Type and properties.
    pub properties: Properties,
    /// Its other attributes.
    pub attributes: Attributes,
}

/// A resource's attributes besides its type and properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    /// Logical IDs this resource must be created after, beyond its references.
    pub depends_on: Vec<String>,
    /// The condition that decides whether the resource exists.
    pub condition: Option<String>,
    /// Security scanner checks that do not fit the resource, with the reasons (`Metadata`).
    pub skipped_checks: Vec<SkippedCheck>,
}

impl Serialize for ResourceEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        let attributes = &self.attributes;
        map.serialize_entry("Type", self.properties.type_name())?;
        if let Some(condition) = &attributes.condition {
            map.serialize_entry("Condition", condition)?;
        }
        if !attributes.depends_on.is_empty() {
            map.serialize_entry("DependsOn", &attributes.depends_on)?;
        }
        if !attributes.skipped_checks.is_empty() {
            map.serialize_entry("Metadata", &skip::SkipMetadata(&attributes.skipped_checks))?;
        }
        map.serialize_entry("Properties", &self.properties)?;
        map.end()
    }
}

/// A template output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// What the value is.
    pub description: String,
    /// The value.
    pub value: Expr,
    /// The name other stacks import it under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
    /// The condition that decides whether the output exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// An output's export.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Export {
    /// The export name, unique in the account and region.
    pub name: Expr,
}

/// A template that cannot be serialized.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// YAML serialization failed.
    #[error("cannot render the template as YAML")]
    Yaml(#[from] serde_yaml::Error),
    /// JSON serialization failed.
    #[error("cannot render the template as JSON")]
    Json(#[from] serde_json::Error),
}

impl Template {
    /// An empty template.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            description: Some(description.into()),
            parameters: OrderedMap::default(),
            conditions: OrderedMap::default(),
            resources: OrderedMap::default(),
            outputs: OrderedMap::default(),
        }
    }

    /// Adds a parameter and returns its handle.
    pub fn add_parameter(&mut self, logical_id: &str, parameter: Parameter) -> ParameterHandle {
        self.parameters.insert(logical_id.to_owned(), parameter);
        ParameterHandle::new(logical_id)
    }

    /// Adds a named condition; returns its name for `Condition` attributes and `Fn::If`.
    pub fn add_condition(&mut self, name: &str, condition: Condition) -> String {
        self.conditions.insert(name.to_owned(), condition);
        name.to_owned()
    }

    /// Adds a resource and returns its typed handle.
    pub fn add_resource<R: Resource>(&mut self, logical_id: &str, resource: R) -> Handle<R> {
        self.add_resource_with(logical_id, resource, Attributes::default())
    }

    /// Adds a resource with security scanner checks that do not fit it.
    pub fn add_resource_skipping<R: Resource>(
        &mut self,
        logical_id: &str,
        resource: R,
        skipped_checks: Vec<SkippedCheck>,
    ) -> Handle<R> {
        let attributes = Attributes {
            skipped_checks,
            ..Attributes::default()
        };
        self.add_resource_with(logical_id, resource, attributes)
    }

    /// Adds a resource with explicit attributes.
    pub fn add_resource_with<R: Resource>(
        &mut self,
        logical_id: &str,
        resource: R,
        attributes: Attributes,
    ) -> Handle<R> {
        self.resources.insert(
            logical_id.to_owned(),
            ResourceEntry {
                properties: resource.into(),
                attributes,
            },
        );
        Handle::new(logical_id)
    }

    /// Adds an output exported as `<stack name>-<logical ID>`.
    pub fn add_exported_output(&mut self, logical_id: &str, description: &str, value: Expr) {
        let export = Export {
            name: Expr::sub(format!("${{{STACK_NAME}}}-{logical_id}")),
        };
        self.insert_output(logical_id, description, value, Some(export));
    }

    /// Adds an output that other stacks cannot import.
    pub fn add_output(&mut self, logical_id: &str, description: &str, value: Expr) {
        self.insert_output(logical_id, description, value, None);
    }

    fn insert_output(
        &mut self,
        logical_id: &str,
        description: &str,
        value: Expr,
        export: Option<Export>,
    ) {
        self.outputs.insert(
            logical_id.to_owned(),
            Output {
                description: description.to_owned(),
                value,
                export,
                condition: None,
            },
        );
    }

    /// The parameters, in order.
    pub const fn parameters(&self) -> &OrderedMap<Parameter> {
        &self.parameters
    }

    /// The resources, in order.
    pub const fn resources(&self) -> &OrderedMap<ResourceEntry> {
        &self.resources
    }

    /// The outputs, in order.
    pub const fn outputs(&self) -> &OrderedMap<Output> {
        &self.outputs
    }

    /// The template as YAML.
    pub fn to_yaml(&self) -> Result<String, RenderError> {
        Ok(serde_yaml::to_string(self)?)
    }

    /// The template as pretty-printed JSON, with a final newline.
    pub fn to_json(&self) -> Result<String, RenderError> {
        let mut json = serde_json::to_string_pretty(self)?;
        json.push('\n');
        Ok(json)
    }
}
