use super::allocation::*;
use super::block::Block;
use super::mcs::McsLabel;

#[test]
fn block_parse_forms() {
    assert_eq!(
        Block::parse("1000680000/10000").unwrap(),
        Block {
            start: 1000680000,
            end: 1000689999
        }
    );
    assert_eq!(
        Block::parse("1000680000-1000689999").unwrap(),
        Block::parse("1000680000/10000").unwrap()
    );
    assert!(Block::parse("1000680000").is_err());
    assert!(Block::parse("5/0").is_err());
}

#[test]
fn mcs_parse_is_order_free() {
    assert_eq!(McsLabel::parse("s0:c0,c6"), McsLabel::parse("s0:c6,c0"));
    assert_eq!(
        McsLabel::parse("s0:c26,c15").unwrap().to_string(),
        "s0:c26,c15"
    );
}

#[test]
fn existing_blocks_are_reserved_before_new_ones() {
    let cfg = AllocatorConfig::default();
    let mut a = NamespaceState {
        name: "a".into(),
        ..Default::default()
    };
    let mut b = NamespaceState {
        name: "b".into(),
        ..Default::default()
    };
    b.annotations
        .insert(UID_RANGE_ANNOTATION.into(), "1000000000/10000".into());
    a.annotations
        .insert(MCS_ANNOTATION.into(), "s0:c9,c8".into());
    let out = allocate(&cfg, &[a, b]);
    match &out[0].decision {
        Decision::Allocated {
            index,
            annotations,
            kept_mcs,
        } => {
            assert_eq!(*index, 1);
            assert_eq!(annotations[UID_RANGE_ANNOTATION], "1000010000/10000");
            assert_eq!(
                annotations[SUPPLEMENTAL_GROUPS_ANNOTATION],
                "1000010000/10000"
            );
            assert_eq!(annotations[MCS_ANNOTATION], "s0:c9,c8");
            assert!(kept_mcs);
        }
        d => panic!("{d:?}"),
    }
    assert_eq!(out[1].decision, Decision::Kept { index: Some(0) });
}

#[test]
fn full_range_is_exhausted() {
    let cfg = AllocatorConfig {
        uid_start: 1000,
        uid_end: 1999,
        block_size: 500,
        mcs_per_block: 5,
    };
    let ns: Vec<_> = (0..3)
        .map(|i| NamespaceState {
            name: format!("n{i}"),
            ..Default::default()
        })
        .collect();
    let out = allocate(&cfg, &ns);
    assert!(matches!(
        out[1].decision,
        Decision::Allocated { index: 1, .. }
    ));
    assert_eq!(out[2].decision, Decision::Exhausted);
}

/// Spec §3.4: the default-SCC order and each one's score.
#[test]
fn standard_order_is_the_spec_list() {
    use super::order::{point_value, sorted};
    use super::standard::standard_sccs;
    let expected = [
        ("anyuid", 154_950),
        ("restricted-v2", 132_010),
        ("restricted-v3", 132_010),
        ("restricted", 134_800),
        ("nested-container", 135_020),
        ("nonroot-v2", 142_010),
        ("nonroot", 144_800),
        ("hostmount-anyuid", 254_950),
        ("hostmount-anyuid-v2", 284_950),
        ("hostnetwork-v2", 1_332_010),
        ("hostnetwork", 1_334_800),
        ("hostaccess", 1_434_800),
        ("privileged", 3_089_000),
    ];
    let got: Vec<(&str, u32)> = sorted(standard_sccs())
        .into_iter()
        .map(|s| (s.name.as_str(), point_value(s)))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn scc_volume_defaults() {
    use super::scc::Scc;
    let base = |extra: serde_json::Value| {
        let mut j = serde_json::json!({
            "kind": "SecurityContextConstraints",
            "metadata": {"name": "x"},
            "runAsUser": {"type": "RunAsAny"},
            "seLinuxContext": {"type": "RunAsAny"},
        });
        for (k, v) in extra.as_object().unwrap() {
            j[k] = v.clone();
        }
        Scc::from_json(j).unwrap()
    };
    let all = base(serde_json::json!({}));
    assert!(all.allows_volume("nfs") && !all.allows_volume("hostPath"));
    assert!(all.allow_privilege_escalation);
    assert_eq!(base(serde_json::json!({"volumes": []})).volumes, ["none"]);
    assert_eq!(
        base(serde_json::json!({"volumes": [], "allowHostDirVolumePlugin": true})).volumes,
        ["hostPath"]
    );
    assert_eq!(
        base(serde_json::json!({"volumes": ["secret"], "allowHostDirVolumePlugin": true})).volumes,
        ["hostPath", "secret"]
    );
    assert_eq!(
        base(serde_json::json!({"volumes": ["*"], "allowHostDirVolumePlugin": true})).volumes,
        ["*"]
    );
    let s = base(serde_json::json!({}));
    assert_eq!(s.fs_group.kind(), super::scc::MustOrAny::RunAsAny);
}
