//! `allowPrivilegeEscalation` (restricted): privilege escalation (such as via set-user-ID or
//! set-group-ID file mode) should not be allowed.
//!
//! **Restricted Fields:**
//! - `spec.containers[*].securityContext.allowPrivilegeEscalation`
//! - `spec.initContainers[*].securityContext.allowPrivilegeEscalation`
//! - `spec.ephemeralContainers[*].securityContext.allowPrivilegeEscalation`
//!
//! **Allowed Values:** `false`
//!
//! Versions: 1.8 (the field appeared in 1.8); 1.25 exempts pods with `spec.os.name: windows`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, bad_containers, containers_detail, is_windows_pod};
use crate::pss::level::Level;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(8),
            check: allow_privilege_escalation_1_8,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(25),
            check: allow_privilege_escalation_1_25,
            overrides: &[],
        },
    ],
};

/// Every container must set `allowPrivilegeEscalation: false`.
pub fn allow_privilege_escalation_1_8(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let Some(bad) = bad_containers(spec, |c| {
        c.security_context
            .and_then(|sc| sc.allow_privilege_escalation)
            != Some(false)
    }) else {
        return CheckResult::Allowed;
    };
    let mut found = Findings::with_capacity(bad.clone().count());
    for c in bad.clone() {
        let set = c
            .security_context
            .is_some_and(|sc| sc.allow_privilege_escalation.is_some());
        found.field(c.security_context_path("securityContext.allowPrivilegeEscalation", &[set]));
        found.container(c.id());
    }
    found.forbid(
        "allowPrivilegeEscalation != false",
        containers_detail(
            bad,
            " must set securityContext.allowPrivilegeEscalation=false",
        ),
    )
}

/// As 1.8, but Windows pods are exempt.
pub fn allow_privilege_escalation_1_25(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    if is_windows_pod(spec) {
        return CheckResult::Allowed;
    }
    allow_privilege_escalation_1_8(meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const REASON: &str = "allowPrivilegeEscalation != false";

    #[test]
    fn messages_1_8() {
        run_cases(
            allow_privilege_escalation_1_8,
            &[
                case(
                    "multiple containers",
                    json!({"spec": {"containers": [
                        {"name": "a"},
                        {"name": "b", "securityContext": {}},
                        {"name": "c", "securityContext": {"allowPrivilegeEscalation": true}},
                        {"name": "d", "securityContext": {"allowPrivilegeEscalation": false}},
                    ]}}),
                    Some((
                        REASON,
                        r#"containers "a", "b", "c" must set securityContext.allowPrivilegeEscalation=false"#,
                    )),
                ),
                case(
                    "single init container",
                    json!({"spec": {
                        "initContainers": [{"name": "i"}],
                        "containers": [{"name": "d", "securityContext": {"allowPrivilegeEscalation": false}}],
                    }}),
                    Some((
                        REASON,
                        r#"container "i" must set securityContext.allowPrivilegeEscalation=false"#,
                    )),
                ),
                case(
                    "windows not exempt before 1.25",
                    json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}}),
                    Some((
                        REASON,
                        r#"container "a" must set securityContext.allowPrivilegeEscalation=false"#,
                    )),
                ),
                case(
                    "all false",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false}}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn windows_exempt_1_25() {
        run_cases(
            allow_privilege_escalation_1_25,
            &[
                case(
                    "windows",
                    json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}}),
                    None,
                ),
                case(
                    "linux",
                    json!({"spec": {"os": {"name": "linux"}, "ephemeralContainers": [{"name": "e"}], "containers": []}}),
                    Some((
                        REASON,
                        r#"container "e" must set securityContext.allowPrivilegeEscalation=false"#,
                    )),
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            allow_privilege_escalation_1_8,
            &json!({"spec": {"containers": [
                {"name": "a"},
                {"name": "b", "securityContext": {}},
                {"name": "c", "securityContext": {"allowPrivilegeEscalation": true}},
            ]}}),
            &[
                "spec.containers[0]",
                "spec.containers[1].securityContext",
                "spec.containers[2].securityContext.allowPrivilegeEscalation",
            ],
            &["a", "b", "c"],
        );
    }
}
