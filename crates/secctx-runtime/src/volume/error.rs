//! Why a walk stopped: the cases where the kubelet's `walkDeep` returns an error.

use std::path::PathBuf;

/// A walk that could not finish. Failed `lchown`/`chmod` calls are not errors (the kubelet logs
/// and ignores them); they are counted in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OwnershipError {
    /// `lstat` of an entry (or of the root) failed.
    #[error("lstat {}: {source}", path.display())]
    Stat {
        /// The entry.
        path: PathBuf,
        /// The kernel's answer.
        source: std::io::Error,
    },
    /// A directory could not be opened for reading.
    #[error("open {}: {source}", path.display())]
    Open {
        /// The directory.
        path: PathBuf,
        /// The kernel's answer.
        source: std::io::Error,
    },
    /// Reading a directory's entries failed.
    #[error("readdir {}: {source}", path.display())]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The kernel's answer.
        source: std::io::Error,
    },
    /// The worker threads could not be started.
    #[error("starting worker threads: {0}")]
    Threads(String),
}
