//! Executor errors.

use std::path::PathBuf;

/// Why an executor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The bundle's `config.json` could not be read or parsed.
    #[error("{path}: {message}")]
    Bundle {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// The configuration asks for something this executor does not do; nothing was started.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// A container with this id already exists in the state root.
    #[error("container {0:?} already exists")]
    Exists(String),
    /// No container with this id in the state root.
    #[error("container {0:?} does not exist")]
    NotFound(String),
    /// The id is not a safe file name.
    #[error("invalid container id {0:?}: use letters, digits, '.', '_' and '-'")]
    InvalidId(String),
    /// The container is in the wrong state for the operation.
    #[error("container {id:?} is {status}: {what}")]
    WrongState {
        /// The container.
        id: String,
        /// Its status.
        status: String,
        /// What was asked.
        what: String,
    },
    /// The container's init failed before it could run the process (message from inside).
    #[error("container {id:?} failed to start: {message}")]
    Init {
        /// The container.
        id: String,
        /// The failing step, as the init process reported it.
        message: String,
    },
    /// The seccomp profile could not be compiled.
    #[error("seccomp: {0}")]
    Seccomp(String),
    /// An external runtime failed.
    #[error("{bin}: {message}")]
    External {
        /// The runtime binary.
        bin: PathBuf,
        /// Its status and stderr.
        message: String,
    },
    /// An I/O or kernel call failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl ExecError {
    /// An [`ExecError::Io`] with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ExecError::Io {
            context: context.into(),
            source,
        }
    }
}
