//! Typed references to a template's resources and parameters.

use std::marker::PhantomData;

use super::Expr;
use super::expr::{ACCOUNT_ID, PARTITION, REGION};
use super::resources::{
    Bucket, Function, KinesisStream, LayerVersion, LogGroup, ManagedPolicy, Role,
};

/// A resource of type `R` in a template, by logical ID. Its methods give the intrinsics
/// that reference the resource, so the logical ID is spelled only where it is defined.
#[derive(Debug, PartialEq, Eq)]
pub struct Handle<R> {
    logical_id: String,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Self::new(&self.logical_id)
    }
}

impl<R> Handle<R> {
    pub(super) fn new(logical_id: &str) -> Self {
        Self {
            logical_id: logical_id.to_owned(),
            resource: PhantomData,
        }
    }

    /// The resource's logical ID (for `DependsOn`).
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `Ref` of the resource: its primary identifier, which depends on the type.
    pub fn reference(&self) -> Expr {
        Expr::Ref(self.logical_id.clone())
    }

    fn attribute(&self, attribute: &str) -> Expr {
        Expr::GetAtt {
            logical_id: self.logical_id.clone(),
            attribute: attribute.to_owned(),
        }
    }
}

impl Handle<KinesisStream> {
    /// The stream's name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// The stream's ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}

impl Handle<LayerVersion> {
    /// The layer version's ARN (what `Ref` returns).
    pub fn arn(&self) -> Expr {
        self.reference()
    }
}

impl Handle<ManagedPolicy> {
    /// The policy's ARN (what `Ref` returns).
    pub fn arn(&self) -> Expr {
        self.reference()
    }
}

impl Handle<Role> {
    /// The role's ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}

impl Handle<LogGroup> {
    /// The log group's name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// The ARN that covers the log group's streams, `arn:..:log-group:<name>:*`: the
    /// resource `logs:CreateLogStream` and `logs:PutLogEvents` are authorized on. Spelled
    /// out rather than `Fn::GetAtt` of `Arn`, whose `:*` suffix emulators leave out.
    pub fn streams_arn(&self) -> Expr {
        Expr::sub(format!(
            "arn:${{{PARTITION}}}:logs:${{{REGION}}}:${{{ACCOUNT_ID}}}:log-group:${{{}}}:*",
            self.logical_id
        ))
    }
}

impl Handle<Bucket> {
    /// The bucket's name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// The bucket's ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }

    /// The ARN of every object in the bucket (`<bucket ARN>/*`).
    pub fn objects_arn(&self) -> Expr {
        Expr::sub(format!("${{{}.Arn}}/*", self.logical_id))
    }
}

impl Handle<Function> {
    /// The function's name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// The function's ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}

/// A template parameter, by logical ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterHandle {
    logical_id: String,
}

impl ParameterHandle {
    pub(super) fn new(logical_id: &str) -> Self {
        Self {
            logical_id: logical_id.to_owned(),
        }
    }

    /// The parameter's logical ID.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `Ref` of the parameter: its value.
    pub fn value(&self) -> Expr {
        Expr::Ref(self.logical_id.clone())
    }
}
