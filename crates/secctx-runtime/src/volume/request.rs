//! What to do: the pod's `fsGroup`, its `fsGroupChangePolicy` and whether the volume is mounted
//! read-only.

use serde::{Deserialize, Serialize};

/// `fsGroupChangePolicy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangePolicy {
    /// Walk the whole volume every time (the default, also when the field is unset).
    #[default]
    Always,
    /// Skip the walk when the root already has the group, the bits and setgid.
    OnRootMismatch,
}

/// One ownership change, as the kubelet gets it from the pod and the mounter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipRequest {
    /// The pod's `fsGroup`: every entry gets this group (uid untouched).
    pub fs_group: u32,
    /// The pod's `fsGroupChangePolicy`.
    pub policy: ChangePolicy,
    /// The mounter says read-only: `0440` instead of `0660`.
    pub read_only: bool,
}
