//! Manifests as the store writes them; reading and checking them is [`crate::image::manifest`].

use serde_json::json;

pub(crate) use crate::image::manifest::{
    Descriptor, Manifest, declared_type, parse_index, parse_manifest, read_document,
};
pub(crate) use crate::image::media::{
    OCI_CONFIG, OCI_LAYER_GZIP, OCI_LAYER_TAR, OCI_MANIFEST, is_index,
};

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
