//! Capabilities: containerd's `WithCapabilities` and `WithPrivileged` on the OCI lists, then
//! what the kernel leaves after `execve` for the container's uid, as `/proc/<pid>/status` shows.
//!
//! containerd starts from its 14 default capabilities; `ALL` (any case) in `add` sets every
//! capability of the node, `ALL` in `drop` empties the sets; then each other add is upper-cased,
//! prefixed `CAP_` and appended, and each other drop removed, so drops win over adds. A
//! privileged container gets every capability regardless. runc ignores names the kernel does
//! not know. After `execve`, uid 0 keeps its bounding set as permitted/effective; any other uid
//! ends with none (ambient capabilities are always cleared by containerd).

use std::borrow::Cow;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::Capabilities;
use serde::Serialize;

use crate::caps::{CAPABILITY_NAMES, CONTAINERD_DEFAULT_CAPS, CapSet};

/// One OCI capability list. The usual lists (containerd's defaults, every capability of the
/// node, none) are borrowed from static tables; only a list an add or drop changed is owned.
pub type CapList = Cow<'static, [Cow<'static, str>]>;

/// The capability lists of the OCI spec (`process.capabilities`). Known names are borrowed
/// from the static name table; only names a manifest adds are owned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OciCaps {
    /// `bounding`.
    pub bounding: CapList,
    /// `effective`.
    pub effective: CapList,
    /// `permitted`.
    pub permitted: CapList,
    /// `inheritable` (always empty with containerd).
    pub inheritable: CapList,
    /// `ambient` (always cleared by containerd).
    pub ambient: CapList,
}

/// Every capability name as a borrowed `Cow`, built once.
fn all_names() -> &'static [Cow<'static, str>] {
    static ALL: OnceLock<Vec<Cow<'static, str>>> = OnceLock::new();
    ALL.get_or_init(|| CAPABILITY_NAMES.iter().map(|s| Cow::Borrowed(*s)).collect())
}

/// containerd's default list as borrowed `Cow`s, built once.
fn default_names() -> &'static [Cow<'static, str>] {
    static DEFAULT: OnceLock<Vec<Cow<'static, str>>> = OnceLock::new();
    DEFAULT.get_or_init(|| {
        CONTAINERD_DEFAULT_CAPS
            .iter()
            .map(|s| Cow::Borrowed(*s))
            .collect()
    })
}

/// The set of containerd's default list, computed once.
fn default_set() -> CapSet {
    static SET: OnceLock<CapSet> = OnceLock::new();
    *SET.get_or_init(|| CapSet::from_names(CONTAINERD_DEFAULT_CAPS))
}

/// containerd's capability lists for a container. `runtime` is the runtime's own effective
/// set (see [`crate::resolve::NodeConfig::runtime_caps`]); `None` means every capability up to
/// `last_cap`.
pub fn oci_caps(
    caps: Option<&Capabilities>,
    privileged: bool,
    last_cap: u8,
    runtime: Option<CapSet>,
) -> OciCaps {
    oci_caps_and_set(caps, privileged, last_cap, runtime).0
}

