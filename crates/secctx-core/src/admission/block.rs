//! UID blocks: `<start>/<size>` or `<start>-<end>` (library-go `pkg/security/uid`), as the
//! namespace annotations `openshift.io/sa.scc.uid-range` and `.../supplemental-groups` hold.

use std::fmt;

/// An inclusive range of ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block {
    /// First id.
    pub start: u32,
    /// Last id (inclusive).
    pub end: u32,
}

impl Block {
    /// Parses `<start>/<size>` (size ≥ 1) or `<start>-<end>` (end ≥ start).
    pub fn parse(s: &str) -> Result<Block, String> {
        let bad =
            || format!("block not in the format \"<start>/<size>\" or \"<start>-<end>\": {s:?}");
        if let Some((a, b)) = s.split_once('/') {
            let start: u32 = a.trim().parse().map_err(|_| bad())?;
            let size: u32 = b.trim().parse().map_err(|_| bad())?;
            if size == 0 {
                return Err(bad());
            }
            let end = start.checked_add(size - 1).ok_or_else(bad)?;
            Ok(Block { start, end })
        } else if let Some((a, b)) = s.split_once('-') {
            let start: u32 = a.trim().parse().map_err(|_| bad())?;
            let end: u32 = b.trim().parse().map_err(|_| bad())?;
            if end < start {
                return Err(bad());
            }
            Ok(Block { start, end })
        } else {
            Err(bad())
        }
    }

    /// Parses the comma-separated blocks of `openshift.io/sa.scc.supplemental-groups`.
    pub fn parse_list(s: &str) -> Result<Vec<Block>, String> {
        s.split(',').map(|b| Block::parse(b.trim())).collect()
    }

    /// Number of ids in the block.
    pub fn size(&self) -> u64 {
        u64::from(self.end) - u64::from(self.start) + 1
    }
}

impl fmt::Display for Block {
    /// `<start>/<size>`, the form the allocator writes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.start, self.size())
    }
}
