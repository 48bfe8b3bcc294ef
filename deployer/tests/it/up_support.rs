//! Running `deployer up` and `destroy` as a child process against the test's moto server, with
//! per-test names so tests sharing the server never see each other's stacks.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_sdk_cloudformation::types::StackEvent;
use tempfile::TempDir;

/// What one run of the binary did.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Generous for CI, far below a hang on the instance metadata endpoint or the SDK's defaults.
pub const BOUND: Duration = Duration::from_secs(20);

/// `env` without the variables `names`.
pub fn without(env: Vec<(String, String)>, names: &[&str]) -> Vec<(String, String)> {
    env.into_iter()
        .filter(|(key, _)| !names.contains(&key.as_str()))
        .collect()
}

/// The deployer with exactly `env` (plus PATH), no colour and no terminal.
fn command(args: &[String], env: &[(String, String)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_deployer"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(key, value)| (key, value)))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

fn finished(output: &std::process::Output, started: Instant) -> Run {
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Runs the deployer with exactly `env` (plus PATH) and no terminal.
pub async fn deployer(args: &[String], env: &[(String, String)]) -> Run {
    let started = Instant::now();
    let output = command(args, env).output().await.unwrap();
    finished(&output, started)
}

/// An endpoint URL on a loopback port that was free a moment ago: connections are refused.
pub fn refused_endpoint() -> String {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// Runs the deployer against an endpoint that accepts connections and never answers, and
/// sends it SIGINT once it is waiting there.
pub async fn interrupted_while_waiting(mut args: Vec<String>, env: &[(String, String)]) -> Run {
    let silent = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let (accepted_sender, mut accepted) = tokio::sync::mpsc::channel(8);
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = silent.accept().await {
            held.push(connection);
            let _ = accepted_sender.try_send(());
        }
    });
    args.splice(0..0, ["--endpoint-url".to_owned(), endpoint]);
    let started = Instant::now();
    let child = command(&args, env).spawn().unwrap();
    tokio::time::timeout(BOUND, accepted.recv())
        .await
        .unwrap_or_else(|_| panic!("{args:?} never called the endpoint"));
    let pid = child.id().unwrap().to_string();
    let status = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let output = tokio::time::timeout(BOUND, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{args:?}: no exit after SIGINT"))
        .unwrap();
    holder.abort();
    finished(&output, started)
}

/// The architecture of this machine, as `--architecture` spells it.
pub fn host_architecture() -> &'static str {
    if std::env::consts::ARCH == "aarch64" {
        "arm64"
    } else {
        "x86_64"
    }
}

/// One test's private world: names, a home without AWS profiles, and a stand-in extension.
///
/// The stand-in is a small native ELF executable (the system's `true`): packaging checks its
/// architecture and glibc needs like the real extension's, without a release build and without
/// deflating a 40 MB debug binary on every `up`.
pub struct World {
    pub stack: String,
    pub stream: String,
    pub assets: String,
    pub dir: TempDir,
}

impl World {
    pub fn new(prefix: &str) -> Self {
        let world = Self {
            stack: test_support::unique_name(prefix),
            stream: test_support::unique_name(&format!("{prefix}-stream")),
            assets: test_support::unique_name(&format!("{prefix}-assets")),
            dir: tempfile::tempdir().unwrap(),
        };
        world.rebuild_extension(b"");
        world
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes the stand-in extension with `suffix` appended: different bytes, same ELF.
    pub fn rebuild_extension(&self, suffix: &[u8]) {
        let mut bytes = std::fs::read(system_true()).unwrap();
        bytes.extend_from_slice(suffix);
        std::fs::write(self.path("extension"), bytes).unwrap();
    }

    /// moto's environment with a home directory that holds no AWS profile.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = test_support::moto().env();
        env.extend(self.profile_free_home());
        env
    }

    /// Variables that keep the child away from the developer's own AWS profiles.
    pub fn profile_free_home(&self) -> Vec<(String, String)> {
        let home = self.dir.path().display().to_string();
        vec![
            ("HOME".to_owned(), home.clone()),
            (
                "AWS_CONFIG_FILE".to_owned(),
                format!("{home}/no-aws-config"),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                format!("{home}/no-aws-credentials"),
            ),
        ]
    }

    pub fn up_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "--stack-name",
            &self.stack,
            "up",
            "--stream-name",
            &self.stream,
            "--assets-stack",
            &self.assets,
            "--architecture",
            host_architecture(),
            "--binary",
            &self.path("extension").display().to_string(),
            "--runtime-os",
            "al2023",
            "--output",
            &self.path("layer.zip").display().to_string(),
            "--yes",
            "--json",
        ]
        .iter()
        .map(|arg| (*arg).to_owned())
        .collect();
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        args
    }

    pub async fn up(&self, extra: &[&str]) -> Run {
        let run = deployer(&self.up_args(extra), &self.env()).await;
        assert_eq!(run.code, Some(0), "up failed: {run}");
        run
    }

    pub fn destroy_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "--stack-name",
            &self.stack,
            "destroy",
            "--assets-stack",
            &self.assets,
        ]
        .iter()
        .map(|arg| (*arg).to_owned())
        .collect();
        args.extend(extra.iter().map(|arg| (*arg).to_owned()));
        args
    }

    pub async fn destroy(&self, extra: &[&str]) -> Run {
        deployer(&self.destroy_args(extra), &self.env()).await
    }
}

fn system_true() -> &'static Path {
    ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .map(Path::new)
        .find(|path| path.exists())
        .expect("no `true` executable")
}

pub async fn cloudformation() -> aws_sdk_cloudformation::Client {
    aws_sdk_cloudformation::Client::new(&test_support::moto().sdk_config().await)
}

pub async fn s3() -> aws_sdk_s3::Client {
    let config = test_support::moto().sdk_config().await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

pub async fn lambda() -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&test_support::moto().sdk_config().await)
}

/// The stack's events (newest first), or none when it does not exist.
pub async fn stack_events(stack: &str) -> Vec<StackEvent> {
    let client = cloudformation().await;
    let mut events = Vec::new();
    let mut pages = client
        .describe_stack_events()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => events.extend(page.stack_events().iter().cloned()),
            Err(_) => break,
        }
    }
    events
}

/// The physical ID of a stack resource.
pub async fn physical_id(stack: &str, logical_id: &str) -> String {
    let resource = cloudformation()
        .await
        .describe_stack_resource()
        .stack_name(stack)
        .logical_resource_id(logical_id)
        .send()
        .await
        .unwrap();
    resource
        .stack_resource_detail()
        .unwrap()
        .physical_resource_id()
        .unwrap()
        .to_owned()
}

/// Whether a stack of that name exists now.
pub async fn stack_exists(stack: &str) -> bool {
    cloudformation()
        .await
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .is_ok()
}