/// [`oci_caps`] and what the kernel makes of its list: the set of the names it knows, and
/// whether the list holds a name it does not know.
pub(super) fn oci_caps_and_set(
    caps: Option<&Capabilities>,
    privileged: bool,
    last_cap: u8,
    runtime: Option<CapSet>,
) -> (OciCaps, CapSet, bool) {
    // containerd applies the same steps to bounding, effective and permitted, so the three
    // lists are always equal: build one and share or copy it.
    let all_n = (usize::from(last_cap) + 1).min(CAPABILITY_NAMES.len());
    let all = || -> (CapList, CapSet, bool) {
        match runtime {
            // containerd lists the capabilities its own process holds (`cap.Current()`), in
            // bit order.
            Some(held) => (
                Cow::Owned(
                    all_names()[..all_n]
                        .iter()
                        .enumerate()
                        .filter(|(bit, _)| held.0 & (1u64 << bit) != 0)
                        .map(|(_, n)| n.clone())
                        .collect(),
                ),
                CapSet(held.0 & CapSet::all(u8::try_from(all_n - 1).unwrap_or(last_cap)).0),
                false,
            ),
            None => (
                Cow::Borrowed(&all_names()[..all_n]),
                // Every bit of the names taken (all_n ≤ the names known).
                CapSet::all(u8::try_from(all_n - 1).unwrap_or(last_cap)),
                false,
            ),
        }
    };
    let (list, set, unknown) = if privileged {
        all()
    } else {
        let adds = caps.and_then(|c| c.add.as_deref()).unwrap_or_default();
        let drops = caps.and_then(|c| c.drop.as_deref()).unwrap_or_default();
        let is_all = |s: &&String| s.eq_ignore_ascii_case("ALL");
        let base: (CapList, CapSet, bool) = if drops.iter().any(|d| is_all(&d)) {
            // `ALL` in drop empties the lists, whatever add said.
            (Cow::Borrowed(&[]), CapSet::EMPTY, false)
        } else if adds.iter().any(|a| is_all(&a)) {
            all()
        } else {
            (Cow::Borrowed(default_names()), default_set(), false)
        };
        if adds.iter().chain(drops).all(|n| is_all(&n)) {
            base
        } else {
            let mut list = base.0.into_owned();
            for a in adds.iter().filter(|a| !is_all(a)) {
                let name = cap_name(a);
                if !list.contains(&name) {
                    list.push(name);
                }
            }
            for d in drops.iter().filter(|d| !is_all(d)) {
                let name = cap_name(d);
                list.retain(|c| *c != name);
            }
            let (set, unknown) = CapSet::from_names_split(list.iter().map(|n| &**n));
            (Cow::Owned(list), set, !unknown.is_empty())
        }
    };
    (
        OciCaps {
            bounding: list.clone(),
            effective: list.clone(),
            permitted: list,
            inheritable: Cow::Borrowed(&[]),
            ambient: Cow::Borrowed(&[]),
        },
        set,
        unknown,
    )
}

/// containerd's `"CAP_" + strings.ToUpper(name)`, borrowed from the name table when the
/// kernel knows the name.
fn cap_name(name: &str) -> Cow<'static, str> {
    if name.len() <= 28 && name.is_ascii() {
        let mut buf = [0u8; 32];
        buf[..4].copy_from_slice(b"CAP_");
        buf[4..4 + name.len()].copy_from_slice(name.as_bytes());
        buf[4..4 + name.len()].make_ascii_uppercase();
        let upper = std::str::from_utf8(&buf[..4 + name.len()]).unwrap_or_default();
        if let Some(b) = crate::caps::bit_of(upper) {
            return Cow::Borrowed(CAPABILITY_NAMES[usize::from(b)]);
        }
    }
    let mut out = String::with_capacity(name.len() + 4);
    out.push_str("CAP_");
    out.push_str(&name.to_uppercase());
    Cow::Owned(out)
}

/// The five capability sets of the container's first process, as `/proc/<pid>/status` prints
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcCaps {
    /// `CapInh`.
    pub inh: CapSet,
    /// `CapPrm`.
    pub prm: CapSet,
    /// `CapEff`.
    pub eff: CapSet,
    /// `CapBnd`.
    pub bnd: CapSet,
    /// `CapAmb`.
    pub amb: CapSet,
}

