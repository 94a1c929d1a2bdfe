//! A live count of the entries processed so far, readable from another thread while the walk
//! runs (for a progress bar or the kubelet's periodic messages).

use std::sync::atomic::{AtomicU64, Ordering};

/// Shared progress of one walk. Pass it to [`super::set_ownership_with_progress`] and read it from
/// any thread.
#[derive(Debug, Default)]
pub struct Progress {
    visited: AtomicU64,
}

impl Progress {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries processed so far, directories included (the kubelet's `fileCounter`).
    pub fn visited(&self) -> u64 {
        self.visited.load(Ordering::Relaxed)
    }

    pub(crate) fn add(&self, n: u64) {
        self.visited.fetch_add(n, Ordering::Relaxed);
    }
}
