//! The namespace allocator of OpenShift's cluster-policy-controller (spec §3.2), as a pure
//! function: the state is the set of blocks already named by namespace annotations (what the
//! controller's repair rebuilds its bitmap from), and every namespace lacking
//! `openshift.io/sa.scc.uid-range` gets the lowest free block, in input order.

use std::collections::BTreeMap;

use super::block::Block;
use super::mcs::McsLabel;

/// Namespace annotation: the namespace's UID block.
pub const UID_RANGE_ANNOTATION: &str = "openshift.io/sa.scc.uid-range";
/// Namespace annotation: the namespace's supplemental group blocks.
pub const SUPPLEMENTAL_GROUPS_ANNOTATION: &str = "openshift.io/sa.scc.supplemental-groups";
/// Namespace annotation: the namespace's MCS level.
pub const MCS_ANNOTATION: &str = "openshift.io/sa.scc.mcs";

/// The allocator's parameters; [`Default`] is OpenShift's (`1000000000-1999999999/10000`,
/// `s0:/2`, 5 labels per project).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocatorConfig {
    /// First uid of the space.
    pub uid_start: u32,
    /// Last uid of the space (inclusive).
    pub uid_end: u32,
    /// Uids per block.
    pub block_size: u32,
    /// Stride in MCS label space: block `i` gets label number `i * mcs_per_block`.
    pub mcs_per_block: u32,
}

impl Default for AllocatorConfig {
    fn default() -> Self {
        AllocatorConfig {
            uid_start: 1_000_000_000,
            uid_end: 1_999_999_999,
            block_size: 10_000,
            mcs_per_block: 5,
        }
    }
}

impl AllocatorConfig {
    /// Number of blocks in the space (100,000 by default).
    pub fn blocks(&self) -> u32 {
        ((u64::from(self.uid_end) - u64::from(self.uid_start) + 1) / u64::from(self.block_size))
            as u32
    }

    /// The uid block of index `i`.
    pub fn block(&self, i: u32) -> Block {
        let start = self.uid_start + i * self.block_size;
        Block {
            start,
            end: start + (self.block_size - 1),
        }
    }

    /// The MCS label of block `i` (`None` when the label space is exhausted).
    pub fn label(&self, i: u32) -> Option<McsLabel> {
        McsLabel::unrank(u64::from(i) * u64::from(self.mcs_per_block))
    }

    /// The index of a block, if it is exactly one of the space's blocks.
    pub fn index_of(&self, b: Block) -> Option<u32> {
        if b.start < self.uid_start || b.end > self.uid_end {
            return None;
        }
        let off = b.start - self.uid_start;
        (off.is_multiple_of(self.block_size) && b.size() == u64::from(self.block_size))
            .then_some(off / self.block_size)
    }
}

/// One namespace as the allocator sees it: its name and current annotations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamespaceState {
    /// The namespace's name.
    pub name: String,
    /// Its annotations (only the three `openshift.io/sa.scc.*` ones matter).
    pub annotations: BTreeMap<String, String>,
}

/// What the allocator decided for one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// It already had a uid range: nothing is written (the controller skips it).
    Kept {
        /// The block index it holds, when the annotation names one of the space's blocks.
        index: Option<u32>,
    },
    /// It got block `index`; `annotations` are the three values to apply.
    Allocated {
        /// The block index.
        index: u32,
        /// `uid-range`, `supplemental-groups` and `mcs`, to be written.
        annotations: BTreeMap<String, String>,
        /// Whether `mcs` was already present and is kept as it was.
        kept_mcs: bool,
    },
    /// No block is free: the controller's `uid range exceeded`.
    Exhausted,
}

/// The outcome for one namespace, plus what repair noticed about its existing annotations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The namespace.
    pub name: String,
    /// The decision.
    pub decision: Decision,
    /// Problems found while rebuilding the state (unparsable or foreign blocks, a block held
    /// twice); the controller logs these and carries on.
    pub notes: Vec<String>,
}

/// Allocates for every namespace lacking a uid range. Namespaces that have one are the state:
/// their blocks are reserved first (repair), whatever their position in the input, so that a
/// new namespace never receives a block an existing one already holds.
pub fn allocate(cfg: &AllocatorConfig, namespaces: &[NamespaceState]) -> Vec<Outcome> {
    let mut used = vec![false; cfg.blocks() as usize];
    let mut holder: BTreeMap<u32, &str> = BTreeMap::new();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(namespaces.len());
    // Pass 1 (repair): rebuild the bitmap from existing annotations.
    for ns in namespaces {
        let mut notes = Vec::new();
        let Some(range) = ns.annotations.get(UID_RANGE_ANNOTATION) else {
            outcomes.push(Outcome {
                name: ns.name.clone(),
                decision: Decision::Exhausted, // placeholder, decided in pass 2
                notes,
            });
            continue;
        };
        let index = match Block::parse(range) {
            Err(e) => {
                notes.push(format!("{UID_RANGE_ANNOTATION}: {e}"));
                None
            }
            Ok(b) => match cfg.index_of(b) {
                None => {
                    notes.push(format!(
                        "{UID_RANGE_ANNOTATION}: block {b} is not a block of the allocator's range {}-{}/{}",
                        cfg.uid_start, cfg.uid_end, cfg.block_size
                    ));
                    None
                }
                Some(i) => {
                    if let Some(other) = holder.get(&i) {
                        notes.push(format!(
                            "{UID_RANGE_ANNOTATION}: block {b} is also held by namespace {other:?}"
                        ));
                    } else {
                        holder.insert(i, &ns.name);
                    }
                    used[i as usize] = true;
                    Some(i)
                }
            },
        };
        outcomes.push(Outcome {
            name: ns.name.clone(),
            decision: Decision::Kept { index },
            notes,
        });
    }
    // Pass 2: lowest clear bit first, by a scan that resumes where the last one stopped
    // (bits below it are all set by then, so this equals a scan from bit 0 every time).
    let mut next = 0usize;
    for (ns, out) in namespaces.iter().zip(outcomes.iter_mut()) {
        if ns.annotations.contains_key(UID_RANGE_ANNOTATION) {
            continue;
        }
        while next < used.len() && used[next] {
            next += 1;
        }
        let label = (next < used.len())
            .then(|| cfg.label(next as u32))
            .flatten();
        let Some(label) = label else {
            out.decision = Decision::Exhausted;
            continue;
        };
        used[next] = true;
        let block = cfg.block(next as u32).to_string();
        let mut annotations = BTreeMap::new();
        annotations.insert(UID_RANGE_ANNOTATION.to_string(), block.clone());
        annotations.insert(SUPPLEMENTAL_GROUPS_ANNOTATION.to_string(), block);
        // An existing MCS annotation is kept and re-asserted, as the controller does.
        let existing = ns.annotations.get(MCS_ANNOTATION);
        annotations.insert(
            MCS_ANNOTATION.to_string(),
            existing.cloned().unwrap_or_else(|| label.to_string()),
        );
        out.decision = Decision::Allocated {
            index: next as u32,
            annotations,
            kept_mcs: existing.is_some(),
        };
    }
    outcomes
}
