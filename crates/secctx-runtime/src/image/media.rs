//! Media types secctx accepts, and the check that a layer's bytes are what its media type says.
//!
//! Only what the unpacker can really apply is accepted: OCI and Docker v2 schema 2 manifests
//! and indexes, OCI and Docker image configs, and tar or tar+gzip layers. Everything else
//! (zstd layers, foreign/non-distributable layers, artifact configs such as Helm charts,
//! `text/html`) is refused by name, never guessed at.

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker v2 schema 2 manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Docker image config.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// OCI uncompressed layer.
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI gzip layer.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Docker uncompressed layer.
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
/// Docker gzip layer.
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// How a layer's bytes are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar stream.
    None,
    /// A gzip stream (possibly several members) of a tar stream.
    Gzip,
}

/// Whether `media_type` is an image manifest secctx reads.
pub fn is_manifest(media_type: &str) -> bool {
    media_type == OCI_MANIFEST || media_type == DOCKER_MANIFEST
}

/// Whether `media_type` is an index (OCI image index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// Whether `media_type` is an image config secctx reads.
pub fn is_config(media_type: &str) -> bool {
    media_type == OCI_CONFIG || media_type == DOCKER_CONFIG
}

/// The compression a layer media type promises, or why the layer is refused.
pub fn layer_compression(media_type: &str) -> Result<Compression, String> {
    match media_type {
        OCI_LAYER_TAR | DOCKER_LAYER_TAR => Ok(Compression::None),
        OCI_LAYER_GZIP | DOCKER_LAYER_GZIP => Ok(Compression::Gzip),
        t if t.contains("zstd") => Err(format!(
            "layer media type {t:?}: zstd-compressed layers are not supported (no zstd decoder is built in)"
        )),
        t if t.contains("nondistributable") || t.contains("foreign") => Err(format!(
            "layer media type {t:?}: foreign (non-distributable) layers are not supported"
        )),
        t => Err(format!(
            "layer media type {t:?} is not one secctx can unpack ({OCI_LAYER_TAR}, {OCI_LAYER_GZIP}, {DOCKER_LAYER_TAR}, {DOCKER_LAYER_GZIP})"
        )),
    }
}

/// What the first bytes of a layer are.
pub fn sniff(head: &[u8]) -> Result<Compression, String> {
    if head.starts_with(&GZIP_MAGIC) {
        Ok(Compression::Gzip)
    } else if head.starts_with(&ZSTD_MAGIC) {
        Err("the data is zstd-compressed; zstd layers are not supported".to_string())
    } else {
        Ok(Compression::None)
    }
}

/// Checks that a layer's first bytes are what `declared` (from its media type; `None` when the
/// format has no media types, as in docker-archive) says, and returns the compression to read
/// it with.
pub fn check_layer_head(declared: Option<Compression>, head: &[u8]) -> Result<Compression, String> {
    let found = sniff(head)?;
    match declared {
        None => Ok(found),
        Some(d) if d == found => Ok(d),
        Some(Compression::Gzip) => {
            Err("the media type says tar+gzip but the data is not gzip".to_string())
        }
        Some(Compression::None) => Err(
            "the media type says an uncompressed tar but the data is gzip-compressed".to_string(),
        ),
    }
}
