//! The whole set: which suites, with what sizes, and the results they produce. A suite
//! that fails is reported and the others still run.

use crate::artifacts::{self, ExtensionLayer, Profile};
use crate::error::BenchError;
use crate::events::EventKind;
use crate::machine::Machine;
use crate::report::Results;
use crate::suites::variants::Variant;
use crate::suites::{
    cold_start, cost, deployer, faults, first_invocation, instructions, invocations, memory, peer,
    sizes, throughput, variants,
};
use std::path::PathBuf;
use std::time::Duration;

/// The shortest Telemetry API buffering timeout Lambda accepts.
pub const SHORTEST_BUFFERING_TIMEOUT_MS: u32 = 25;

/// A group of measurements, selectable with `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Suite {
    /// Extension init duration.
    ColdStart,
    /// The first invocation of fresh environments against a Kinesis with latency.
    FirstInvocation,
    /// Peak RSS idle, after 10k events, under a burst; the byte cap.
    Memory,
    /// Post-runtime duration and delivery latency per flush strategy and rate.
    Invocations,
    /// Sustained events/s and CPU per event, per record format.
    Throughput,
    /// Instructions per event under callgrind (deterministic).
    Instructions,
    /// Build variants (optimisation levels): sizes, CPU per event.
    Variants,
    /// The peer on the `lambda-extension` crate, beside this extension.
    Peer,
    /// PUT payload units and calls per 1,000 events.
    Cost,
    /// Binary and layer zip sizes.
    Sizes,
    /// Every event counted under a misbehaving Kinesis, per scenario and record format.
    Faults,
    /// `deployer synth` against `cdk synth`, `deployer up` unchanged.
    Deployer,
}

impl Suite {
    /// Every suite, in run order.
    pub const ALL: [Self; 12] = [
        Self::Sizes,
        Self::ColdStart,
        Self::FirstInvocation,
        Self::Memory,
        Self::Faults,
        Self::Cost,
        Self::Invocations,
        Self::Throughput,
        Self::Instructions,
        Self::Variants,
        Self::Peer,
        Self::Deployer,
    ];
}

/// Sizes of the measurements.
#[derive(Debug, Clone)]
pub struct Options {
    /// The suites to run.
    pub suites: Vec<Suite>,
    /// Extension binaries of this profile.
    pub profile: Profile,
    /// Sandbox starts for the cold start median.
    pub cold_starts: usize,
    /// The fault scenarios to run.
    pub fault_scenarios: Vec<faults::Scenario>,
    /// Events in the memory burst.
    pub burst_events: usize,
    /// Load before each throughput window.
    pub warm_up: Duration,
    /// Each throughput window.
    pub throughput_window: Duration,
    /// Each window of the variants and the peer.
    pub comparison_window: Duration,
    /// Release builds with symbols, for callgrind's breakdown and the variants (the first
    /// is the shipped build's settings); none: callgrind on the shipped (stripped) binary.
    pub variants: Vec<Variant>,
    /// Fresh environments of the first-invocation suite.
    pub first_invocations: usize,
    /// Starts of each extension for the peer's cold start and idle RSS.
    pub peer_starts: usize,
    /// Invocations at the high rate (back to back).
    pub high_rate_invocations: usize,
    /// Invocations at the low rate.
    pub low_rate_invocations: usize,
    /// Pause between low-rate invocations (above the adaptive strategy's busy gap).
    pub low_rate_gap: Duration,
    /// `deployer synth` runs.
    pub synth_runs: usize,
    /// `cdk synth` runs.
    pub cdk_runs: usize,
    /// Unchanged `deployer up` runs.
    pub up_runs: usize,
    /// The CDK app (with `node_modules` installed).
    pub cdk_directory: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            suites: Suite::ALL.to_vec(),
            profile: Profile::Release,
            cold_starts: 30,
            fault_scenarios: faults::Scenario::ALL.to_vec(),
            burst_events: 1_000_000,
            warm_up: Duration::from_secs(3),
            throughput_window: Duration::from_secs(60),
            comparison_window: Duration::from_secs(20),
            variants: Vec::new(),
            first_invocations: 20,
            peer_starts: 10,
            high_rate_invocations: 200,
            low_rate_invocations: 4,
            low_rate_gap: Duration::from_secs(11),
            synth_runs: 10,
            cdk_runs: 3,
            up_runs: 3,
            cdk_directory: test_support::workspace_root().join("bench/cdk"),
        }
    }
}

/// Runs the selected suites, printing progress to stderr.
pub async fn run(options: &Options) -> Result<Results, BenchError> {
    let binary = artifacts::extension_binary(options.profile)?;
    let layer = ExtensionLayer::new(&binary)?;
    let mut results = Results::new(Machine::current(), binary.clone());
    for suite in Suite::ALL {
        if !options.suites.contains(&suite) {
            continue;
        }
        eprintln!("bench: {suite:?}...");
        let started = std::time::Instant::now();
        let outcome = run_suite(suite, options, &layer, &mut results).await;
        eprintln!(
            "bench: {suite:?} took {:.1} s",
            started.elapsed().as_secs_f64()
        );
        if let Err(error) = outcome {
            eprintln!("bench: {suite:?} failed: {error}");
            results
                .failures
                .push((format!("{suite:?}"), error.to_string()));
        }
    }
    Ok(results)
}

