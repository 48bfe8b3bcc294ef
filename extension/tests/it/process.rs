//! Running the extension binary and talking to its listener.

use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::control_plane::ControlPlane;

pub const BINARY: &str = env!("CARGO_BIN_EXE_telemetry-kinesis-extension");
/// How long to wait for the output of an exited process to be read.
const WAIT_OUTPUT: Duration = Duration::from_secs(10);

pub struct Extension {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    stdout: Arc<Mutex<Vec<String>>>,
    lines: watch::Receiver<usize>,
    stdout_open: watch::Receiver<bool>,
    exited_at: Option<Instant>,
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The environment Lambda would give, pointing at `control`, listening on `port`.
pub fn lambda_env(control: &ControlPlane, port: u16) -> Vec<(String, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", control.runtime_api()),
        ("AWS_LAMBDA_FUNCTION_NAME", "test-function".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("TELEMETRY_KINESIS_LISTENER_PORT", port.to_string()),
        (
            "RUST_LOG",
            std::env::var("EXTENSION_LOG").unwrap_or_else(|_| "info".to_owned()),
        ),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect()
}

impl Extension {
    pub fn spawn(env: impl IntoIterator<Item = (String, String)>) -> Self {
        Self::spawn_command(Command::new(BINARY), env)
    }

    /// Spawns the extension with at most `limit` open file descriptors (Lambda's is 1,024).
    pub fn spawn_with_fd_limit(
        env: impl IntoIterator<Item = (String, String)>,
        limit: u32,
    ) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\""))
            .arg(BINARY);
        Self::spawn_command(command, env)
    }

    fn spawn_command(
        mut command: Command,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut child = command
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (count, lines) = watch::channel(0);
        let mut reader = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = Arc::clone(&stderr);
        tokio::spawn(async move {
            while let Ok(Some(line)) = reader.next_line().await {
                eprintln!("[extension] {line}");
                sink.lock().unwrap().push(line);
                count.send_modify(|count| *count += 1);
            }
        });
        // Standard output carries spilled events, one JSON line each.
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let (open, stdout_open) = watch::channel(true);
        let mut reader = BufReader::new(child.stdout.take().unwrap()).lines();
        let sink = Arc::clone(&stdout);
        tokio::spawn(async move {
            while let Ok(Some(line)) = reader.next_line().await {
                sink.lock().unwrap().push(line);
            }
            open.send_replace(false);
        });
        Self {
            child,
            stderr,
            stdout,
            lines,
            stdout_open,
            exited_at: None,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    pub async fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .expect("the extension did not exit in time")
            .unwrap();
        self.exited_at = Some(Instant::now());
        // Let the readers drain what is left: standard output until it closes.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.lines.wait_for(|_| false)).await;
        let _ = tokio::time::timeout(WAIT_OUTPUT, self.stdout_open.wait_for(|open| !open)).await;
        status
    }

    /// When [`Self::wait`] saw the process end (before it drained the output).
    pub fn exited_at(&self) -> Option<Instant> {
        self.exited_at
    }

    /// Events spilled to standard output so far: (partition key, payload).
    pub fn spilled(&self) -> Vec<(String, Value)> {
        let mut reader = telemetry_kinesis_contract::spill::Reader::default();
        self.stdout
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| reader.read(line).unwrap())
            .map(|spilled| {
                let payload = serde_json::from_str(&spilled.payload).unwrap();
                (spilled.partition_key, payload)
            })
            .collect()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// `VmHWM` (peak resident set) in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        status_field(self.pid(), "VmHWM:")
    }

    /// `VmRSS` in KiB.
    pub fn rss_kib(&self) -> u64 {
        status_field(self.pid(), "VmRSS:")
    }

    /// CPU time used so far (user and system), from `/proc/<pid>/stat`.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap();
        // Fields after the command name (which may hold spaces): utime is the 14th field
        // of the line, stime the 15th, in clock ticks.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // USER_HZ: 100 on every Linux architecture Lambda runs.
        Duration::from_millis(ticks * 10)
    }
}

fn status_field(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap()
}

/// POSTs a Telemetry API batch to the extension's listener, as Lambda does.
pub async fn post_batch(port: u16, body: impl Into<Bytes>) -> http::StatusCode {
    try_post(port, http::Method::POST, body).await.unwrap()
}

/// Sends a request to the listener; an error when the connection breaks.
pub async fn try_post(
    port: u16,
    method: http::Method,
    body: impl Into<Bytes>,
) -> Result<http::StatusCode, hyper_util::client::legacy::Error> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let request = http::Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1:{port}/"))
        .header("content-type", "application/json")
        .body(Full::new(body.into()))
        .unwrap();
    Ok(client.request(request).await?.status())
}

/// `count` text `function` events of invocation `invoke`, each `size` bytes of record.
pub fn function_events(invoke: &str, count: usize, size: usize) -> Vec<Value> {
    (0..count)
        .map(|index| {
            let text = format!("{invoke} line {index} ");
            let padding = "x".repeat(size.saturating_sub(text.len()));
            json!({"time": "2026-01-01T00:00:00.000Z", "type": "function", "record": format!("{text}{padding}")})
        })
        .collect()
}

pub fn body(events: &[Value]) -> Vec<u8> {
    serde_json::to_vec(events).unwrap()
}

/// Decoded payloads of accepted Kinesis records (JSON format).
pub fn payloads(records: &[test_support::fake_kinesis::AcceptedRecord]) -> Vec<Value> {
    records
        .iter()
        .flat_map(|record| {
            telemetry_kinesis_contract::kpl::decode(&record.partition_key, &record.data).unwrap()
        })
        .map(|(_, data)| serde_json::from_slice(&data).unwrap())
        .collect()
}

/// The `record`s of `function` payloads, de-duplicated by `id` (delivery is at least once).
pub fn function_records(payloads: &[Value]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    payloads
        .iter()
        .filter(|payload| payload["type"] == "function")
        .filter(|payload| seen.insert(payload["id"].as_str().unwrap().to_owned()))
        .map(|payload| payload["record"].as_str().unwrap().to_owned())
        .collect()
}
