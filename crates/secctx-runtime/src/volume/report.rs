//! What a walk did, as data.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Serialize, Serializer};

/// How many failed entries the report lists by path (all are counted).
pub const MAX_REPORTED_FAILURES: usize = 20;

/// The call that failed on an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailedOp {
    /// Changing the group (kubelet: `Lchown failed`).
    Lchown,
    /// Adding the bits (kubelet: `chmod failed`).
    Chmod,
    /// A directory that kept changing type while it was being opened.
    Open,
}

/// One failed, ignored call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The entry.
    pub path: PathBuf,
    /// The call.
    pub op: FailedOp,
    /// The kernel's message.
    pub error: String,
}

/// The result of [`super::set_ownership`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OwnershipReport {
    /// Entries processed, directories and the root included (0 when skipped).
    pub visited: u64,
    /// Entries on which at least one `lchown` or `chmod` was made.
    pub changed: u64,
    /// Successful group changes.
    pub chowned: u64,
    /// Successful mode changes.
    pub chmodded: u64,
    /// `OnRootMismatch` found the root correct and nothing was walked.
    pub skipped: bool,
    /// Failed (logged and ignored) `lchown`/`chmod` calls.
    pub failures: u64,
    /// The first [`MAX_REPORTED_FAILURES`] of them.
    pub first_failures: Vec<Failure>,
    /// Wall time of the whole call.
    #[serde(rename = "elapsed_seconds", serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
