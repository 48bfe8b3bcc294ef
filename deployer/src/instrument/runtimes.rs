//! Which Lambda runtimes cannot run an external extension, as data.
//!
//! Source: the AWS Lambda Developer Guide. "Using Lambda extensions" listed the runtimes
//! that support external extensions when extensions were introduced (dotnetcore3.1,
//! provided, provided.al2, java11, java8.al2, nodejs10.x-14.x, python3.7-3.9, ruby2.5,
//! ruby2.7) and noted that the Go 1.x runtime does not; the current "Lambda Extensions API"
//! page says all Lambda runtimes support extensions, every runtime added since included.
//! The runtimes older than extensions never gained them: they are listed here, so a newer
//! runtime, unknown to this table, is assumed to run the extension.

/// A runtime that cannot run external extensions, and what to move the function to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithoutExtensions {
    /// The runtime identifier.
    pub runtime: &'static str,
    /// The runtime to move to.
    pub instead: &'static str,
}

const fn without(runtime: &'static str, instead: &'static str) -> WithoutExtensions {
    WithoutExtensions { runtime, instead }
}

/// Runtimes that cannot run external extensions (all deprecated).
pub const WITHOUT_EXTENSIONS: &[WithoutExtensions] = &[
    without("go1.x", "provided.al2023"),
    without("python2.7", "python3.13"),
    without("python3.6", "python3.13"),
    without("java8", "java8.al2 or java21"),
    without("nodejs", "nodejs22.x"),
    without("nodejs4.3", "nodejs22.x"),
    without("nodejs4.3-edge", "nodejs22.x"),
    without("nodejs6.10", "nodejs22.x"),
    without("nodejs8.10", "nodejs22.x"),
    without("dotnetcore1.0", "dotnet8"),
    without("dotnetcore2.0", "dotnet8"),
    without("dotnetcore2.1", "dotnet8"),
];

/// The table entry of `runtime` when it cannot run extensions; `None` when it can.
pub fn without_extensions(runtime: &str) -> Option<WithoutExtensions> {
    WITHOUT_EXTENSIONS
        .iter()
        .copied()
        .find(|entry| entry.runtime == runtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_runtimes_cannot_and_current_ones_can() {
        assert_eq!(
            without_extensions("go1.x").unwrap().instead,
            "provided.al2023"
        );
        assert!(without_extensions("python2.7").is_some());
        for runtime in [
            "provided.al2023",
            "provided.al2",
            "provided",
            "python3.13",
            "python3.7",
            "nodejs12.x",
            "java8.al2",
            "ruby2.5",
            "dotnet8",
            "python3.99",
        ] {
            assert!(without_extensions(runtime).is_none(), "{runtime}");
        }
    }

    #[test]
    fn every_entry_once() {
        let mut names: Vec<&str> = WITHOUT_EXTENSIONS.iter().map(|e| e.runtime).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), WITHOUT_EXTENSIONS.len());
    }
}
