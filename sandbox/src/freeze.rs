//! The freezes the simulator does not make: it freezes the environment after each invocation
//! only, while Lambda also freezes a provisioned-concurrency or SnapStart environment as soon
//! as INIT ends, and any idle environment (an on-demand one initialised ahead of a request).
//! SIGSTOP for every process, SIGCONT before the next phase.

use crate::processes::Processes;
use nix::sys::signal::Signal;

/// Whether the sandbox itself froze the environment.
#[derive(Debug, Default)]
pub(crate) struct IdleFreeze {
    frozen: bool,
}

impl IdleFreeze {
    /// Stops every process (nothing to do for the scripted runtime alone).
    pub(crate) fn freeze(&mut self, processes: &Processes) {
        if self.frozen || !processes.has_processes() {
            return;
        }
        for handle in processes.all() {
            handle.signal(Signal::SIGSTOP);
        }
        self.frozen = true;
    }

    /// Resumes every process, if this froze them.
    pub(crate) fn thaw(&mut self, processes: &Processes) {
        if !self.frozen {
            return;
        }
        for handle in processes.all() {
            handle.signal(Signal::SIGCONT);
        }
        self.frozen = false;
    }

    /// Whether this froze the processes and has not thawed them.
    pub(crate) fn is_frozen(&self) -> bool {
        self.frozen
    }
}
