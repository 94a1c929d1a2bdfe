//! The index: image names → manifest digests, one JSON file replaced atomically (written to a
//! temporary file, fsynced, renamed over the old one, the directory fsynced). Changes happen
//! only under the exclusive store lock.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ImageRecord, StoreError};

/// The index file's content.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Index {
    /// Format version (1).
    #[serde(default)]
    pub(crate) version: u32,
    /// The images, sorted by name.
    #[serde(default)]
    pub(crate) images: Vec<ImageRecord>,
}

impl Index {
    /// Reads the index; a missing file is an empty index.
    pub(crate) fn read(path: &Path) -> Result<Index, StoreError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Index::default()),
            Err(e) => return Err(StoreError::io(path)(e)),
        };
        serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Writes the index atomically.
    pub(crate) fn write(&mut self, path: &Path) -> Result<(), StoreError> {
        self.version = 1;
        self.images.sort_by(|a, b| a.name.cmp(&b.name));
        let mut bytes = serde_json::to_vec_pretty(self).expect("index serializes");
        bytes.push(b'\n');
        write_atomic(path, &bytes)
    }

    /// The record named `name`, exactly.
    pub(crate) fn get(&self, name: &str) -> Option<&ImageRecord> {
        self.images.iter().find(|r| r.name == name)
    }

    /// Adds or replaces a record.
    pub(crate) fn put(&mut self, record: ImageRecord) {
        self.images.retain(|r| r.name != record.name);
        self.images.push(record);
    }
}

/// Replaces `path` with `bytes`: temp file in the same directory, fsync, rename, fsync dir.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let result = (|| {
        let mut f = crate::private::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(StoreError::io(path))
}
