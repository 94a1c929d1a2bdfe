//! The order admission tries SCCs in (`util/sort`, spec §3.4): higher priority first, then the
//! more restrictive (lower point value), then by name.

use std::cmp::Ordering;

use super::scc::{MustOrAny, RunAsUserType, Scc};

/// Volumes that do not make an SCC less restrictive.
const TRIVIAL_VOLUMES: &[&str] = &[
    "secret",
    "configMap",
    "emptyDir",
    "downwardAPI",
    "projected",
    "none",
];

/// The restriction score: lower is more restrictive.
pub fn point_value(scc: &Scc) -> u32 {
    let mut points = 0;
    if scc.allow_privileged_container {
        points += 1_600_000;
    }
    if scc.allow_host_ports {
        points += 800_000;
    }
    if scc.allow_host_network {
        points += 400_000;
    }
    points += volume_points(scc);
    points += match scc.se_linux_context.type_ {
        MustOrAny::RunAsAny => 40_000,
        MustOrAny::MustRunAs => 10_000,
    };
    points += match scc.run_as_user.type_ {
        RunAsUserType::RunAsAny => 40_000,
        RunAsUserType::MustRunAsNonRoot => 30_000,
        RunAsUserType::MustRunAsRange => 20_000,
        RunAsUserType::MustRunAs => 10_000,
    };
    points + capability_points(scc)
}

fn volume_points(scc: &Scc) -> u32 {
    if scc.volumes.iter().any(|v| v == "*" || v == "hostPath") {
        200_000
    } else if scc
        .volumes
        .iter()
        .any(|v| !TRIVIAL_VOLUMES.contains(&v.as_str()))
    {
        100_000
    } else {
        0
    }
}

/// 5,000 plus 300 per default-added capability, plus 4,000 for `*`/`ALL` allowed (10 per
/// allowed one otherwise), minus 3,000 for a required drop of ALL (50 per dropped one
/// otherwise), kept within 0..=9,999.
fn capability_points(scc: &Scc) -> u32 {
    let mut p: i64 = 5_000 + 300 * scc.default_add_capabilities.len() as i64;
    let wild = |l: &[String]| l.iter().any(|c| c == "*" || c.eq_ignore_ascii_case("ALL"));
    p += if wild(&scc.allowed_capabilities) {
        4_000
    } else {
        10 * scc.allowed_capabilities.len() as i64
    };
    p -= if scc
        .required_drop_capabilities
        .iter()
        .any(|c| c.eq_ignore_ascii_case("ALL"))
    {
        3_000
    } else {
        50 * scc.required_drop_capabilities.len() as i64
    };
    p.clamp(0, 9_999) as u32
}

/// The admission order of two SCCs.
pub fn compare(a: &Scc, b: &Scc) -> Ordering {
    b.priority
        .unwrap_or(0)
        .cmp(&a.priority.unwrap_or(0))
        .then_with(|| point_value(a).cmp(&point_value(b)))
        .then_with(|| a.name.cmp(&b.name))
}

/// Why `a` sorts before `b`, in the words of the `reason` audit annotation.
pub fn why_first(a: &Scc, b: &Scc) -> &'static str {
    if a.priority.unwrap_or(0) != b.priority.unwrap_or(0) {
        return "has higher priority";
    }
    if a.allow_privileged_container != b.allow_privileged_container {
        return "forbids privileged";
    }
    if a.allow_host_ports != b.allow_host_ports {
        return "forbids host ports";
    }
    if a.allow_host_network != b.allow_host_network {
        return "forbids host networking";
    }
    let (va, vb) = (volume_points(a), volume_points(b));
    if va != vb {
        return if vb == 200_000 {
            "forbids host volume mounts"
        } else {
            "forbids non-trivial volume mounts"
        };
    }
    if a.se_linux_context.type_ != b.se_linux_context.type_
        || a.run_as_user.type_ != b.run_as_user.type_
    {
        return "permits less runAs strategies";
    }
    if capability_points(a) != capability_points(b) {
        return "permits less capabilities";
    }
    if a.name != b.name {
        return "ordered by name";
    }
    "is equally restrictive"
}

/// SCCs in admission order.
pub fn sorted<'a>(sccs: impl IntoIterator<Item = &'a Scc>) -> Vec<&'a Scc> {
    // Each score is computed once (it walks the volume list): the same order as `compare`.
    let mut v: Vec<(i32, u32, &Scc)> = sccs
        .into_iter()
        .map(|s| (-s.priority.unwrap_or(0), point_value(s), s))
        .collect();
    v.sort_by(|a, b| (a.0, a.1, &a.2.name).cmp(&(b.0, b.1, &b.2.name)));
    v.into_iter().map(|(_, _, s)| s).collect()
}
