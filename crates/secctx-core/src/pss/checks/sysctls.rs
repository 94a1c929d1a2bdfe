//! `sysctls` (baseline): sysctls can disable security mechanisms or affect all containers on a
//! host, and are disallowed except for an allowed "safe" subset (namespaced in the container or
//! the pod, and isolated from other pods or processes on the same node).
//!
//! **Restricted Fields:**
//! - `spec.securityContext.sysctls[*].name`
//!
//! **Allowed Values** (cumulative by version):
//! - 1.0: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`,
//!   `net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`
//! - 1.27: `net.ipv4.ip_local_reserved_ports`
//! - 1.29: `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
//!   `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`
//! - 1.32: `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`
//! - 1.37: `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`
//!
//! Names match exactly (a `/`-separated spelling is not normalized). Bad names are reported in
//! spec order, unquoted, not de-duplicated.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "sysctls",
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(0),
            check: sysctls_1_0,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(27),
            check: sysctls_1_27,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(29),
            check: sysctls_1_29,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(32),
            check: sysctls_1_32,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(37),
            check: sysctls_1_37,
            overrides: &[],
        },
    ],
};

/// Every safe sysctl with the policy minor version that first allowed it.
pub const ALLOWED: &[(&str, u64)] = &[
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32),
    ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37),
    ("net.ipv4.tcp_notsent_lowat", 37),
];

fn allowed(name: &str, minor: u64) -> bool {
    ALLOWED
        .iter()
        .any(|&(n, since)| since <= minor && n == name)
}

fn sysctls(spec: &PodSpec, minor: u64) -> CheckResult {
    let list = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.sysctls.as_deref())
        .unwrap_or(&[]);
    if list.iter().all(|s| allowed(&s.name, minor)) {
        return CheckResult::Allowed;
    }
    let mut found = Findings::default();
    let mut names = Vec::new();
    for (i, s) in list.iter().enumerate() {
        if !allowed(&s.name, minor) {
            names.push(s.name.as_str());
            found.field(Location::spec("securityContext.sysctls").item(i, "name"));
        }
    }
    found.forbid("forbidden sysctls", names.join(", "))
}

/// 1.0 allow-list.
pub fn sysctls_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    sysctls(spec, 0)
}

/// 1.27 allow-list (+`net.ipv4.ip_local_reserved_ports`).
pub fn sysctls_1_27(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    sysctls(spec, 27)
}

/// 1.29 allow-list (+ tcp keepalive / fin timeout).
pub fn sysctls_1_29(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    sysctls(spec, 29)
}

/// 1.32 allow-list (+`net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`).
pub fn sysctls_1_32(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    sysctls(spec, 32)
}

/// 1.37 allow-list (+`net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`).
pub fn sysctls_1_37(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    sysctls(spec, 37)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::{Value, json};

    fn pod(names: &[&str]) -> Value {
        let list: Vec<Value> = names
            .iter()
            .map(|n| json!({"name": n, "value": "1"}))
            .collect();
        json!({"spec": {"securityContext": {"sysctls": list}, "containers": []}})
    }

    #[test]
    fn messages() {
        run_cases(
            sysctls_1_0,
            &[
                case(
                    "spec order, duplicates kept, unquoted",
                    pod(&[
                        "z",
                        "kernel.shm_rmid_forced",
                        "a",
                        "z",
                        "net/ipv4/tcp_syncookies",
                    ]),
                    Some(("forbidden sysctls", "z, a, z, net/ipv4/tcp_syncookies")),
                ),
                case(
                    "one",
                    pod(&["othersysctl"]),
                    Some(("forbidden sysctls", "othersysctl")),
                ),
                case("safe", pod(&["net.ipv4.ping_group_range"]), None),
            ],
        );
    }

    #[test]
    fn allow_list_grows() {
        let steps: [(crate::pss::checks::CheckFn, &str, &str); 4] = [
            (
                sysctls_1_27,
                "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time",
            ),
            (
                sysctls_1_29,
                "net.ipv4.tcp_fin_timeout",
                "net.ipv4.tcp_rmem",
            ),
            (
                sysctls_1_32,
                "net.ipv4.tcp_wmem",
                "net.ipv4.tcp_notsent_lowat",
            ),
            (
                sysctls_1_37,
                "net.ipv4.tcp_slow_start_after_idle",
                "net.ipv4.tcp_mem",
            ),
        ];
        for (f, now_ok, still_bad) in steps {
            run_cases(
                f,
                &[
                    case("newly allowed", pod(&[now_ok]), None),
                    case(
                        "not yet allowed",
                        pod(&[still_bad]),
                        Some(("forbidden sysctls", still_bad)),
                    ),
                ],
            );
        }
        run_cases(
            sysctls_1_0,
            &[case(
                "1.27 name at 1.0",
                pod(&["net.ipv4.ip_local_reserved_ports"]),
                Some(("forbidden sysctls", "net.ipv4.ip_local_reserved_ports")),
            )],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            sysctls_1_37,
            &pod(&["kernel.shm_rmid_forced", "bad"]),
            &["spec.securityContext.sysctls[1].name"],
            &[],
        );
    }
}
