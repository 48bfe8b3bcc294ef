//! Why a function is left unchanged, in words that say what to do instead. Each reason is
//! one of Lambda's limits or a state the change would break.

use std::fmt;

use super::record::{MAX_TAGS, UnreadableRecord};

/// Most layers a function can have (Lambda's limit).
pub const MAX_LAYERS: usize = 5;
/// Lambda's limit on all of a function's environment variables, keys and values.
pub const MAX_VARIABLES_BYTES: usize = 4 * 1024;
/// The tag CloudFormation puts on every function it manages.
pub const CLOUDFORMATION_STACK_TAG: &str = "aws:cloudformation:stack-name";
/// Where container-image functions are shown how to take the extension.
pub const CONTAINER_EXAMPLE: &str = "examples/container/";

/// Why one function is left unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A container image cannot take layers.
    Image,
    /// The runtime cannot run extensions.
    Runtime {
        /// The runtime.
        runtime: String,
        /// What to move to.
        instead: &'static str,
    },
    /// The layer is built for other architectures.
    Architecture {
        /// The function's.
        function: Vec<String>,
        /// The layer's.
        layer: Vec<String>,
    },
    /// No room for another layer.
    TooManyLayers {
        /// Layers it has.
        count: usize,
    },
    /// The variables would be over Lambda's limit.
    VariablesTooLarge {
        /// Their size after the change.
        bytes: usize,
    },
    /// The role is in another account, where the policy cannot be attached from here.
    RoleInAnotherAccount {
        /// The role's ARN.
        role: String,
        /// The caller's account.
        account: String,
    },
    /// A CloudFormation stack manages the function: its next update would revert the change.
    CloudFormation {
        /// The managing stack.
        stack: String,
    },
    /// Another stack instrumented it.
    OtherStack {
        /// That stack.
        stack: String,
    },
    /// It was instrumented with another layer than this stack's.
    OtherLayer {
        /// That layer (unversioned ARN).
        layer: String,
    },
    /// Its record cannot be read.
    Unreadable(UnreadableRecord),
    /// The record would not fit in the tags left.
    TooManyTags {
        /// Tags after the change.
        count: usize,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Image => write!(
                f,
                "a container image takes no layers: build the extension into the image \
                 instead (see {CONTAINER_EXAMPLE})"
            ),
            Self::Runtime { runtime, instead } => write!(
                f,
                "runtime {runtime} cannot run extensions: move the function to {instead}"
            ),
            Self::Architecture { function, layer } => write!(
                f,
                "the function runs on {}, the layer is built for {}: it would fail at INIT; \
                 use a stack deployed with `deployer up --architecture {}`",
                function.join(", "),
                layer.join(", "),
                function.first().map_or("", String::as_str)
            ),
            Self::TooManyLayers { count } => write!(
                f,
                "it already has {count} layers, Lambda's maximum is {MAX_LAYERS}: remove or \
                 merge one first"
            ),
            Self::VariablesTooLarge { bytes } => write!(
                f,
                "its environment variables would take {bytes} bytes, over Lambda's limit of \
                 {MAX_VARIABLES_BYTES}"
            ),
            Self::RoleInAnotherAccount { role, account } => write!(
                f,
                "its execution role {role} is not in account {account}: the write policy \
                 cannot be attached from here"
            ),
            Self::CloudFormation { stack } => write!(
                f,
                "CloudFormation stack {stack} manages it, and its next update would revert \
                 the change: add the lines below to its template, or pass --force"
            ),
            Self::OtherStack { stack } => write!(
                f,
                "stack {stack} instrumented it: use `deployer --stack-name {stack} uninstrument` \
                 first, or that stack name"
            ),
            Self::OtherLayer { layer } => write!(
                f,
                "it was instrumented with layer {layer}: run `deployer uninstrument` first"
            ),
            Self::Unreadable(error) => error.fmt(f),
            Self::TooManyTags { count } => write!(
                f,
                "the undo record needs more tags than are left: {count} tags, Lambda allows \
                 {MAX_TAGS}"
            ),
        }
    }
}

impl Refusal {
    /// The managing CloudFormation stack, for a refusal that prints template lines.
    pub fn cloudformation_stack(&self) -> Option<&str> {
        match self {
            Self::CloudFormation { stack } => Some(stack),
            _ => None,
        }
    }
}
