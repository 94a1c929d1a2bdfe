//! Property tests of the capability and group calculus, through the public API
//! (`resolve::resolve_pod`): arbitrary pod and container security contexts are generated and
//! each resolved container is checked against the rules of `shared/spec/kubernetes-semantics.md`
//! §3.2, §4.2–§4.5 and §5, written here as small independent oracles over bit masks and sets.
//!
//! - Capabilities (containerd `WithCapabilities`): start from the 14 defaults (`a80425fb`);
//!   `ALL` in add, in any case, gives every capability of the node; `ALL` in drop, in any case,
//!   empties the sets; other adds are `CAP_` + upper case; drops win over adds; names the kernel
//!   does not know are ignored by runc; privileged gives the full bounding set regardless.
//! - `/proc`: uid 0 has CapPrm = CapEff = CapBnd; any other uid has CapPrm = CapEff = 0 (no
//!   ambient); CapInh = CapAmb = 0; no_new_privs exactly when `allowPrivilegeEscalation: false`.
//! - Groups: the additional gids are the ascending, de-duplicated set of the primary gid,
//!   `fsGroup`, `supplementalGroups` and (policy `Merge` only) the image `/etc/group`
//!   memberships of the user, excluding a group named like the user.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, PodSecurityContext, PodSpec, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use proptest::prelude::*;
use secctx_core::caps::CapSet;
use secctx_core::image::ImageInfo;
use secctx_core::resolve::{NodeConfig, ResolvedContainer, ResolvedPod, resolve_pod};

mod image_support;

/// containerd's 14 default capabilities as `/proc` prints them (spec §4.2).
const DEFAULT_CAPS: u64 = 0xa804_25fb;

/// Capability names as a manifest may write them, with the bit they mean (`None`: a name the
/// kernel does not know, so runc ignores `CAP_<NAME>`).
const CAP_NAMES: &[(&str, Option<u8>)] = &[
    ("CHOWN", Some(0)),
    ("chown", Some(0)),
    ("DAC_OVERRIDE", Some(1)),
    ("Fowner", Some(3)),
    ("KILL", Some(5)),
    ("SETUID", Some(7)),
    ("NET_BIND_SERVICE", Some(10)),
    ("net_admin", Some(12)),
    ("NET_RAW", Some(13)),
    ("SYS_CHROOT", Some(18)),
    ("SYS_PTRACE", Some(19)),
    ("SYS_ADMIN", Some(21)),
    ("Sys_Time", Some(25)),
    ("MKNOD", Some(27)),
    ("AUDIT_WRITE", Some(29)),
    ("SETFCAP", Some(31)),
    ("BPF", Some(39)),
    ("checkpoint_restore", Some(40)),
    // `CAP_CAP_CHOWN`: a trap, unknown to the kernel.
    ("CAP_CHOWN", None),
    ("NOT_A_CAP", None),
    ("", None),
];

/// Spellings of `ALL`: containerd compares with `strings.EqualFold`.
const ALL_SPELLINGS: &[&str] = &["ALL", "all", "All", "aLl", "alL"];

const ROOT_IMAGE: &str = "example/root";
const NUMERIC_IMAGE: &str = "example/numeric";
const NAMED_IMAGE: &str = "example/named";
const IMAGE_NAMES: &[&str] = &[ROOT_IMAGE, NUMERIC_IMAGE, NAMED_IMAGE];

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
daemon:x:1:1::/:/bin/false\n\
app:x:1000:1000::/home/app:/bin/sh\n\
nobody:x:65534:65534::/:/bin/false\n";

/// `app` is listed in its own group (which containerd skips) and in `daemon`, `wheel`, `extra`.
const GROUP: &str = "root:x:0:\n\
daemon:x:1:app\n\
wheel:x:10:root,app\n\
app:x:1000:app\n\
extra:x:5000:app,root\n\
nogroup:x:65534:\n";

fn image(user: &str) -> ImageInfo {
    image_support::image("props", user, PASSWD, GROUP)
}

/// The uid the image's USER gives when `runAsUser` is unset (`app` is uid 1000 in PASSWD).
fn image_uid(image: &str) -> i64 {
    match image {
        ROOT_IMAGE => 0,
        _ => 1000,
    }
}

/// The primary gid containerd takes from PASSWD for a uid (0 when absent).
fn passwd_gid(uid: i64) -> i64 {
    match uid {
        0 | 1 | 1000 | 65534 => uid,
        _ => 0,
    }
}

/// The image `/etc/group` memberships of the user of `uid`, from GROUP by hand.
fn image_memberships(uid: i64) -> BTreeSet<i64> {
    match uid {
        0 => [10, 5000].into(),
        1000 => [1, 10, 5000].into(),
        _ => BTreeSet::new(),
    }
}