/// The sets after runc applies `oci` and the kernel runs `execve` as `uid` (no file
/// capabilities on the binary). With no_new_privs, permitted cannot grow beyond the pre-exec
/// permitted set.
pub fn proc_caps(oci: &OciCaps, uid: i64, no_new_privs: bool) -> ProcCaps {
    let set = |l: &[Cow<'static, str>]| CapSet::from_names(l.iter().map(|n| &**n));
    let bnd = set(&oci.bounding);
    let pre_prm = if oci.permitted == oci.bounding {
        bnd
    } else {
        set(&oci.permitted)
    };
    after_exec(set(&oci.inheritable), bnd, pre_prm, uid, no_new_privs)
}

/// The kernel's `execve` rule, for a process with inheritable `inh`, bounding `bnd` and
/// permitted `pre_prm` sets before it, no ambient set and no file capabilities on the binary.
fn after_exec(inh: CapSet, bnd: CapSet, pre_prm: CapSet, uid: i64, no_new_privs: bool) -> ProcCaps {
    let p = if uid == 0 {
        // Root: file capabilities are treated as full, so P' = (P(inh) | P(bnd)); no_new_privs
        // caps it at the pre-exec permitted set.
        let p = CapSet(inh.0 | bnd.0);
        if no_new_privs {
            CapSet(p.0 & pre_prm.0)
        } else {
            p
        }
    } else {
        CapSet::EMPTY
    };
    ProcCaps {
        inh,
        prm: p,
        eff: p,
        bnd,
        amb: CapSet::EMPTY,
    }
}

/// Names in the OCI lists that runc will ignore (`ignoring unknown or unavailable
/// capabilities`), sorted and de-duplicated.
pub fn unknown_names(oci: &OciCaps) -> Vec<String> {
    // No kernel limit: only the names no capability has.
    ignored_names(oci, u8::MAX)
}

/// [`proc_caps`] on a node whose kernel knows capabilities up to `last_cap`, from the set of
/// the known names of the bounding list (containerd's three lists are equal, inheritable and
/// ambient empty): runc ignores the names above `last_cap`, so they are in no set.
pub(super) fn proc_caps_of_set(bounding: CapSet, uid: i64, last_cap: u8) -> ProcCaps {
    let bnd = CapSet(bounding.0 & CapSet::all(last_cap).0);
    // The pre-exec permitted set equals the bounding set, so no_new_privs changes nothing.
    after_exec(CapSet::EMPTY, bnd, bnd, uid, false)
}

/// [`unknown_names`] plus the names the node's kernel does not have (bit above `last_cap`),
/// sorted and de-duplicated.
pub(super) fn ignored_names(oci: &OciCaps, last_cap: u8) -> Vec<String> {
    // The three lists are usually equal: scan each distinct list once.
    let lists = [&oci.bounding, &oci.effective, &oci.permitted];
    let mut out: Vec<String> = lists
        .iter()
        .enumerate()
        .filter(|(i, l)| !lists[..*i].contains(l))
        .flat_map(|(_, l)| l.iter())
        .filter(|n| crate::caps::bit_of(n).is_none_or(|b| b > last_cap))
        .map(|n| n.to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Capabilities;

    use super::{oci_caps_and_set, proc_caps, proc_caps_of_set};
    use crate::caps::LAST_CAP;

    /// The fast path resolution takes (from the set) agrees with the general rule (from the
    /// lists) on every shape containerd produces.
    #[test]
    fn set_path_matches_the_list_rule() {
        let caps = |add: &[&str], drop: &[&str]| Capabilities {
            add: Some(add.iter().map(|s| s.to_string()).collect()),
            drop: Some(drop.iter().map(|s| s.to_string()).collect()),
        };
        let cases = [
            None,
            Some(caps(&["NET_ADMIN"], &["CHOWN"])),
            Some(caps(&[], &["ALL"])),
            Some(caps(&["ALL"], &[])),
            Some(caps(&["SYS_TIME", "BOGUS"], &[])),
        ];
        for c in &cases {
            for privileged in [false, true] {
                let (oci, set, _) = oci_caps_and_set(c.as_ref(), privileged, LAST_CAP, None);
                for uid in [0, 1000] {
                    for nnp in [false, true] {
                        assert_eq!(
                            proc_caps_of_set(set, uid, LAST_CAP),
                            proc_caps(&oci, uid, nnp),
                            "{c:?} privileged={privileged} uid={uid} nnp={nnp}"
                        );
                    }
                }
            }
        }
    }
}
