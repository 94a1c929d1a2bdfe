//! Pods on this machine: one state directory per pod (record, status, journal, volumes, logs,
//! bundles) that survives a crash of secctx, so the next `rm` can undo everything.
//!
//! - [`state`]: the directory layout, the pod record and status written atomically, the lock.
//! - [`journal`]: every resource (directory, mount, container, process) is recorded *before*
//!   it is created; [`journal::undo`] removes them in reverse order.
//! - [`volumes`]: emptyDir (tmpfs for `medium: Memory`), hostPath with the kubelet's type
//!   checks, configMap/secret/downwardAPI/projected payloads in the kubelet's atomic-writer
//!   layout, fsGroup ownership through [`volumes::Ownership`].
//! - [`logs`]: container logs in the CRI format (`<RFC3339Nano> stdout F <line>`).
//! - [`clock`]: the RFC 3339 times the status and the logs carry.
//! - [`idrange`]: host id ranges for `hostUsers: false` pods (the kubelet's allocator).
//! - [`run`]: running a pod as the kubelet's pod worker does (`run`, `record`).

pub mod clock;
pub mod idrange;
pub mod journal;
pub mod logs;
pub mod pump;
pub mod run;
pub mod sandbox;
pub mod state;
pub mod subpath;
pub mod volumes;

pub use journal::{Entry, Journal, Undoer};
pub use state::{DEFAULT_STATE_DIR, PodDir, PodError, PodRecord};