fn cap_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(CAP_NAMES).prop_map(|(n, _)| n.to_string()),
        1 => prop::sample::select(ALL_SPELLINGS).prop_map(str::to_string),
    ]
}

fn capabilities() -> impl Strategy<Value = Option<Capabilities>> {
    prop::option::weighted(
        0.7,
        (
            prop::option::of(prop::collection::vec(cap_name(), 0..5)),
            prop::option::of(prop::collection::vec(cap_name(), 0..5)),
        )
            .prop_map(|(add, drop)| Capabilities { add, drop }),
    )
}

fn id() -> impl Strategy<Value = Option<i64>> {
    prop::option::of(prop_oneof![
        Just(0i64),
        Just(1),
        Just(1000),
        Just(65534),
        0i64..=2_147_483_647,
    ])
}

fn container_sc() -> impl Strategy<Value = Option<SecurityContext>> {
    prop::option::weighted(
        0.85,
        (
            capabilities(),
            prop::option::weighted(0.3, any::<bool>()),
            prop::option::of(any::<bool>()),
            id(),
            id(),
        )
            .prop_map(
                |(capabilities, privileged, ape, uid, gid)| SecurityContext {
                    capabilities,
                    privileged,
                    allow_privilege_escalation: ape,
                    run_as_user: uid,
                    run_as_group: gid,
                    ..SecurityContext::default()
                },
            ),
    )
}

fn pod_sc() -> impl Strategy<Value = Option<PodSecurityContext>> {
    prop::option::weighted(
        0.85,
        (
            id(),
            id(),
            prop::option::of(prop_oneof![Just(0i64), Just(10), 0i64..70_000]),
            prop::option::of(prop::collection::vec(
                prop_oneof![Just(0i64), Just(1), Just(10), Just(1000), 0i64..70_000],
                0..6,
            )),
            prop::option::of(prop::sample::select(vec!["Merge", "Strict"])),
        )
            .prop_map(
                |(uid, gid, fs_group, supplemental, policy)| PodSecurityContext {
                    run_as_user: uid,
                    run_as_group: gid,
                    fs_group,
                    supplemental_groups: supplemental,
                    supplemental_groups_policy: policy.map(str::to_string),
                    ..PodSecurityContext::default()
                },
            ),
    )
}

fn containers(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Container>> {
    prop::collection::vec((prop::sample::select(IMAGE_NAMES), container_sc()), n).prop_map(|list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (image, sc))| Container {
                name: format!("c{i}"),
                image: Some(image.to_string()),
                security_context: sc,
                ..Container::default()
            })
            .collect()
    })
}

fn pod_spec() -> impl Strategy<Value = PodSpec> {
    (pod_sc(), containers(1..4), containers(0..3)).prop_map(|(sc, cs, init)| PodSpec {
        security_context: sc,
        containers: cs,
        init_containers: (!init.is_empty()).then_some(init),
        ..PodSpec::default()
    })
}

fn resolve(spec: &PodSpec, node: &NodeConfig) -> ResolvedPod {
    let root = image("");
    let numeric = image("1000:1000");
    let named = image("app");
    let images = |name: &str| -> Option<&ImageInfo> {
        match name {
            ROOT_IMAGE => Some(&root),
            NUMERIC_IMAGE => Some(&numeric),
            NAMED_IMAGE => Some(&named),
            _ => None,
        }
    };
    let meta = ObjectMeta {
        name: Some("p".into()),
        ..ObjectMeta::default()
    };
    resolve_pod(&meta, spec, &images, node)
}

/// The containers of the spec in the order `resolve_pod` reports them (init, then regular).
fn spec_containers(spec: &PodSpec) -> Vec<&Container> {
    spec.init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .collect()
}

fn bit_of_written(name: &str) -> Option<u8> {
    CAP_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, b)| *b)
}

fn is_all(name: &str) -> bool {
    name.eq_ignore_ascii_case("all")
}

/// The bounding set containerd + runc give, computed from the rules of spec §4.2/§4.3.
fn expected_bounding(sc: Option<&SecurityContext>, last_cap: u8) -> u64 {
    let all = CapSet::all(last_cap).0;
    if sc.and_then(|s| s.privileged) == Some(true) {
        return all;
    }
    let Some(caps) = sc.and_then(|s| s.capabilities.as_ref()) else {
        return DEFAULT_CAPS;
    };
    let adds = caps.add.as_deref().unwrap_or_default();
    let drops = caps.drop.as_deref().unwrap_or_default();
    let mut set = DEFAULT_CAPS;
    if adds.iter().any(|a| is_all(a)) {
        set = all;
    }
    if drops.iter().any(|d| is_all(d)) {
        set = 0;
    }
    for a in adds.iter().filter(|a| !is_all(a)) {
        if let Some(b) = bit_of_written(a).filter(|b| *b <= last_cap) {
            set |= 1 << b;
        }
    }
    for d in drops.iter().filter(|d| !is_all(d)) {
        if let Some(b) = bit_of_written(d) {
            set &= !(1 << b);
        }
    }
    set
}

