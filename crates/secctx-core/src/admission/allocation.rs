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
        let (annotations, kept_mcs) = block_annotations(cfg, next as u32, label, &ns.annotations);
        out.decision = Decision::Allocated {
            index: next as u32,
            annotations,
            kept_mcs,
        };
    }
    outcomes
}

/// The three annotations the controller writes for block `index` (whose MCS label is
/// `label`): `uid-range` and `supplemental-groups` both the block, and `mcs` the label, or the
/// namespace's existing `mcs` annotation, which is kept and re-asserted as the controller
/// does. The flag says whether it was kept.
pub fn block_annotations(
    cfg: &AllocatorConfig,
    index: u32,
    label: McsLabel,
    existing: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, bool) {
    let block = cfg.block(index).to_string();
    let mut annotations = BTreeMap::new();
    annotations.insert(UID_RANGE_ANNOTATION.to_string(), block.clone());
    annotations.insert(SUPPLEMENTAL_GROUPS_ANNOTATION.to_string(), block);
    let kept = existing.get(MCS_ANNOTATION);
    annotations.insert(
        MCS_ANNOTATION.to_string(),
        kept.cloned().unwrap_or_else(|| label.to_string()),
    );
    (annotations, kept.is_some())
}

/// The block index a namespace's `uid-range` annotation names, when it is exactly one of the
/// allocator's blocks (repair rebuilds the state from these).
pub fn held_index(cfg: &AllocatorConfig, annotations: &BTreeMap<String, String>) -> Option<u32> {
    let range = annotations.get(UID_RANGE_ANNOTATION)?;
    cfg.index_of(Block::parse(range).ok()?)
}

impl AllocatorConfig {
    /// The range as OpenShift's `RangeAllocation` records it: `<first>-<last>/<block size>`
    /// (`1000000000-1999999999/10000`).
    pub fn range_string(&self) -> String {
        format!("{}-{}/{}", self.uid_start, self.uid_end, self.block_size)
    }
}

/// Seconds a client is told to wait before retrying a pod in a namespace the allocator has
/// not reached yet (the allocator annotates a new namespace within about a second; a new
/// leader needs up to a lease duration, 15 s, to take over).
pub const PENDING_RETRY_AFTER_SECONDS: i32 = 5;

/// A namespace that still lacks some of the allocator's annotations, so SCC admission cannot
/// give its pods a uid range, supplemental groups or an MCS level yet.
///
/// The webhook denies such a pod instead of guessing: the answer is meant to be retried. The
/// API server copies a webhook's denial `code` and `details` into the error it returns (it
/// only raises codes below 400), and writes `Retry-After` from `details.retryAfterSeconds`
/// (`responsewriters.ErrorNegotiated`); client-go waits and retries a 429 that carries it, and
/// controllers retry `FailedCreate` on their own. So the denial is sent with
/// [`PendingAllocation::CODE`] (`429`, reason [`PendingAllocation::REASON`]), the precedent
/// being the eviction API's 429 for "not now, try again".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAllocation {
    /// The namespace.
    pub namespace: String,
    /// The annotations it lacks, in the order the allocator writes them.
    pub missing: Vec<&'static str>,
}

impl PendingAllocation {
    /// The HTTP code of the denial.
    pub const CODE: u16 = 429;
    /// The `reason` of the denial's Status.
    pub const REASON: &'static str = "TooManyRequests";

    /// `Some` when the namespace lacks any of `uid-range`, `supplemental-groups` and `mcs`.
    pub fn check(
        namespace: &str,
        annotations: &BTreeMap<String, String>,
    ) -> Option<PendingAllocation> {
        let missing: Vec<&'static str> = [
            UID_RANGE_ANNOTATION,
            SUPPLEMENTAL_GROUPS_ANNOTATION,
            MCS_ANNOTATION,
        ]
        .into_iter()
        .filter(|a| annotations.get(*a).is_none_or(|v| v.trim().is_empty()))
        .collect();
        (!missing.is_empty()).then(|| PendingAllocation {
            namespace: namespace.to_string(),
            missing,
        })
    }

    /// The denial's message: what is missing, that it is expected to be temporary, when to
    /// retry, and what to look at if it is not.
    pub fn message(&self) -> String {
        format!(
            "namespace {:?} has not been allocated its uid range, supplemental groups and MCS level yet (missing annotation{} {}); the namespace allocator (secctx serve --allocate) writes them moments after a namespace is created: retry in {} seconds. If this persists, check that one replica holds the allocator's Lease and that the namespace annotations can be written.",
            self.namespace,
            if self.missing.len() == 1 { "" } else { "s" },
            self.missing.join(", "),
            PENDING_RETRY_AFTER_SECONDS,
        )
    }
}

#[cfg(test)]
mod pending_tests {
    use super::*;

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn allocated_namespace_is_not_pending() {
        let a = annotations(&[
            (UID_RANGE_ANNOTATION, "1000000000/10000"),
            (SUPPLEMENTAL_GROUPS_ANNOTATION, "1000000000/10000"),
            (MCS_ANNOTATION, "s0:c1,c0"),
        ]);
        assert_eq!(PendingAllocation::check("team-a", &a), None);
    }

    #[test]
    fn new_namespace_lacks_all_three() {
        let p = PendingAllocation::check("team-b", &BTreeMap::new()).expect("pending");
        assert_eq!(
            p.missing,
            vec![
                UID_RANGE_ANNOTATION,
                SUPPLEMENTAL_GROUPS_ANNOTATION,
                MCS_ANNOTATION
            ]
        );
        assert_eq!(
            p.message(),
            "namespace \"team-b\" has not been allocated its uid range, supplemental groups and MCS level yet (missing annotations openshift.io/sa.scc.uid-range, openshift.io/sa.scc.supplemental-groups, openshift.io/sa.scc.mcs); the namespace allocator (secctx serve --allocate) writes them moments after a namespace is created: retry in 5 seconds. If this persists, check that one replica holds the allocator's Lease and that the namespace annotations can be written."
        );
    }

    #[test]
    fn one_missing_or_empty_annotation_is_pending() {
        let a = annotations(&[
            (UID_RANGE_ANNOTATION, "1000000000/10000"),
            (SUPPLEMENTAL_GROUPS_ANNOTATION, "1000000000/10000"),
            (MCS_ANNOTATION, " "),
        ]);
        let p = PendingAllocation::check("team-c", &a).expect("pending");
        assert_eq!(p.missing, vec![MCS_ANNOTATION]);
        assert!(
            p.message()
                .contains("(missing annotation openshift.io/sa.scc.mcs)")
        );
    }
}
