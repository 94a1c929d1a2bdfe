//! Volume ownership for `fsGroup`: the kubelet's `VolumeOwnership.ChangePermissions`
//! (`pkg/volume/volume_linux.go`) with identical results, done fd-relative, in parallel and
//! without ever following a symlink.
//!
//! * [`set_ownership`] / [`set_ownership_with_progress`]: the walk; [`OwnershipRequest`] in,
//!   [`OwnershipReport`] out, [`OwnershipError`] when the kubelet would abort.
//! * [`mode`]: the pure bit rules (masks, the `OnRootMismatch` test).
//! * [`Progress`] and [`messages`]: a live entry counter and the kubelet's slow-change texts.

mod batch;
mod error;
pub mod messages;
pub mod mode;
mod progress;
mod report;
mod request;
mod sys;
mod walk;

pub use error::OwnershipError;
pub use progress::Progress;
pub use report::{FailedOp, Failure, MAX_REPORTED_FAILURES, OwnershipReport};
pub use request::{ChangePolicy, OwnershipRequest};
pub use walk::{set_ownership, set_ownership_with_progress};
