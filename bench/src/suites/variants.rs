//! Build variants side by side (optimisation levels): each built with symbols, measured
//! stripped as it would ship (binary and layer zip sizes, CPU per event in both record
//! formats), and under callgrind with its symbols (see [`super::instructions`]).

use crate::artifacts::ExtensionLayer;
use crate::error::BenchError;
use crate::suites::sizes::{self, Sizes};
use crate::suites::throughput::{self, Plan, Throughput};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// A build to compare: a label and the binary built with symbols.
#[derive(Debug, Clone)]
pub struct Variant {
    /// `opt-level s`, `opt-level 3`, ...
    pub label: String,
    /// The release binary with its symbols.
    pub binary: PathBuf,
}

impl std::str::FromStr for Variant {
    type Err = String;

    /// `LABEL=PATH`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (label, binary) = text
            .split_once('=')
            .ok_or_else(|| format!("expected LABEL=PATH, got {text:?}"))?;
        Ok(Self {
            label: label.to_owned(),
            binary: PathBuf::from(binary),
        })
    }
}

/// One variant's figures.
#[derive(Debug, Clone, Serialize)]
pub struct VariantFigures {
    /// The build.
    pub label: String,
    /// Sizes of the stripped binary and its layer zip.
    pub sizes: Sizes,
    /// Throughput per record format (stripped binary).
    pub throughput: Vec<Throughput>,
}

/// Measures `variant` with the throughput `plan` (its format replaced by each format).
pub async fn run(variant: &Variant, plan: &Plan) -> Result<VariantFigures, BenchError> {
    let directory = tempfile::Builder::new()
        .prefix("bench-variant-")
        .tempdir()
        .map_err(BenchError::io("creating a directory for the stripped copy"))?;
    let stripped = directory.path().join("extension");
    strip(&variant.binary, &stripped).await?;
    let sizes = sizes::run(&stripped)?;
    let layer = ExtensionLayer::new(&stripped)?;
    let mut runs = Vec::new();
    for format in ["json", "kpl"] {
        eprintln!("bench: variants: {} ({format})", variant.label);
        let plan = Plan {
            format,
            ..plan.clone()
        };
        runs.push(throughput::run(&layer, &plan).await?);
    }
    Ok(VariantFigures {
        label: variant.label.clone(),
        sizes,
        throughput: runs,
    })
}

/// Writes `binary` without its symbols to `output`, as the release profile's
/// `strip = true` ships it.
async fn strip(binary: &Path, output: &Path) -> Result<(), BenchError> {
    let status = Command::new("strip")
        .arg("--strip-all")
        .arg("-o")
        .arg(output)
        .arg(binary)
        .status()
        .await
        .map_err(BenchError::io("running strip"))?;
    if status.success() {
        Ok(())
    } else {
        Err(BenchError::Command {
            command: format!("strip --strip-all {}", binary.display()),
            detail: status.to_string(),
        })
    }
}
