//! Store errors.

use std::path::PathBuf;

use crate::image::ImageError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The source image could not be read.
    #[error(transparent)]
    Image(ImageError),
    /// A blob's content does not match the digest or size that names it.
    #[error("blob {digest}: {what}")]
    Digest {
        /// The digest the manifest names.
        digest: String,
        /// What was wrong (`content has digest sha256:...`, `size is 12, expected 10`).
        what: String,
    },
    /// No image of that name is in the store.
    #[error("no image named {0:?} in the store")]
    NotFound(String),
    /// The name is not usable as an image name.
    #[error("invalid image name {0:?}: {1}")]
    BadName(String, &'static str),
    /// The image reference cannot be parsed.
    #[error("invalid image reference {0:?}: {1}")]
    BadReference(String, String),
    /// The registry answered with an error or could not be reached.
    #[error("{url}: {message}")]
    Registry {
        /// The URL requested.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A layer entry would write outside the destination, or through a symlink.
    #[error("{layer}: {path}: {why}")]
    Unsafe {
        /// The layer.
        layer: String,
        /// The member path.
        path: String,
        /// Why it was refused.
        why: String,
    },
    /// Unpacking stopped at a limit (unpacked size, free space); the partial unpack is gone.
    #[error("{layer}: {message}")]
    Limit {
        /// The layer being unpacked.
        layer: String,
        /// Which limit, its value, how to set it, and what was removed.
        message: String,
    },
    /// The store's own files are malformed, or something else is not as expected.
    #[error("{0}")]
    Invalid(String),
}

impl From<ImageError> for StoreError {
    fn from(e: ImageError) -> StoreError {
        match e {
            ImageError::DigestMismatch { expected, actual } => StoreError::Digest {
                digest: expected,
                what: format!("content has digest sha256:{actual}"),
            },
            e => StoreError::Image(e),
        }
    }
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}
