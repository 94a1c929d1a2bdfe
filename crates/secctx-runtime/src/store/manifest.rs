//! Image manifests and indexes, read tolerantly: OCI and Docker v2 schema 2 share this shape.

use serde::{Deserialize, Serialize};
use serde_json::json;

/// OCI image manifest.
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker v2 schema 2 manifest.
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// OCI config.
pub(crate) const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI uncompressed layer.
pub(crate) const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI gzip layer.
pub(crate) const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// A content descriptor.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Descriptor {
    /// `mediaType`.
    #[serde(rename = "mediaType", default)]
    pub(crate) media_type: String,
    /// `digest`.
    pub(crate) digest: String,
    /// `size`.
    pub(crate) size: u64,
    /// `platform` (index entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) platform: Option<Platform>,
}

/// `platform` of an index entry.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Platform {
    /// `architecture`.
    #[serde(default)]
    pub(crate) architecture: String,
    /// `os`.
    #[serde(default)]
    pub(crate) os: String,
}

/// An image manifest.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Manifest {
    /// `schemaVersion`.
    #[serde(rename = "schemaVersion", default)]
    pub(crate) schema_version: u32,
    /// `config`.
    pub(crate) config: Descriptor,
    /// `layers`, lowest first.
    #[serde(default)]
    pub(crate) layers: Vec<Descriptor>,
}

/// An image index or manifest list.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Index {
    /// `manifests`.
    #[serde(default)]
    pub(crate) manifests: Vec<Descriptor>,
}

/// The media type a manifest document declares in its `mediaType` field, if any.
pub(crate) fn declared_type(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
    }
    let head: Head = serde_json::from_slice(bytes).ok()?;
    head.media_type
        .or_else(|| head.manifests.map(|_| OCI_INDEX.to_string()))
}

/// Whether a media type is an index (OCI index or Docker manifest list).
pub(crate) fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// An OCI manifest document for a config and layers.
pub(crate) fn oci_manifest(config: &Descriptor, layers: &[Descriptor]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config,
        "layers": layers,
    }))
    .expect("manifest serializes")
}
