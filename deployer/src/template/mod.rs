//! A small typed model of CloudFormation templates.
//!
//! A [`Template`] holds ordered parameters, conditions, resources and outputs; adding a
//! resource returns a typed [`Handle`] through which it is referenced (`stream.arn()`),
//! so each logical ID is written once. Serialization is deterministic: identical input
//! gives identical YAML and JSON.

mod expr;
mod handle;
pub mod resources;

use serde::Serialize;

pub use expr::{Condition, Expr, NO_VALUE, PARTITION, STACK_NAME};
pub use handle::{Handle, ParameterHandle};
/// A map that serializes in insertion order, so templates come out in the order they are
/// built and identical options always give identical bytes.
pub type OrderedMap<V> = indexmap::IndexMap<String, V>;
pub use resources::{Properties, Resource};

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
    /// Logical IDs this resource must be created after, beyond its references.
    pub depends_on: Vec<String>,
    /// The condition that decides whether the resource exists.
    pub condition: Option<String>,
}

impl Serialize for ResourceEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("Type", self.properties.type_name())?;
        if let Some(condition) = &self.condition {
            map.serialize_entry("Condition", condition)?;
        }
        if !self.depends_on.is_empty() {
            map.serialize_entry("DependsOn", &self.depends_on)?;
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
        self.add_resource_with(logical_id, resource, Vec::new(), None)
    }

    /// Adds a resource with explicit dependencies and an optional condition.
    pub fn add_resource_with<R: Resource>(
        &mut self,
        logical_id: &str,
        resource: R,
        depends_on: Vec<String>,
        condition: Option<String>,
    ) -> Handle<R> {
        self.resources.insert(
            logical_id.to_owned(),
            ResourceEntry {
                properties: resource.into(),
                depends_on,
                condition,
            },
        );
        Handle::new(logical_id)
    }

    /// Adds an output exported as `<stack name>-<logical ID>`.
    pub fn add_exported_output(&mut self, logical_id: &str, description: &str, value: Expr) {
        self.outputs.insert(
            logical_id.to_owned(),
            Output {
                description: description.to_owned(),
                value,
                export: Some(Export {
                    name: Expr::sub(format!("${{{STACK_NAME}}}-{logical_id}")),
                }),
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
