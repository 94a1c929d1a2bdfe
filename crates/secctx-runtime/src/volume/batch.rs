//! A batch of one directory's entries, handed out in inode-number order. Entries created
//! together have neighbouring inode numbers, so their inodes share inode-table blocks and their
//! in-memory inodes were allocated together; visiting them in that order instead of readdir's
//! hash order keeps the kernel's working set small. The result does not depend on the order
//! (every entry is `lstat`ed just before it is changed).

use std::ffi::CStr;

/// Entries per batch: bounds the memory one directory listing holds (names of at most this
/// many entries, so at most about 1 MiB) however large the directory is.
pub(crate) const BATCH_ENTRIES: usize = 4096;

/// Names back to back (each with its NUL) and, per entry, its inode number, start and length.
pub(crate) struct Batch {
    names: Vec<u8>,
    entries: Vec<(u64, u32, u32)>,
}

impl Batch {
    /// An empty batch.
    pub(crate) fn new() -> Self {
        Batch {
            names: Vec::new(),
            entries: Vec::new(),
        }
    }

    /// Adds one entry.
    pub(crate) fn push(&mut self, ino: u64, name: &CStr) {
        let bytes = name.to_bytes_with_nul();
        let start = self.names.len() as u32;
        self.names.extend_from_slice(bytes);
        self.entries.push((ino, start, bytes.len() as u32));
    }

    /// [`BATCH_ENTRIES`] reached.
    pub(crate) fn is_full(&self) -> bool {
        self.entries.len() >= BATCH_ENTRIES
    }

    /// Calls `f` on every entry (inode number, name) in inode order until it returns false,
    /// then empties the batch (keeping its buffers for the next one).
    pub(crate) fn drain_sorted(&mut self, mut f: impl FnMut(u64, &CStr) -> bool) {
        self.entries.sort_unstable_by_key(|e| e.0);
        for &(ino, start, len) in &self.entries {
            let (start, len) = (start as usize, len as usize);
            let Ok(name) = CStr::from_bytes_with_nul(&self.names[start..start + len]) else {
                continue;
            };
            if !f(ino, name) {
                break;
            }
        }
        self.entries.clear();
        self.names.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inode_order_then_empty() {
        let mut b = Batch::new();
        b.push(30, c"c");
        b.push(10, c"a");
        b.push(20, c"bb");
        let mut seen = Vec::new();
        b.drain_sorted(|_, n| {
            seen.push(n.to_str().unwrap().to_owned());
            true
        });
        assert_eq!(seen, ["a", "bb", "c"]);
        b.drain_sorted(|_, _| panic!("empty"));
    }
}
