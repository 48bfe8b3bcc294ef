//! The baseline the regression guard measures the extension against, in the same run
//! and build: a minimal Telemetry API listener (hyper, one thread, like the extension)
//! that only parses each batch into its events and answers 200. The extension's
//! throughput divided by the baseline's is a ratio that a faster or slower machine
//! changes little, and a regression in the extension changes a lot.

use crate::error::BenchError;
use crate::load;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::value::RawValue;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// A running baseline listener; its thread ends with the process.
pub struct Baseline {
    address: SocketAddr,
    events: Arc<AtomicU64>,
}

impl Baseline {
    /// Starts the listener on a free port of 127.0.0.1, on its own thread and runtime.
    pub fn start() -> Result<Self, BenchError> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(BenchError::io("binding the baseline listener"))?;
        listener
            .set_nonblocking(true)
            .map_err(BenchError::io("binding the baseline listener"))?;
        let address = listener
            .local_addr()
            .map_err(BenchError::io("binding the baseline listener"))?;
        let events = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&events);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(BenchError::io("starting the baseline runtime"))?;
        std::thread::Builder::new()
            .name("baseline-listener".to_owned())
            .spawn(move || runtime.block_on(serve(listener, counter)))
            .map_err(BenchError::io("starting the baseline thread"))?;
        Ok(Self { address, events })
    }

    /// Posts the bodies round and round for `window` and returns events parsed per
    /// second.
    pub async fn events_per_second(
        &self,
        bodies: Arc<Vec<Bytes>>,
        connections: usize,
        window: Duration,
    ) -> Result<f64, BenchError> {
        let before = self.events.load(Ordering::Relaxed);
        let started = Instant::now();
        load::post_until(self.address, bodies, connections, started + window).await?;
        let elapsed = started.elapsed().as_secs_f64();
        Ok((self.events.load(Ordering::Relaxed) - before) as f64 / elapsed)
    }
}

async fn serve(listener: std::net::TcpListener, events: Arc<AtomicU64>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let handler = move |request: hyper::Request<Incoming>| {
        let events = Arc::clone(&events);
        async move {
            if let Ok(body) = request.into_body().collect().await {
                let body = body.to_bytes();
                if let Ok(batch) = serde_json::from_slice::<Vec<&RawValue>>(&body) {
                    events.fetch_add(batch.len() as u64, Ordering::Relaxed);
                }
            }
            Ok(hyper::Response::new(Full::new(Bytes::new())))
        }
    };
    test_support::http_server::serve(listener, handler, Duration::ZERO, std::future::pending())
        .await;
}
