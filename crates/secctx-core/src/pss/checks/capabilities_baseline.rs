//! `capabilities_baseline` (baseline): adding `NET_RAW` or capabilities beyond the default set
//! must be disallowed.
//!
//! **Restricted Fields:**
//! - `spec.containers[*].securityContext.capabilities.add`
//! - `spec.initContainers[*].securityContext.capabilities.add`
//! - `spec.ephemeralContainers[*].securityContext.capabilities.add`
//!
//! **Allowed Values:** undefined / empty; values from the default set `AUDIT_WRITE`, `CHOWN`,
//! `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`,
//! `SETPCAP`, `SETUID`, `SYS_CHROOT` (exact, case-sensitive, no `CAP_` prefix).
//!
//! Versions: 1.0. Overridden at the restricted level by `capabilities_restricted` from 1.22.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, bad_containers, detail_buffer, sorted_unique};
use crate::pss::level::Level;
use crate::pss::result::{CheckResult, push_containers_phrase, push_join_quote};
use crate::pss::version::Version;
use crate::pss::visit::ContainerRef;

/// The check ID (overridden by `capabilities_restricted`).
pub const ID: &str = "capabilities_baseline";

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: capabilities_baseline_1_0,
        overrides: &[],
    }],
};

/// Capabilities a baseline container may add.
pub const ALLOWED_1_0: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn allowed(cap: &str) -> bool {
    ALLOWED_1_0.contains(&cap)
}

fn adds<'a>(c: &ContainerRef<'a>) -> &'a [String] {
    c.security_context
        .and_then(|sc| sc.capabilities.as_ref())
        .and_then(|caps| caps.add.as_deref())
        .unwrap_or(&[])
}

/// `capabilities.add` may only hold the default set.
pub fn capabilities_baseline_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let Some(bad) = bad_containers(spec, |c| adds(c).iter().any(|cap| !allowed(cap))) else {
        return CheckResult::Allowed;
    };
    let mut found = Findings::with_capacity(bad.clone().count());
    let mut caps = Vec::new();
    for c in bad.clone() {
        found.container(c.id());
        for (j, cap) in adds(&c).iter().enumerate() {
            if !allowed(cap) {
                caps.push(cap.as_str());
                found.field(c.sub("securityContext.capabilities.add").item(j, ""));
            }
        }
    }
    let mut detail = detail_buffer();
    push_containers_phrase(&mut detail, bad.clone().map(|c| c.name));
    detail.push_str(" must not include ");
    push_join_quote(&mut detail, sorted_unique(caps));
    detail.push_str(" in securityContext.capabilities.add");
    found.forbid("non-default capabilities", detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const REASON: &str = "non-default capabilities";

    #[test]
    fn messages() {
        run_cases(
            capabilities_baseline_1_0,
            &[
                case(
                    "single container, single capability",
                    json!({"spec": {"containers": [
                        {"name": "a", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}}]}}),
                    Some((
                        REASON,
                        r#"container "a" must not include "NET_RAW" in securityContext.capabilities.add"#,
                    )),
                ),
                case(
                    "multiple containers, sorted unique capabilities",
                    json!({"spec": {
                        "initContainers": [{"name": "i", "securityContext": {"capabilities": {"add": ["SYS_ADMIN", "CHOWN"]}}}],
                        "containers": [
                            {"name": "a", "securityContext": {"capabilities": {"add": ["chown", "CAP_CHOWN", "SYS_ADMIN"]}}},
                            {"name": "b", "securityContext": {"capabilities": {"add": ["KILL"], "drop": ["NET_RAW"]}}},
                        ],
                        "ephemeralContainers": [{"name": "e", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}}]}}),
                    Some((
                        REASON,
                        r#"containers "i", "a", "e" must not include "CAP_CHOWN", "NET_RAW", "SYS_ADMIN", "chown" in securityContext.capabilities.add"#,
                    )),
                ),
                case(
                    "all default capabilities",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ALLOWED_1_0}}}]}}),
                    None,
                ),
                case(
                    "drop is ignored",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["SYS_ADMIN"]}}}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            capabilities_baseline_1_0,
            &json!({"spec": {"containers": [
                {"name": "a", "securityContext": {"capabilities": {"add": ["CHOWN", "NET_RAW"]}}}]}}),
            &["spec.containers[0].securityContext.capabilities.add[1]"],
            &["a"],
        );
    }
}
