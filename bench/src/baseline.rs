//! The baseline the regression guard measures the extension against, in the same run
//! and build: a minimal Telemetry API listener (hyper, one thread, like the extension)
//! that only parses each batch into its events and answers 200. The extension's
//! throughput divided by the baseline's is a ratio that a faster or slower machine
//! changes little, and a regression in the extension changes a lot.

use crate::cpu::{self, PerEvent};
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
    /// The listener thread's CPU time, in microseconds, as of its last batch.
    cpu_micros: Arc<AtomicU64>,
}

/// What the baseline did over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselineFigures {
    /// Events parsed per second.
    pub events_per_second: f64,
    /// Its thread's CPU time per event.
    pub cpu_per_event: Option<PerEvent>,
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
        let cpu_micros = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&events);
        let cpu = Arc::clone(&cpu_micros);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(BenchError::io("starting the baseline runtime"))?;
        std::thread::Builder::new()
            .name("baseline-listener".to_owned())
            .spawn(move || runtime.block_on(serve(listener, counter, cpu)))
            .map_err(BenchError::io("starting the baseline thread"))?;
        Ok(Self {
            address,
            events,
            cpu_micros,
        })
    }

    /// Posts the bodies round and round for `window`; returns events parsed per second and
    /// the listener's CPU time per event.
    pub async fn measure(
        &self,
        bodies: Arc<Vec<Bytes>>,
        connections: usize,
        window: Duration,
    ) -> Result<BaselineFigures, BenchError> {
        let cpu_before = self.cpu_micros.load(Ordering::Relaxed);
        let events_before = self.events.load(Ordering::Relaxed);
        let events_per_second = self.events_per_second(bodies, connections, window).await?;
        let cpu = self.cpu_micros.load(Ordering::Relaxed) - cpu_before;
        let events = self.events.load(Ordering::Relaxed) - events_before;
        Ok(BaselineFigures {
            events_per_second,
            cpu_per_event: PerEvent::of(Duration::from_micros(cpu), events),
        })
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

async fn serve(
    listener: std::net::TcpListener,
    events: Arc<AtomicU64>,
    cpu_micros: Arc<AtomicU64>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let handler = move |request: hyper::Request<Incoming>| {
        let events = Arc::clone(&events);
        let cpu_micros = Arc::clone(&cpu_micros);
        async move {
            if let Ok(body) = request.into_body().collect().await {
                let body = body.to_bytes();
                if let Ok(batch) = serde_json::from_slice::<Vec<&RawValue>>(&body) {
                    events.fetch_add(batch.len() as u64, Ordering::Relaxed);
                }
            }
            // One thread serves every connection: its CPU time is the listener's.
            let micros = u64::try_from(cpu::thread_time().as_micros()).unwrap_or(u64::MAX);
            cpu_micros.store(micros, Ordering::Relaxed);
            Ok(hyper::Response::new(Full::new(Bytes::new())))
        }
    };
    test_support::http_server::serve(listener, handler, Duration::ZERO, std::future::pending())
        .await;
}
