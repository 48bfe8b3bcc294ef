//! The deployer: `deployer synth` against `cdk synth` of the equivalent CDK app
//! (`bench/cdk`), timed in the same run; `deployer up` with no changes against moto.

use crate::error::BenchError;
use crate::stats::Summary;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;
use tokio::process::Command;
use tokio::time::Instant;

/// Synth times, ms.
#[derive(Debug, Clone, Serialize)]
pub struct SynthFigures {
    /// `deployer synth`.
    pub deployer_ms: Summary,
    /// `cdk synth`, or why it could not run.
    pub cdk_ms: Result<Summary, String>,
}

impl SynthFigures {
    /// How many times faster `deployer synth` is (median against median).
    pub fn ratio(&self) -> Option<f64> {
        self.cdk_ms
            .as_ref()
            .ok()
            .map(|cdk| cdk.median / self.deployer_ms.median)
    }
}

/// `deployer up` times, ms.
#[derive(Debug, Clone, Serialize)]
pub struct UpFigures {
    /// The first `up` (builds the extension if its sources changed, creates the stacks).
    pub first_ms: f64,
    /// Later `up`s with nothing changed.
    pub unchanged_ms: Summary,
}

/// Runs `program args` in `directory` with `env`, returning its wall time; fails with
/// its stderr tail when it fails.
async fn timed(
    program: &Path,
    args: &[&str],
    directory: &Path,
    env: &[(String, String)],
) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let output = Command::new(program)
        .args(args)
        .current_dir(directory)
        .envs(
            env.iter()
                .map(|(key, value)| (key.as_str(), value.as_str())),
        )
        .env("NO_COLOR", "1")
        .output()
        .await
        .map_err(BenchError::io(format!("running {}", program.display())))?;
    let elapsed = started.elapsed();
    if output.status.success() {
        Ok(elapsed)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
        Err(BenchError::Command {
            command: format!("{} {}", program.display(), args.join(" ")),
            detail: format!(
                "{}: {}",
                output.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ),
        })
    }
}

fn milliseconds(durations: &[Duration]) -> Vec<f64> {
    durations
        .iter()
        .map(|duration| duration.as_secs_f64() * 1000.0)
        .collect()
}

/// Times `deployer synth` `runs` times and `cdk synth` `cdk_runs` times.
pub async fn synth(
    deployer: &Path,
    cdk_directory: &Path,
    runs: usize,
    cdk_runs: usize,
) -> Result<SynthFigures, BenchError> {
    let root = test_support::workspace_root();
    let mut deployer_times = Vec::new();
    for _ in 0..runs {
        deployer_times.push(timed(deployer, &["synth"], &root, &[]).await?);
    }
    let deployer_ms = Summary::of(&milliseconds(&deployer_times))
        .ok_or_else(|| BenchError::Timeout("no deployer synth run".to_owned()))?;
    let cdk = cdk_directory.join("node_modules/.bin/cdk");
    let cdk_ms = if cdk.is_file() {
        let mut times = Vec::new();
        let mut failure = None;
        for _ in 0..cdk_runs {
            match timed(&cdk, &["synth", "--quiet"], cdk_directory, &[]).await {
                Ok(time) => times.push(time),
                Err(error) => {
                    failure = Some(error.to_string());
                    break;
                }
            }
        }
        match failure {
            Some(failure) => Err(failure),
            None => Summary::of(&milliseconds(&times)).ok_or_else(|| "no run".to_owned()),
        }
    } else {
        Err(format!(
            "{} is missing: `npm install` in bench/cdk failed or was not run",
            cdk.display()
        ))
    };
    Ok(SynthFigures {
        deployer_ms,
        cdk_ms,
    })
}

/// Runs `deployer up` once to create the stack against moto, then `unchanged_runs` more
/// times with nothing changed.
pub async fn up(deployer: &Path, unchanged_runs: usize) -> Result<UpFigures, BenchError> {
    let moto = test_support::moto();
    let env = moto.env();
    let root = test_support::workspace_root();
    let stack = test_support::unique_name("bench-up");
    let args = ["--stack-name", stack.as_str(), "up"];
    let first = timed(deployer, &args, &root, &env).await?;
    // The later runs package the binary the first one built, so they time the deployer
    // and not a rebuild of a source tree that changed in between.
    let built = crate::artifacts::target_directory()
        .join("x86_64-unknown-linux-gnu/release")
        .join(crate::artifacts::EXTENSION_NAME);
    let built = built.display().to_string();
    let mut unchanged_args = args.to_vec();
    if std::path::Path::new(&built).is_file() {
        unchanged_args.extend(["--binary", built.as_str()]);
    }
    let mut unchanged = Vec::new();
    for _ in 0..unchanged_runs {
        unchanged.push(timed(deployer, &unchanged_args, &root, &env).await?);
    }
    Ok(UpFigures {
        first_ms: first.as_secs_f64() * 1000.0,
        unchanged_ms: Summary::of(&milliseconds(&unchanged))
            .ok_or_else(|| BenchError::Timeout("no unchanged up run".to_owned()))?,
    })
}
