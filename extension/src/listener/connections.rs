//! The open telemetry connections, oldest first, so that when too many are open the oldest
//! idle one (waiting for a request, or holding nothing) can be closed to make room: a real
//! batch always gets a connection, whatever holds the others.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a connection is in the middle of a request; set by its handler.
#[derive(Debug, Clone, Default)]
pub struct Busy(Arc<AtomicBool>);

impl Busy {
    /// Marks the connection busy until the guard is dropped.
    pub fn enter(&self) -> BusyGuard {
        self.0.store(true, Ordering::Relaxed);
        BusyGuard(Arc::clone(&self.0))
    }

    fn is_busy(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Clears the busy mark when dropped.
pub struct BusyGuard(Arc<AtomicBool>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

#[derive(Debug)]
struct Open<I, H> {
    id: I,
    handle: H,
    busy: Busy,
}

/// Open connections by age, each with its id and a handle to close it.
#[derive(Debug)]
pub struct Connections<I, H> {
    open: VecDeque<Open<I, H>>,
}

impl<I, H> Default for Connections<I, H> {
    fn default() -> Self {
        Self {
            open: VecDeque::new(),
        }
    }
}

impl<I: PartialEq, H> Connections<I, H> {
    /// Registers a new connection.
    pub fn add(&mut self, id: I, handle: H, busy: Busy) {
        self.open.push_back(Open { id, handle, busy });
    }

    /// Forgets a connection that ended.
    pub fn remove(&mut self, id: I) {
        if let Some(index) = self.open.iter().position(|open| open.id == id) {
            self.open.remove(index);
        }
    }

    /// How many are open.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Takes the oldest connection that is not in a request, to be closed.
    pub fn take_oldest_idle(&mut self) -> Option<H> {
        let index = self.open.iter().position(|open| !open.busy.is_busy())?;
        self.open.remove(index).map(|open| open.handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_idle_connection_is_shed_first() {
        let mut connections = Connections::default();
        let busy = Busy::default();
        connections.add(1, "first", busy.clone());
        connections.add(2, "second", Busy::default());
        connections.add(3, "third", Busy::default());
        let guard = busy.enter();
        assert_eq!(connections.take_oldest_idle(), Some("second"));
        drop(guard);
        assert_eq!(connections.take_oldest_idle(), Some("first"));
        connections.remove(1);
        assert_eq!(connections.len(), 1);
        assert_eq!(connections.take_oldest_idle(), Some("third"));
        assert_eq!(connections.take_oldest_idle(), None);
    }
}
