//! The fast admission decision (a provider set compiled once, SCCs tried on copies of the
//! security contexts only, the pod copied once) against the straightforward one (the whole pod
//! copied, mutated and validated for every SCC): identical decisions, every field of them, for
//! all 4537 pods of the PSS conformance fixtures, under several requesters, on CREATE and on
//! UPDATE, in an allocated namespace and in one without annotations.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::admission::authz::{Grant, UserInfo};
use secctx_core::admission::compiled::{PodRequest, ProviderSet};
use secctx_core::admission::decide::{Operation, Request};
use secctx_core::admission::provider::NamespaceInfo;
use secctx_core::admission::reference;
use secctx_core::admission::standard::{standard_grants, standard_sccs};
use secctx_core::load::load_text;

mod pss_fixtures;

use pss_fixtures::{files, root};

fn conformance_pods() -> Vec<(String, ObjectMeta, PodSpec)> {
    let dir = root();
    assert!(
        dir.is_dir(),
        "PSS conformance fixtures not found at {} (shared/conformance/pss); this test never skips",
        dir.display()
    );
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    let mut pods = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let loaded = load_text(&path.display().to_string(), &text);
        assert!(loaded.errors.is_empty(), "{}", path.display());
        for w in loaded.workloads() {
            pods.push((
                path.display().to_string(),
                w.pod_meta.clone(),
                w.spec.clone(),
            ));
        }
    }
    assert_eq!(pods.len(), 4537, "the conformance set holds 4537 pods");
    pods
}

fn namespace(name: &str, annotations: &[(&str, &str)]) -> NamespaceInfo {
    NamespaceInfo {
        name: name.into(),
        annotations: annotations
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn fast_and_straightforward_decisions_agree_on_every_conformance_pod() {
    let pods = conformance_pods();
    let allocated = namespace(
        "ns-68",
        &[
            ("openshift.io/sa.scc.uid-range", "1000680000/10000"),
            (
                "openshift.io/sa.scc.supplemental-groups",
                "1000680000/10000",
            ),
            ("openshift.io/sa.scc.mcs", "s0:c26,c15"),
        ],
    );
    // No annotations: every SCC that takes a value from the namespace fails to configure.
    let bare = namespace("bare", &[]);
    let restricted_user = UserInfo {
        name: "conformance-user".into(),
        groups: vec!["system:authenticated".into()],
    };
    let admin = UserInfo {
        name: "system:admin".into(),
        groups: vec!["system:authenticated".into()],
    };
    let nobody = UserInfo {
        name: "nobody".into(),
        groups: vec![],
    };
    let sccs = standard_sccs();
    let mut grants = standard_grants();
    // The pods' default service account of ns-68 may use anyuid; a group grant gives every
    // service account of ns-68 hostnetwork-v2; a grant in another namespace gives nothing.
    for (scc, namespace, users, groups) in [
        (
            "anyuid",
            Some("ns-68"),
            vec!["system:serviceaccount:ns-68:default"],
            vec![],
        ),
        (
            "hostnetwork-v2",
            Some("ns-68"),
            vec![],
            vec!["system:serviceaccounts:ns-68"],
        ),
        (
            "privileged",
            Some("elsewhere"),
            vec![],
            vec!["system:serviceaccounts"],
        ),
    ] {
        grants.push(Grant {
            scc: scc.into(),
            namespace: namespace.map(Into::into),
            users: users.into_iter().map(Into::into).collect(),
            groups: groups.into_iter().map(Into::into).collect(),
            source: "test".into(),
        });
    }
    let mut compared = 0;
    let mut outcomes = [0usize; 2];
    let mut failures = Vec::new();
    for ns in [&allocated, &bare] {
        for (grants, label) in [
            (&standard_grants(), "standard grants"),
            (&grants, "extra grants"),
        ] {
            let set = ProviderSet::new(sccs, ns, grants);
            for user in [&restricted_user, &admin, &nobody] {
                for op in [Operation::Create, Operation::Update] {
                    for (path, meta, spec) in &pods {
                        let fast = set.admit(&PodRequest {
                            operation: op,
                            meta,
                            spec,
                            old_meta: Some(meta),
                            user,
                        });
                        let (slow, slow_pod) = reference::admit(&Request {
                            operation: op,
                            meta,
                            spec,
                            old_meta: Some(meta),
                            namespace: ns,
                            user,
                            sccs,
                            grants,
                        });
                        // The admitted pod, rendered from the fast decision.
                        let fast_pod = set.render(
                            &PodRequest {
                                operation: op,
                                meta,
                                spec,
                                old_meta: Some(meta),
                                user,
                            },
                            &fast,
                        );
                        compared += 1;
                        outcomes[usize::from(fast.denied.is_some())] += 1;
                        if (fast != slow || fast_pod != slow_pod) && failures.len() < 5 {
                            failures.push(format!(
                                "{path} ({}, {label}, {}, {op:?}):\nfast {fast:#?}\n{fast_pod:#?}\nslow {slow:#?}\n{slow_pod:#?}",
                                ns.name, user.name
                            ));
                        }
                    }
                }
            }
        }
    }
    println!(
        "{compared} decisions compared: {} admitted, {} denied",
        outcomes[0], outcomes[1]
    );
    assert!(outcomes[0] > 0 && outcomes[1] > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
