//! `capabilities_restricted` (restricted): containers must drop `ALL`, and may only add
//! `NET_BIND_SERVICE`.
//!
//! **Restricted Fields:**
//! - `spec.containers[*].securityContext.capabilities.drop`
//! - `spec.initContainers[*].securityContext.capabilities.drop`
//! - `spec.ephemeralContainers[*].securityContext.capabilities.drop`
//!
//! **Allowed Values:** must include `ALL` (exact, case-sensitive)
//!
//! **Restricted Fields:**
//! - `spec.containers[*].securityContext.capabilities.add`
//! - `spec.initContainers[*].securityContext.capabilities.add`
//! - `spec.ephemeralContainers[*].securityContext.capabilities.add`
//!
//! **Allowed Values:** undefined / empty, `NET_BIND_SERVICE`
//!
//! Versions: 1.22; 1.25 exempts Windows pods. Both override `capabilities_baseline`.

use k8s_openapi::api::core::v1::{Capabilities, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, Findings, VersionedCheck, bad_containers, capabilities_baseline, is_windows_pod,
    sorted_unique,
};
use crate::pss::level::Level;
use crate::pss::result::{CheckResult, push_containers_phrase, push_join_quote};
use crate::pss::version::Version;
use crate::pss::visit::{ContainerRef, containers};

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "capabilities_restricted",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(22),
            check: capabilities_restricted_1_22,
            overrides: &[capabilities_baseline::ID],
        },
        VersionedCheck {
            min_version: Version::v1(25),
            check: capabilities_restricted_1_25,
            overrides: &[capabilities_baseline::ID],
        },
    ],
};

fn caps<'a>(c: &ContainerRef<'a>) -> Option<&'a Capabilities> {
    c.security_context.and_then(|sc| sc.capabilities.as_ref())
}

fn drops_all(caps: Option<&Capabilities>) -> bool {
    caps.and_then(|c| c.drop.as_deref())
        .is_some_and(|d| d.iter().any(|x| x == "ALL"))
}

fn adds(caps: Option<&Capabilities>) -> &[String] {
    caps.and_then(|c| c.add.as_deref()).unwrap_or(&[])
}

fn forbidden_add(cap: &str) -> bool {
    cap != "NET_BIND_SERVICE"
}

/// Every container must drop `ALL` and add nothing but `NET_BIND_SERVICE`.
pub fn capabilities_restricted_1_22(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let missing_drop = bad_containers(spec, |c| !drops_all(caps(c)));
    let adding = bad_containers(spec, |c| adds(caps(c)).iter().any(|a| forbidden_add(a)));
    if missing_drop.is_none() && adding.is_none() {
        return CheckResult::Allowed;
    }

    let mut found = Findings::with_capacity(containers(spec).count());
    // Both parts together often exceed the usual 128 bytes: one allocation, no regrowth.
    let mut detail = String::with_capacity(256);
    if let Some(missing_drop) = missing_drop {
        for c in missing_drop.clone() {
            let caps = caps(&c);
            found.container(c.id());
            found.field(c.security_context_path(
                "securityContext.capabilities.drop",
                &[caps.is_some(), caps.is_some_and(|c| c.drop.is_some())],
            ));
        }
        push_containers_phrase(&mut detail, missing_drop.map(|c| c.name));
        detail.push_str(r#" must set securityContext.capabilities.drop=["ALL"]"#);
    }
    if let Some(adding) = adding {
        let mut bad_caps = Vec::new();
        for c in adding.clone() {
            found.container(c.id());
            for (j, cap) in adds(caps(&c)).iter().enumerate() {
                if forbidden_add(cap) {
                    bad_caps.push(cap.as_str());
                    found.field(c.sub("securityContext.capabilities.add").item(j, ""));
                }
            }
        }
        if !detail.is_empty() {
            detail.push_str("; ");
        }
        push_containers_phrase(&mut detail, adding.map(|c| c.name));
        detail.push_str(" must not include ");
        push_join_quote(&mut detail, sorted_unique(bad_caps));
        detail.push_str(" in securityContext.capabilities.add");
    }
    found.forbid("unrestricted capabilities", detail)
}

/// As 1.22, but Windows pods are exempt.
pub fn capabilities_restricted_1_25(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    if is_windows_pod(spec) {
        return CheckResult::Allowed;
    }
    capabilities_restricted_1_22(meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const REASON: &str = "unrestricted capabilities";

    #[test]
    fn messages() {
        run_cases(
            capabilities_restricted_1_22,
            &[
                case(
                    "missing drop ALL in various ways",
                    json!({"spec": {"containers": [
                        {"name": "a"},
                        {"name": "b", "securityContext": {}},
                        {"name": "c", "securityContext": {"capabilities": {}}},
                        {"name": "d", "securityContext": {"capabilities": {"drop": ["all", "NET_RAW"]}}},
                        {"name": "e", "securityContext": {"capabilities": {"drop": ["ALL"]}}},
                    ]}}),
                    Some((
                        REASON,
                        r#"containers "a", "b", "c", "d" must set securityContext.capabilities.drop=["ALL"]"#,
                    )),
                ),
                case(
                    "adding forbidden only",
                    json!({"spec": {"containers": [
                        {"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN", "CHOWN"]}}},
                    ]}}),
                    Some((
                        REASON,
                        r#"container "a" must not include "CHOWN", "SYS_ADMIN" in securityContext.capabilities.add"#,
                    )),
                ),
                case(
                    "both",
                    json!({"spec": {
                        "initContainers": [{"name": "i", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}}],
                        "containers": [{"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_RAW"]}}}],
                    }}),
                    Some((
                        REASON,
                        r#"container "i" must set securityContext.capabilities.drop=["ALL"]; containers "i", "a" must not include "NET_RAW" in securityContext.capabilities.add"#,
                    )),
                ),
                case(
                    "windows not exempt at 1.22",
                    json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}}),
                    Some((
                        REASON,
                        r#"container "a" must set securityContext.capabilities.drop=["ALL"]"#,
                    )),
                ),
                case(
                    "drop ALL, add NET_BIND_SERVICE",
                    json!({"spec": {"containers": [
                        {"name": "a", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}}]}}),
                    None,
                ),
            ],
        );
        run_cases(
            capabilities_restricted_1_25,
            &[case(
                "windows exempt at 1.25",
                json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}}),
                None,
            )],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            capabilities_restricted_1_22,
            &json!({"spec": {"containers": [
                {"name": "a"},
                {"name": "b", "securityContext": {}},
                {"name": "c", "securityContext": {"capabilities": {"add": ["NET_RAW"]}}},
                {"name": "d", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}},
            ]}}),
            &[
                "spec.containers[0]",
                "spec.containers[1].securityContext",
                "spec.containers[2].securityContext.capabilities",
                "spec.containers[3].securityContext.capabilities.drop",
                "spec.containers[2].securityContext.capabilities.add[0]",
            ],
            &["a", "b", "c", "d"],
        );
    }
}
