//! What the store knows about one image.

use serde::{Deserialize, Serialize};

/// One named image in the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// The name it was imported or pulled as (`busybox:1.28`, `127.0.0.1:5000/app:1`).
    pub name: String,
    /// `sha256:<hex>` of the image manifest (the image's identity).
    pub digest: String,
    /// `sha256:<hex>` of the image config.
    pub config_digest: String,
    /// Total bytes of the config and layer blobs, as stored (compressed layers count as such).
    pub size: u64,
    /// Where it came from: `OCI layout /path`, `docker-archive /x.tar`, `rootfs directory /d`,
    /// `registry https://host/v2/name` (informational).
    pub source: String,
}