fn expected_uid(pod: Option<&PodSecurityContext>, c: &Container) -> i64 {
    c.security_context
        .as_ref()
        .and_then(|s| s.run_as_user)
        .or_else(|| pod.and_then(|p| p.run_as_user))
        .unwrap_or_else(|| image_uid(c.image.as_deref().unwrap_or("")))
}

fn expected_gid(pod: Option<&PodSecurityContext>, c: &Container, uid: i64) -> i64 {
    c.security_context
        .as_ref()
        .and_then(|s| s.run_as_group)
        .or_else(|| pod.and_then(|p| p.run_as_group))
        .unwrap_or_else(|| passwd_gid(uid))
}

fn expected_groups(pod: Option<&PodSecurityContext>, uid: i64, gid: i64) -> Vec<i64> {
    let mut set: BTreeSet<i64> = [gid].into();
    if let Some(p) = pod {
        set.extend(p.fs_group);
        set.extend(p.supplemental_groups.iter().flatten());
    }
    let strict = pod.and_then(|p| p.supplemental_groups_policy.as_deref()) == Some("Strict");
    if !strict {
        set.extend(image_memberships(uid));
    }
    set.into_iter().collect()
}

fn check_container(
    spec: &PodSpec,
    c: &Container,
    r: &ResolvedContainer,
    node: &NodeConfig,
) -> Result<(), TestCaseError> {
    let pod = spec.security_context.as_ref();
    let sc = c.security_context.as_ref();
    let privileged = sc.and_then(|s| s.privileged) == Some(true);

    // The three OCI lists are the same list; inheritable and ambient are empty.
    prop_assert_eq!(&r.oci_caps.bounding, &r.oci_caps.effective);
    prop_assert_eq!(&r.oci_caps.bounding, &r.oci_caps.permitted);
    prop_assert!(r.oci_caps.inheritable.is_empty() && r.oci_caps.ambient.is_empty());

    let caps = *r.caps.get().expect("the uid is known, so are the caps");
    let bnd = caps.bnd.0;
    prop_assert_eq!(bnd, expected_bounding(sc, node.cap_last_cap), "CapBnd");
    if privileged {
        prop_assert_eq!(bnd, CapSet::all(node.cap_last_cap).0);
        prop_assert!(r.ignored_caps.is_empty(), "privileged replaces the lists");
    } else if let Some(k) = sc.and_then(|s| s.capabilities.as_ref()) {
        let drops = k.drop.as_deref().unwrap_or_default();
        let adds = k.add.as_deref().unwrap_or_default();
        // Drops win over adds, including over `ALL` in add.
        for d in drops {
            if let Some(b) = bit_of_written(d) {
                prop_assert!(!caps.bnd.contains_bit(b), "dropped {d} still present");
            }
        }
        // Every add of a known capability that is not dropped is present.
        let dropped_all = drops.iter().any(|d| is_all(d));
        for a in adds.iter().filter(|a| !is_all(a)) {
            let b = bit_of_written(a).filter(|b| *b <= node.cap_last_cap);
            let dropped = drops
                .iter()
                .any(|d| !is_all(d) && d.to_uppercase() == a.to_uppercase());
            if let (Some(b), false) = (b, dropped) {
                prop_assert!(caps.bnd.contains_bit(b), "added {a} missing");
            }
        }
        // `ALL` in add (any case) gives every capability but the dropped ones.
        if adds.iter().any(|a| is_all(a)) && !dropped_all {
            let dropped_bits = drops
                .iter()
                .filter_map(|d| bit_of_written(d))
                .fold(0u64, |m, b| m | 1 << b);
            prop_assert_eq!(bnd, CapSet::all(node.cap_last_cap).0 & !dropped_bits);
        }
        // Names the kernel does not know are reported as ignored, as runc's `CAP_<NAME>`.
        let unknown = |a: &&String| bit_of_written(a).is_none_or(|b| b > node.cap_last_cap);
        for a in adds.iter().filter(|a| !is_all(a)).filter(unknown) {
            let dropped = drops.iter().any(|d| d.to_uppercase() == a.to_uppercase());
            if !dropped {
                let name = format!("CAP_{}", a.to_uppercase());
                prop_assert!(r.ignored_caps.contains(&name), "{name} not reported");
            }
        }
    } else {
        prop_assert_eq!(bnd, DEFAULT_CAPS);
    }

    // /proc after execve.
    let uid = expected_uid(pod, c);
    prop_assert_eq!(r.identity.uid.get(), Some(&uid));
    prop_assert_eq!(caps.inh, CapSet::EMPTY);
    prop_assert_eq!(caps.amb, CapSet::EMPTY);
    if uid == 0 {
        prop_assert_eq!(caps.prm, caps.bnd);
        prop_assert_eq!(caps.eff, caps.bnd);
    } else {
        prop_assert_eq!(caps.prm, CapSet::EMPTY, "non-root keeps no permitted caps");
        prop_assert_eq!(
            caps.eff,
            CapSet::EMPTY,
            "non-root has CapEff 0 without ambient"
        );
    }

    // no_new_privs only for an explicit allowPrivilegeEscalation: false.
    let ape_false = sc.and_then(|s| s.allow_privilege_escalation) == Some(false);
    prop_assert_eq!(r.no_new_privs.get(), Some(&ape_false));

    // Groups.
    let gid = expected_gid(pod, c, uid);
    prop_assert_eq!(r.identity.gid.get(), Some(&gid));
    let gids = &r.identity.groups.gids;
    prop_assert!(
        gids.windows(2).all(|w| w[0] < w[1]),
        "not a sorted set: {gids:?}"
    );
    prop_assert!(gids.contains(&gid), "primary gid {gid} missing: {gids:?}");
    if let Some(p) = pod {
        for g in p
            .fs_group
            .iter()
            .chain(p.supplemental_groups.iter().flatten())
        {
            prop_assert!(gids.contains(g), "{g} missing: {gids:?}");
        }
    }
    prop_assert_eq!(gids, &expected_groups(pod, uid, gid));
    prop_assert!(r.identity.groups.incomplete.is_none());
    let user = r.status_user().expect("status user known");
    prop_assert_eq!((user.uid, user.gid), (uid, gid));
    prop_assert_eq!(&user.supplemental_groups, gids);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn capability_and_group_calculus(spec in pod_spec(), last_cap in 37u8..=40) {
        let node = NodeConfig { cap_last_cap: last_cap, ..NodeConfig::default() };
        let pod = resolve(&spec, &node);
        let cs = spec_containers(&spec);
        prop_assert_eq!(pod.containers.len(), cs.len());
        for (c, r) in cs.iter().zip(&pod.containers) {
            prop_assert_eq!(&r.name, &c.name);
            check_container(&spec, c, r, &node)?;
        }
    }

    /// `ALL` is matched case-insensitively: respelling every `ALL` changes nothing.
    #[test]
    fn all_is_case_insensitive(spec in pod_spec(), spelling in prop::sample::select(ALL_SPELLINGS)) {
        let mut respelled = spec.clone();
        for c in respelled
            .containers
            .iter_mut()
            .chain(respelled.init_containers.iter_mut().flatten())
        {
            if let Some(k) = c.security_context.as_mut().and_then(|s| s.capabilities.as_mut()) {
                for n in k.add.iter_mut().chain(k.drop.iter_mut()).flatten() {
                    if is_all(n) {
                        *n = spelling.to_string();
                    }
                }
            }
        }
        let node = NodeConfig::default();
        let (a, b) = (resolve(&spec, &node), resolve(&respelled, &node));
        for (x, y) in a.containers.iter().zip(&b.containers) {
            prop_assert_eq!(&x.oci_caps, &y.oci_caps);
            prop_assert_eq!(x.caps.get(), y.caps.get());
        }
    }

    /// Strict ignores the image's /etc/group; Merge adds exactly the memberships of the user.
    #[test]
    fn strict_ignores_image_groups(spec in pod_spec()) {
        let mut merge = spec.clone();
        let mut strict = spec;
        merge.security_context.get_or_insert_default().supplemental_groups_policy =
            Some("Merge".into());
        strict.security_context.get_or_insert_default().supplemental_groups_policy =
            Some("Strict".into());
        let node = NodeConfig::default();
        let (m, s) = (resolve(&merge, &node), resolve(&strict, &node));
        let pod = strict.security_context.as_ref();
        for (rm, rs) in m.containers.iter().zip(&s.containers) {
            let uid = *rs.identity.uid.get().unwrap();
            let gid = *rs.identity.gid.get().unwrap();
            let mut base: BTreeSet<i64> = [gid].into();
            base.extend(pod.and_then(|p| p.fs_group));
            base.extend(pod.and_then(|p| p.supplemental_groups.clone()).into_iter().flatten());
            prop_assert_eq!(&rs.identity.groups.gids, &base.iter().copied().collect::<Vec<_>>());
            base.extend(image_memberships(uid));
            prop_assert_eq!(&rm.identity.groups.gids, &base.into_iter().collect::<Vec<_>>());
        }
    }
}
