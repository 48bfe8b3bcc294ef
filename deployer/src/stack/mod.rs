//! The pipeline's stack: the logical IDs everyone agrees on ([`names`]), its template
//! ([`template`], with the sample function in [`sample`]) and looking up a deployed stack's
//! outputs ([`lookup`]).

pub mod lookup;
mod names;
pub mod sample;
pub mod template;

pub use lookup::{LookupError, function, output, stream};
pub use names::{outputs, parameters, resource_named_by, resources};
pub use sample::{SAMPLE_FUNCTION_RUNTIME, SAMPLE_FUNCTION_SOURCE};
pub use template::{COMPATIBLE_RUNTIMES, PLACEHOLDER_LAYER_S3_KEY, template};
