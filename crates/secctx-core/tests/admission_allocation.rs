//! Bar 1 of issue 12: the namespace allocator reproduces spec §3.2's worked examples exactly,
//! all 100,000 blocks get distinct MCS labels, and unranking inverts ranking.

use std::collections::{BTreeMap, HashSet};

use proptest::prelude::*;
use secctx_core::admission::allocation::*;
use secctx_core::admission::mcs::{LABEL_COUNT, MAX_CATEGORY, McsLabel};

/// Spec §3.2 "Worked examples": block index, uid-range, mcs.
const WORKED: &[(u32, &str, &str)] = &[
    (0, "1000000000/10000", "s0:c1,c0"),
    (1, "1000010000/10000", "s0:c3,c2"),
    (2, "1000020000/10000", "s0:c5,c0"),
    (5, "1000050000/10000", "s0:c7,c4"),
    (10, "1000100000/10000", "s0:c10,c5"),
    (65, "1000650000/10000", "s0:c26,c0"),
    (66, "1000660000/10000", "s0:c26,c5"),
    (68, "1000680000/10000", "s0:c26,c15"),
    (100, "1001000000/10000", "s0:c32,c4"),
    (1000, "1010000000/10000", "s0:c100,c50"),
    (99999, "1999990000/10000", "s0:c1000,c495"),
];

#[test]
fn worked_examples_by_index() {
    let cfg = AllocatorConfig::default();
    for &(i, range, mcs) in WORKED {
        assert_eq!(cfg.block(i).to_string(), range, "block {i}");
        assert_eq!(cfg.label(i).unwrap().to_string(), mcs, "block {i}");
    }
}

/// The same rows through the allocator itself: `i` namespaces already hold blocks 0..i, so
/// the next namespace gets block `i` (lowest free first), with its three annotations.
#[test]
fn worked_examples_through_allocate() {
    let cfg = AllocatorConfig::default();
    for &(i, range, mcs) in WORKED {
        let mut state: Vec<NamespaceState> = (0..i)
            .map(|k| NamespaceState {
                name: format!("old-{k}"),
                annotations: BTreeMap::from([(
                    UID_RANGE_ANNOTATION.to_string(),
                    cfg.block(k).to_string(),
                )]),
            })
            .collect();
        state.push(NamespaceState {
            name: "new".into(),
            annotations: BTreeMap::new(),
        });
        let out = allocate(&cfg, &state);
        match &out.last().unwrap().decision {
            Decision::Allocated {
                index, annotations, ..
            } => {
                assert_eq!(*index, i);
                assert_eq!(annotations[UID_RANGE_ANNOTATION], range);
                assert_eq!(annotations[SUPPLEMENTAL_GROUPS_ANNOTATION], range);
                assert_eq!(annotations[MCS_ANNOTATION], mcs);
            }
            d => panic!("block {i}: {d:?}"),
        }
    }
}

/// A freed block (a deleted namespace) is reused first: lowest clear bit.
#[test]
fn lowest_free_block_first() {
    let cfg = AllocatorConfig::default();
    let held = |k: u32| NamespaceState {
        name: format!("ns{k}"),
        annotations: BTreeMap::from([(UID_RANGE_ANNOTATION.to_string(), cfg.block(k).to_string())]),
    };
    let fresh = NamespaceState {
        name: "fresh".into(),
        annotations: BTreeMap::new(),
    };
    let out = allocate(&cfg, &[held(0), held(2), fresh.clone(), fresh]);
    assert!(matches!(
        out[2].decision,
        Decision::Allocated { index: 1, .. }
    ));
    assert!(matches!(
        out[3].decision,
        Decision::Allocated { index: 3, .. }
    ));
}

#[test]
fn all_blocks_get_distinct_labels() {
    let cfg = AllocatorConfig::default();
    assert_eq!(cfg.blocks(), 100_000);
    let mut seen = HashSet::with_capacity(100_000);
    for i in 0..cfg.blocks() {
        let l = cfg.label(i).expect("label space covers every block");
        assert!(l.high > l.low && l.high < MAX_CATEGORY);
        assert_eq!(l.rank(), u64::from(i) * 5);
        assert!(seen.insert(l), "block {i} repeats label {l}");
    }
    assert_eq!(seen.len(), 100_000);
    assert_eq!(LABEL_COUNT, 523_776);
    assert!(McsLabel::unrank(LABEL_COUNT).is_none());
}

proptest! {
    #[test]
    fn unrank_inverts_rank(n in 0..LABEL_COUNT) {
        let l = McsLabel::unrank(n).unwrap();
        prop_assert!(l.high > l.low);
        prop_assert_eq!(l.rank(), n);
        prop_assert_eq!(McsLabel::parse(&l.to_string()), Some(l));
    }

    #[test]
    fn rank_inverts_unrank(a in 0..MAX_CATEGORY, b in 0..MAX_CATEGORY) {
        prop_assume!(a != b);
        let l = McsLabel { high: a.max(b), low: a.min(b) };
        prop_assert_eq!(McsLabel::unrank(l.rank()), Some(l));
    }

    /// Co-lexicographic order: the label numbers sort as (high, low) pairs do.
    #[test]
    fn rank_is_colex(n in 0..LABEL_COUNT - 1) {
        let (x, y) = (McsLabel::unrank(n).unwrap(), McsLabel::unrank(n + 1).unwrap());
        prop_assert!((x.high, x.low) < (y.high, y.low));
    }
}
