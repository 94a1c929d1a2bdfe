//! Image errors.

use std::path::PathBuf;

/// Why an image could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The path is neither an OCI layout, a docker-archive tar nor a rootfs directory.
    #[error(
        "{path}: not an OCI image layout (no oci-layout file), a docker-archive tar (no manifest.json) or a rootfs directory (no etc/ or bin/)"
    )]
    UnknownFormat {
        /// The path.
        path: PathBuf,
    },
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON document of the image is malformed.
    #[error("{path}: {what}: {source}")]
    Json {
        /// The file (or archive member).
        path: String,
        /// What was being read (`index.json`, `manifest`, `config`).
        what: &'static str,
        /// The error.
        #[source]
        source: serde_json::Error,
    },
    /// A blob's content does not match its digest.
    #[error("blob {expected}: content has digest sha256:{actual}")]
    DigestMismatch {
        /// The digest the manifest names.
        expected: String,
        /// The digest of the content read.
        actual: String,
    },
    /// The image names something that is not there or not supported.
    #[error("{0}")]
    Invalid(String),
}

impl ImageError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ImageError {
        let path = path.into();
        move |source| ImageError::Io { path, source }
    }
}
