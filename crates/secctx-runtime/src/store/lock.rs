//! The store lock: a file locked with `flock`, exclusive for changes, shared for reads, so
//! concurrent secctx processes never see a half-made change.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::StoreError;

/// A held lock; released when dropped (or when the process dies).
pub(crate) struct StoreLock {
    _file: File,
}

impl StoreLock {
    /// Takes the lock at `path`, waiting for other holders.
    pub(crate) fn exclusive(path: &Path) -> Result<StoreLock, StoreError> {
        let file = open(path)?;
        file.lock().map_err(StoreError::io(path))?;
        Ok(StoreLock { _file: file })
    }

    /// Takes the lock shared (readers only).
    pub(crate) fn shared(path: &Path) -> Result<StoreLock, StoreError> {
        let file = open(path)?;
        file.lock_shared().map_err(StoreError::io(path))?;
        Ok(StoreLock { _file: file })
    }
}

fn open(path: &Path) -> Result<File, StoreError> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .read(true)
        .mode(crate::private::FILE_MODE)
        .open(path)
        .map_err(StoreError::io(path))
}
