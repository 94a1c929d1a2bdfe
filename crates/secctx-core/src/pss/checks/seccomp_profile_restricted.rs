//! `seccompProfile_restricted` (restricted): seccomp profiles must be specified, and only
//! runtime default and localhost profiles are allowed.
//!
//! v1.19+, **Restricted Fields:**
//! - `spec.securityContext.seccompProfile.type`
//! - `spec.containers[*].securityContext.seccompProfile.type`
//! - `spec.initContainers[*].securityContext.seccompProfile.type`
//! - `spec.ephemeralContainers[*].securityContext.seccompProfile.type`
//!
//! **Allowed Values:** `RuntimeDefault`, `Localhost`. Container-level fields may be undefined if
//! the pod-level field is specified.
//!
//! Versions: 1.19; 1.25 exempts Windows pods. Both override `seccompProfile_baseline`. Explicit
//! bad types are reported first and hide the implicit (unset) case.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::seccomp_profile_baseline::{self, explicit_violations, valid_type};
use super::{Check, Findings, VersionedCheck, bad_containers, containers_detail, is_windows_pod};
use crate::pss::level::Level;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;
use crate::pss::visit::pod_security_context_path;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(19),
            check: seccomp_profile_restricted_1_19,
            overrides: &[seccomp_profile_baseline::ID],
        },
        VersionedCheck {
            min_version: Version::v1(25),
            check: seccomp_profile_restricted_1_25,
            overrides: &[seccomp_profile_baseline::ID],
        },
    ],
};

/// The pod, or every container, must set a `RuntimeDefault`/`Localhost` profile.
pub fn seccomp_profile_restricted_1_19(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    if let Some(explicit) = explicit_violations(spec) {
        return explicit;
    }
    let pod_set = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .is_some_and(|p| valid_type(&p.type_));
    if pod_set {
        return CheckResult::Allowed;
    }
    let Some(implicit) = bad_containers(spec, |c| {
        c.security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
            .is_none()
    }) else {
        return CheckResult::Allowed;
    };
    let mut found = Findings::with_capacity(implicit.clone().count() + 1);
    found.field(pod_security_context_path(
        spec,
        "securityContext.seccompProfile",
        &[false],
    ));
    for c in implicit.clone() {
        found.container(c.id());
        found.field(c.security_context_path("securityContext.seccompProfile", &[false]));
    }
    let mut detail = String::from("pod or ");
    detail.push_str(&containers_detail(
        implicit,
        r#" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
    ));
    found.forbid("seccompProfile", detail)
}

/// As 1.19, but Windows pods are exempt.
pub fn seccomp_profile_restricted_1_25(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    if is_windows_pod(spec) {
        return CheckResult::Allowed;
    }
    seccomp_profile_restricted_1_19(meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const R: &str = "seccompProfile";

    #[test]
    fn messages() {
        run_cases(
            seccomp_profile_restricted_1_19,
            &[
                case(
                    "nothing set",
                    json!({"spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]}}),
                    Some((
                        R,
                        r#"pod or containers "i", "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
                    )),
                ),
                case(
                    "pod unconfined: explicit wins, implicit hidden",
                    json!({"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}}),
                    Some((
                        R,
                        r#"pod must not set securityContext.seccompProfile.type to "Unconfined""#,
                    )),
                ),
                case(
                    "only one container set",
                    json!({"spec": {"initContainers": [{"name": "i"}],
                        "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}]}}),
                    Some((
                        R,
                        r#"pod or container "i" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
                    )),
                ),
                case(
                    "container unconfined under valid pod",
                    json!({"spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                        "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}, {"name": "b"}]}}),
                    Some((
                        R,
                        r#"container "a" must not set securityContext.seccompProfile.type to "Unconfined""#,
                    )),
                ),
                case(
                    "pod set",
                    json!({"spec": {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p"}},
                        "containers": [{"name": "a"}]}}),
                    None,
                ),
                case(
                    "windows not exempt at 1.19",
                    json!({"spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}}),
                    Some((
                        R,
                        r#"pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
                    )),
                ),
            ],
        );
        run_cases(
            seccomp_profile_restricted_1_25,
            &[case(
                "windows exempt at 1.25",
                json!({"spec": {"os": {"name": "windows"}, "securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}}),
                None,
            )],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            seccomp_profile_restricted_1_19,
            &json!({"spec": {"securityContext": {}, "containers": [{"name": "a"}, {"name": "b", "securityContext": {}}]}}),
            &[
                "spec.securityContext",
                "spec.containers[0]",
                "spec.containers[1].securityContext",
            ],
            &["a", "b"],
        );
    }
}
