//! One moto server per test process, on a free loopback port.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

use crate::tools::python;

/// Region and dummy credentials used for the local servers only.
pub const REGION: &str = "us-east-1";
const ACCESS_KEY: &str = "testing";
const SECRET_KEY: &str = "testing";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs moto's server in a thread and exits as soon as its standard input closes, which
/// happens when the test process ends for any reason (normal exit, panic, SIGKILL).
const WRAPPER: &str = r#"
import os, sys, threading
from moto.server import main
threading.Thread(target=main, args=(["-H", "127.0.0.1", "-p", sys.argv[1]],), daemon=True).start()
sys.stdin.read()
os._exit(0)
"#;

/// A moto server started for this test process.
pub struct Moto {
    endpoint: String,
    port: u16,
    // Held so the pipe stays open for the life of the process; the child dies when it closes.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

/// The moto server of this test process, started on first use.
///
/// # Panics
/// When the server cannot be started or does not answer within a minute.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| match Moto::start() {
        Ok(moto) => moto,
        Err(message) => panic!("cannot start moto server: {message}"),
    })
}

impl Moto {
    fn start() -> Result<Self, String> {
        let mut last_error = String::new();
        // A port found free can be taken before moto binds it: try a few.
        for _ in 0..3 {
            let port = free_port().map_err(|e| format!("no free port: {e}"))?;
            let mut child = Command::new(python())
                .args(["-c", WRAPPER, &port.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("spawn {}: {e}", python().display()))?;
            let stdin = child.stdin.take().ok_or("no stdin pipe")?;
            match wait_until_ready(port, &mut child) {
                Ok(()) => {
                    return Ok(Self {
                        endpoint: format!("http://127.0.0.1:{port}"),
                        port,
                        _stdin: Mutex::new(stdin),
                        _child: Mutex::new(child),
                    });
                }
                Err(e) => {
                    last_error = e;
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        Err(last_error)
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Environment for a child process (deployer, extension) that should talk to this server
    /// through the standard variables only.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", REGION),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// SDK configuration for clients inside the test itself.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "moto"))
            .load()
            .await
    }

    /// A Kinesis client for this server.
    pub async fn kinesis(&self) -> aws_sdk_kinesis::Client {
        aws_sdk_kinesis::Client::new(&self.sdk_config().await)
    }

    /// Creates a provisioned stream with `shards` shards and waits until it is ACTIVE.
    ///
    /// # Panics
    /// When the stream cannot be created or does not become active within 30 s.
    pub async fn create_stream(&self, name: &str, shards: i32) {
        let kinesis = self.kinesis().await;
        if let Err(e) = kinesis
            .create_stream()
            .stream_name(name)
            .shard_count(shards)
            .send()
            .await
        {
            panic!("create stream {name}: {e:?}");
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let summary = kinesis
                .describe_stream_summary()
                .stream_name(name)
                .send()
                .await;
            if let Ok(summary) = summary
                && summary
                    .stream_description_summary()
                    .is_some_and(|s| s.stream_status().as_str() == "ACTIVE")
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "stream {name} never became ACTIVE"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn free_port() -> std::io::Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map(|l| l.local_addr().map(|a| a.port()))?
}

/// Polls `GET /moto-api/` until it answers 200, the child exits, or the timeout passes.
fn wait_until_ready(port: u16, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("moto server exited early with {status}"));
        }
        if probe(addr).unwrap_or(false) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "moto server on port {port} did not answer within {START_TIMEOUT:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn probe(addr: SocketAddr) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    Ok(head.starts_with(b"HTTP/1.0 200") || head.starts_with(b"HTTP/1.1 200"))
}
