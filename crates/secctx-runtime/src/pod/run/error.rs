//! Why a pod could not be prepared or run.

use crate::executor::ExecError;
use crate::pod::PodError;
use crate::store::StoreError;

/// A pod that could not be prepared (nothing started) or whose runner failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The manifest does not describe one runnable pod (load, validation errors).
    #[error("{0}")]
    Input(String),
    /// An image the pod uses is not in the store.
    #[error(
        "image {image:?} (container {container}) is not in the store {store}: secctx image import/pull it"
    )]
    ImageMissing {
        /// The image reference.
        image: String,
        /// The first container using it.
        container: String,
        /// The store's root.
        store: String,
        /// What the store said.
        #[source]
        source: Box<StoreError>,
    },
    /// The pod's cgroup could not be named or sized.
    #[error("{0}")]
    Cgroup(String),
    /// The pod directory, record or journal.
    #[error(transparent)]
    Pod(Box<PodError>),
    /// The executor.
    #[error(transparent)]
    Exec(Box<ExecError>),
    /// A file of the pod.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl RunError {
    /// An I/O error while doing `context`.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> RunError {
        let context = context.into();
        move |source| RunError::Io { context, source }
    }
}

impl From<PodError> for RunError {
    fn from(e: PodError) -> RunError {
        RunError::Pod(Box::new(e))
    }
}

impl From<ExecError> for RunError {
    fn from(e: ExecError) -> RunError {
        RunError::Exec(Box::new(e))
    }
}