async fn run_suite(
    suite: Suite,
    options: &Options,
    layer: &ExtensionLayer,
    results: &mut Results,
) -> Result<(), BenchError> {
    match suite {
        Suite::Sizes => results.sizes = Some(sizes::run(layer.binary())?),
        Suite::ColdStart => {
            results.cold_start = cold_start::run(layer, options.cold_starts).await?
        }
        Suite::Memory => results.memory = Some(memory::run(layer, options.burst_events).await?),
        Suite::Faults => {
            for &scenario in &options.fault_scenarios {
                for format in ["json", "kpl"] {
                    eprintln!("bench: faults: {} ({format})", scenario.label());
                    results
                        .faults
                        .push(faults::run(layer, scenario, format).await?);
                }
            }
        }
        Suite::Cost => {
            for kind in EventKind::ALL {
                for format in ["json", "kpl"] {
                    results.cost.push(cost::run(layer, kind, format).await?);
                }
            }
        }
        Suite::Invocations => {
            let low = invocations::Rate {
                label: "low",
                invocations: options.low_rate_invocations,
                gap: options.low_rate_gap,
            };
            let high = invocations::Rate {
                label: "high",
                invocations: options.high_rate_invocations,
                gap: Duration::ZERO,
            };
            // The low-rate runs are mostly idle: run the three strategies side by side.
            let [adaptive, end, background] = invocations::STRATEGIES;
            let (first, second, third) = tokio::join!(
                invocations::run(layer, adaptive, low, None),
                invocations::run(layer, end, low, None),
                invocations::run(layer, background, low, None),
            );
            results.invocations.extend([first?, second?, third?]);
            for strategy in invocations::STRATEGIES {
                results
                    .invocations
                    .push(invocations::run(layer, strategy, high, None).await?);
            }
            // `end` waits for runtimeDone, which Lambda delivers after the buffering
            // timeout: the same strategy with the shortest timeout Lambda accepts.
            results.invocations.push(
                invocations::run(layer, end, high, Some(SHORTEST_BUFFERING_TIMEOUT_MS)).await?,
            );
        }
        Suite::FirstInvocation => {
            for runtime in [
                first_invocation::Runtime::Scripted,
                first_invocation::Runtime::Python,
            ] {
                for types in [None, Some("function")] {
                    results.first_invocation.push(
                        first_invocation::run(layer, options.first_invocations, runtime, types)
                            .await?,
                    );
                }
            }
        }
        Suite::Throughput => {
            for format in ["json", "kpl"] {
                let plan = throughput_plan(options, format, options.throughput_window);
                results
                    .throughput
                    .push(throughput::run(layer, &plan).await?);
            }
        }
        Suite::Instructions => {
            // The shipped binary has no symbols: its total only, beside the builds with
            // symbols that break it down.
            let mut builds = vec![Variant {
                label: "shipped, stripped".to_owned(),
                binary: layer.binary().to_owned(),
            }];
            builds.extend(options.variants.iter().cloned());
            for variant in &builds {
                for format in ["json", "kpl"] {
                    eprintln!("bench: instructions: {} ({format})", variant.label);
                    results.instructions.push(
                        instructions::run(
                            &variant.binary,
                            &variant.label,
                            format,
                            instructions::BATCHES,
                        )
                        .await?,
                    );
                }
            }
        }
        Suite::Variants => {
            let plan = throughput_plan(options, "json", options.comparison_window);
            for variant in &options.variants {
                results.variants.push(variants::run(variant, &plan).await?);
            }
        }
        Suite::Peer => {
            let peer_layer = ExtensionLayer::peer(&artifacts::peer_binary()?)?;
            let plan = throughput_plan(options, "json", options.comparison_window);
            let ours = results.throughput.clone();
            results.peer =
                Some(peer::run(layer, &peer_layer, options.peer_starts, &plan, &ours).await?);
        }
        Suite::Deployer => {
            let deployer = artifacts::deployer_binary()?;
            results.synth = Some(
                deployer::synth(
                    &deployer,
                    &options.cdk_directory,
                    options.synth_runs,
                    options.cdk_runs,
                )
                .await?,
            );
            results.up = Some(
                deployer::up(&deployer, options.up_runs)
                    .await
                    .map_err(|error| error.to_string()),
            );
        }
    }
    Ok(())
}

fn throughput_plan(options: &Options, format: &'static str, window: Duration) -> throughput::Plan {
    throughput::Plan {
        format,
        warm_up: options.warm_up,
        window,
        pin: true,
        paced: true,
    }
}
