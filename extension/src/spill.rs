//! Spilling: events that cannot be delivered are written to the extension's standard
//! output in the contract's spill-line format, which Lambda sends to the function's
//! CloudWatch Logs log group and `deployer recover` re-sends. Writing is bounded by a
//! deadline at SHUTDOWN; whatever does not fit is counted as lost.

use std::io::Write;
use std::sync::{Mutex, PoisonError};

use telemetry_kinesis_contract::Spill;
use telemetry_kinesis_contract::payload::id_of;
use telemetry_kinesis_contract::spill;
use tokio::time::Instant;
use tracing::{debug, warn};

use crate::record::Item;

/// Events written per chunk between deadline checks.
const CHUNK: usize = 256;

/// What became of events handed to the spiller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spilled {
    /// Written to the output.
    pub written: u64,
    /// Not written: spilling is off, the output failed, or the deadline passed.
    pub lost: u64,
}

/// Writes spill lines to an output (standard output in the extension).
pub struct Spiller {
    enabled: bool,
    stream: String,
    out: Mutex<Box<dyn Write + Send>>,
}

impl Spiller {
    /// Spills (when `spill` is on) events meant for `stream` to standard output.
    pub fn stdout(spill: Spill, stream: &str) -> Self {
        Self::new(spill, stream, Box::new(std::io::stdout()))
    }

    /// Spills to `out`.
    pub fn new(spill: Spill, stream: &str, out: Box<dyn Write + Send>) -> Self {
        Self {
            enabled: spill == Spill::On,
            stream: stream.to_owned(),
            out: Mutex::new(out),
        }
    }

    /// Whether events are spilled at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Writes the events, stopping at `deadline` if one is given. The extension's own
    /// reports are not spilled (a later one supersedes them) and not counted.
    pub fn write(&self, items: &[Item], deadline: Option<Instant>) -> Spilled {
        let telemetry: Vec<&Item> = items.iter().filter(|item| !item.own).collect();
        let total = telemetry.len() as u64;
        if !self.enabled || telemetry.is_empty() {
            return Spilled {
                written: 0,
                lost: total,
            };
        }
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let mut written = 0;
        for chunk in telemetry.chunks(CHUNK) {
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                debug!(left = total - written, "spilling stopped at the deadline");
                break;
            }
            let mut text = Vec::new();
            for item in chunk {
                let id = id_of(&item.data).unwrap_or_default();
                spill::write(&mut text, &self.stream, &item.partition_key, id, &item.data);
            }
            if let Err(error) = out.write_all(&text).and_then(|()| out.flush()) {
                warn!(%error, "spilling to standard output failed");
                break;
            }
            written += chunk.len() as u64;
        }
        Spilled {
            written,
            lost: total - written,
        }
    }
}

/// An output that keeps what is written, for tests.
#[cfg(test)]
#[derive(Clone, Default)]
pub struct CapturedOutput(pub std::sync::Arc<Mutex<Vec<u8>>>);

#[cfg(test)]
impl CapturedOutput {
    /// What was written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

#[cfg(test)]
impl Write for CapturedOutput {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use bytes::Bytes;
    use std::sync::Arc;
    use telemetry_kinesis_contract::spill::Reader;

    fn item(id: usize, own: bool) -> Item {
        Item {
            partition_key: Arc::from("r-1"),
            data: Bytes::from(format!(
                r#"{{"id":"i-{id}","time":"t","type":"function","record":"x"}}"#
            )),
            own,
        }
    }

    #[test]
    fn spilled_events_read_back_whole_and_own_reports_are_skipped() {
        let out = CapturedOutput::default();
        let spiller = Spiller::new(Spill::On, "s", Box::new(out.clone()));
        let items: Vec<Item> = (0..600).map(|id| item(id, id == 7)).collect();
        assert_eq!(
            spiller.write(&items, None),
            Spilled {
                written: 599,
                lost: 0
            }
        );
        let text = out.text();
        let mut reader = Reader::default();
        let read: Vec<_> = text
            .lines()
            .filter_map(|line| reader.read(line).unwrap())
            .collect();
        assert_eq!(read.len(), 599);
        assert_eq!(read[0].payload.as_bytes(), &items[0].data[..]);
        assert_eq!(read[0].partition_key, "r-1");
        assert_eq!(read[0].stream, "s");
    }

    #[test]
    fn off_or_past_the_deadline_counts_them_lost() {
        let items: Vec<Item> = (0..3).map(|id| item(id, false)).collect();
        let off = Spiller::new(Spill::Off, "s", Box::new(CapturedOutput::default()));
        assert_eq!(
            off.write(&items, None),
            Spilled {
                written: 0,
                lost: 3
            }
        );
        let on = Spiller::new(Spill::On, "s", Box::new(CapturedOutput::default()));
        let past = Instant::now() - std::time::Duration::from_millis(1);
        assert_eq!(
            on.write(&items, Some(past)),
            Spilled {
                written: 0,
                lost: 3
            }
        );
    }
}
