//! Manifests, indexes and descriptors, read strictly: `schemaVersion` 2 only, the document's
//! own `mediaType` must be the one its descriptor named, a manifest must not carry an index's
//! `manifests` nor an index a manifest's `config`/`layers`, the config and every layer must have
//! a media type secctx can handle, every digest is `sha256:<64 hex>`, and the documents are
//! read only up to their declared size and never past the caps in [`super::limits`].

use std::io::Read;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::limits::{MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE, show_size};
use super::media;

/// A content descriptor.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Descriptor {
    /// `mediaType`.
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    /// `digest`.
    pub digest: String,
    /// `size`.
    pub size: u64,
    /// `platform` (index entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// `annotations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// `platform` of an index entry.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Platform {
    /// `architecture`.
    #[serde(default)]
    pub architecture: String,
    /// `os`.
    #[serde(default)]
    pub os: String,
}

/// An image manifest.
#[derive(Clone, Debug, Deserialize)]
pub struct Manifest {
    /// `schemaVersion`.
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: u32,
    /// `mediaType`, when the document states it.
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    /// `config`.
    pub config: Descriptor,
    /// `layers`, lowest first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// `manifests`: present only in an index; its presence here is refused.
    #[serde(default)]
    manifests: Option<Value>,
}

/// An image index or manifest list.
#[derive(Clone, Debug, Deserialize)]
pub struct Index {
    /// `schemaVersion`.
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: u32,
    /// `mediaType`, when the document states it.
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    /// `manifests`.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// `config`: present only in a manifest; its presence here is refused.
    #[serde(default)]
    config: Option<Value>,
    /// `layers`: present only in a manifest; its presence here is refused.
    #[serde(default)]
    layers: Option<Value>,
}

/// Checks that `digest` is `sha256:<64 lowercase hex>`.
pub fn check_digest(digest: &str) -> Result<(), String> {
    let Some(hex) = digest.strip_prefix("sha256:") else {
        return Err(format!("unsupported digest {digest:?} (only sha256 is)"));
    };
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(format!("malformed digest {digest:?}"));
    }
    Ok(())
}

/// Reads a JSON document of declared `size` (`None`: unknown) from `r`: refused when the
/// declared size is over `cap`, when the content is longer than declared (at most one byte
/// past it is read) or than `cap`, or shorter than declared.
pub fn read_document(
    r: impl Read,
    declared: Option<u64>,
    cap: u64,
    what: &str,
) -> Result<Vec<u8>, String> {
    if let Some(size) = declared
        && size > cap
    {
        return Err(format!(
            "{what}: the declared size {} is over the {} limit",
            show_size(size),
            show_size(cap)
        ));
    }
    let limit = declared.unwrap_or(cap);
    let mut bytes = Vec::new();
    r.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{what}: {e}"))?;
    let n = bytes.len() as u64;
    match declared {
        Some(size) if n > size => Err(format!(
            "{what}: the content is longer than the {size} bytes its descriptor declares"
        )),
        Some(size) if n < size => Err(format!(
            "{what}: the content is {n} bytes, its descriptor declares {size}"
        )),
        None if n > cap => Err(format!("{what}: larger than the {} limit", show_size(cap))),
        _ => Ok(bytes),
    }
}

/// Parses a manifest named by a descriptor of media type `expected` (a manifest type).
pub fn parse_manifest(bytes: &[u8], expected: &str, what: &str) -> Result<Manifest, String> {
    if !media::is_manifest(expected) {
        return Err(format!(
            "{what}: media type {expected:?} is not an image manifest ({} or {})",
            media::OCI_MANIFEST,
            media::DOCKER_MANIFEST
        ));
    }
    let m: Manifest = serde_json::from_slice(bytes).map_err(|e| format!("{what}: {e}"))?;
    if m.schema_version != 2 {
        return Err(format!(
            "{what}: schemaVersion {} is not supported (only 2; Docker schema 1 is refused)",
            m.schema_version
        ));
    }
    if let Some(t) = &m.media_type
        && t != expected
    {
        return Err(format!(
            "{what}: the document's mediaType {t:?} differs from its descriptor's {expected:?}"
        ));
    }
    if m.manifests.is_some() {
        return Err(format!(
            "{what}: a manifest with a `manifests` field (an index's) is refused"
        ));
    }
    check_digest(&m.config.digest).map_err(|e| format!("{what}: config: {e}"))?;
    if !media::is_config(&m.config.media_type) {
        return Err(format!(
            "{what}: config media type {:?} is not an image config ({} or {})",
            m.config.media_type,
            media::OCI_CONFIG,
            media::DOCKER_CONFIG
        ));
    }
    if m.config.size > MAX_CONFIG_SIZE {
        return Err(format!(
            "{what}: config {}: the declared size {} is over the {} limit",
            m.config.digest,
            show_size(m.config.size),
            show_size(MAX_CONFIG_SIZE)
        ));
    }
    for l in &m.layers {
        check_digest(&l.digest).map_err(|e| format!("{what}: layer: {e}"))?;
        media::layer_compression(&l.media_type)
            .map_err(|e| format!("{what}: layer {}: {e}", l.digest))?;
    }
    Ok(m)
}

/// Parses an index named by a descriptor of media type `expected` (an index type; `None` for
/// an OCI layout's `index.json`, which has no descriptor).
pub fn parse_index(bytes: &[u8], expected: Option<&str>, what: &str) -> Result<Index, String> {
    if let Some(e) = expected
        && !media::is_index(e)
    {
        return Err(format!("{what}: media type {e:?} is not an image index"));
    }
    let i: Index = serde_json::from_slice(bytes).map_err(|e| format!("{what}: {e}"))?;
    if i.schema_version != 2 {
        return Err(format!(
            "{what}: schemaVersion {} is not supported (only 2)",
            i.schema_version
        ));
    }
    match (&i.media_type, expected) {
        (Some(t), Some(e)) if t != e => {
            return Err(format!(
                "{what}: the document's mediaType {t:?} differs from its descriptor's {e:?}"
            ));
        }
        (Some(t), None) if !media::is_index(t) => {
            return Err(format!("{what}: mediaType {t:?} is not an image index"));
        }
        _ => {}
    }
    if i.config.is_some() || i.layers.is_some() {
        return Err(format!(
            "{what}: an index with a manifest's `config` or `layers` field is refused"
        ));
    }
    for d in &i.manifests {
        check_digest(&d.digest).map_err(|e| format!("{what}: entry: {e}"))?;
        if !media::is_manifest(&d.media_type) && !media::is_index(&d.media_type) {
            return Err(format!(
                "{what}: entry {}: media type {:?} is neither an image manifest nor an index",
                d.digest, d.media_type
            ));
        }
        if d.size > MAX_MANIFEST_SIZE {
            return Err(format!(
                "{what}: entry {}: the declared size {} is over the {} limit",
                d.digest,
                show_size(d.size),
                show_size(MAX_MANIFEST_SIZE)
            ));
        }
    }
    Ok(i)
}

/// The media type a document declares in its `mediaType` field, if any.
pub fn declared_type(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
    }
    serde_json::from_slice::<Head>(bytes).ok()?.media_type
}
