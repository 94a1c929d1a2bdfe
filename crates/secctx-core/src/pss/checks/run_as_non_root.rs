//! `runAsNonRoot` (restricted): containers must be required to run as non-root users, unless
//! the pod is in a user namespace (`hostUsers: false`, 1.35+).
//!
//! **Restricted Fields:**
//! - `spec.securityContext.runAsNonRoot`
//! - `spec.containers[*].securityContext.runAsNonRoot`
//! - `spec.initContainers[*].securityContext.runAsNonRoot`
//! - `spec.ephemeralContainers[*].securityContext.runAsNonRoot`
//!
//! **Allowed Values:** `true`; undefined/null at container level if the pod level is `true`;
//! any value if `hostUsers` is `false` (1.35+)
//!
//! Versions: 1.0; 1.35 relaxes for `hostUsers: false`. Explicit `false` (pod or container) is
//! reported first and hides the implicit case; a pod-level `false` is bad even if every
//! container sets `true`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::containers_detail;
use super::{
    Check, Findings, VersionedCheck, bad_containers, relax_for_user_namespace, setters_detail,
};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;
use crate::pss::visit::{ContainerRef, pod_security_context_path};

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "runAsNonRoot",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(0),
            check: run_as_non_root_1_0,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(35),
            check: run_as_non_root_1_35,
            overrides: &[],
        },
    ],
};

const REASON: &str = "runAsNonRoot != true";

/// The pod, or every container, must set `runAsNonRoot: true`; nobody may set `false`.
pub fn run_as_non_root_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let pod_value = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.run_as_non_root);
    let pod_bad = pod_value == Some(false);
    let pod_true = pod_value == Some(true);
    let value = |c: &ContainerRef<'_>| c.security_context.and_then(|sc| sc.run_as_non_root);

    let explicit = bad_containers(spec, move |c| value(c) == Some(false));
    if pod_bad || explicit.is_some() {
        let explicit = explicit.into_iter().flatten();
        let mut found = Findings::with_capacity(explicit.clone().count() + 1);
        if pod_bad {
            found.field(Location::spec("securityContext.runAsNonRoot"));
        }
        for c in explicit.clone() {
            found.container(c.id());
            found.field(c.sub("securityContext.runAsNonRoot"));
        }
        return found.forbid(
            REASON,
            setters_detail(
                pod_bad,
                explicit,
                " must not set securityContext.runAsNonRoot=false",
            ),
        );
    }
    let implicit = bad_containers(spec, move |c| value(c).is_none() && !pod_true);
    let Some(implicit) = implicit else {
        return CheckResult::Allowed;
    };
    let mut found = Findings::with_capacity(implicit.clone().count() + 1);
    found.field(pod_security_context_path(
        spec,
        "securityContext.runAsNonRoot",
        &[false],
    ));
    for c in implicit.clone() {
        found.container(c.id());
        found.field(c.security_context_path("securityContext.runAsNonRoot", &[false]));
    }
    let mut detail = String::from("pod or ");
    detail.push_str(&containers_detail(
        implicit,
        " must set securityContext.runAsNonRoot=true",
    ));
    found.forbid(REASON, detail)
}

/// As 1.0, but any value is allowed when `hostUsers` is `false`.
pub fn run_as_non_root_1_35(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    if relax_for_user_namespace(spec) {
        return CheckResult::Allowed;
    }
    run_as_non_root_1_0(meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    #[test]
    fn messages() {
        run_cases(
            run_as_non_root_1_0,
            &[
                case(
                    "no explicit",
                    json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsNonRoot": true}}, {"name": "c", "securityContext": {}}]}}),
                    Some((
                        REASON,
                        r#"pod or containers "a", "c" must set securityContext.runAsNonRoot=true"#,
                    )),
                ),
                case(
                    "pod explicit false even if containers true",
                    json!({"spec": {"securityContext": {"runAsNonRoot": false},
                        "containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}]}}),
                    Some((
                        REASON,
                        "pod must not set securityContext.runAsNonRoot=false",
                    )),
                ),
                case(
                    "pod and containers explicit false, implicit hidden",
                    json!({"spec": {"securityContext": {"runAsNonRoot": false},
                        "initContainers": [{"name": "i", "securityContext": {"runAsNonRoot": false}}],
                        "containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsNonRoot": false}}]}}),
                    Some((
                        REASON,
                        r#"pod and containers "i", "b" must not set securityContext.runAsNonRoot=false"#,
                    )),
                ),
                case(
                    "container explicit false under pod true",
                    json!({"spec": {"securityContext": {"runAsNonRoot": true},
                        "containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsNonRoot": false}}]}}),
                    Some((
                        REASON,
                        r#"container "b" must not set securityContext.runAsNonRoot=false"#,
                    )),
                ),
                case(
                    "pod true",
                    json!({"spec": {"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}]}}),
                    None,
                ),
                case(
                    "user namespace not relaxed at 1.0",
                    json!({"spec": {"hostUsers": false, "containers": [{"name": "a"}]}}),
                    Some((
                        REASON,
                        r#"pod or container "a" must set securityContext.runAsNonRoot=true"#,
                    )),
                ),
            ],
        );
        run_cases(
            run_as_non_root_1_35,
            &[
                case(
                    "user namespace relaxed at 1.35",
                    json!({"spec": {"hostUsers": false, "securityContext": {"runAsNonRoot": false}, "containers": [{"name": "a"}]}}),
                    None,
                ),
                case(
                    "hostUsers true",
                    json!({"spec": {"hostUsers": true, "containers": [{"name": "a"}]}}),
                    Some((
                        REASON,
                        r#"pod or container "a" must set securityContext.runAsNonRoot=true"#,
                    )),
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            run_as_non_root_1_0,
            &json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {}}]}}),
            &[
                "spec",
                "spec.containers[0]",
                "spec.containers[1].securityContext",
            ],
            &["a", "b"],
        );
        assert_locations(
            run_as_non_root_1_0,
            &json!({"spec": {"securityContext": {"runAsNonRoot": false},
                "containers": [{"name": "a", "securityContext": {"runAsNonRoot": false}}]}}),
            &[
                "spec.securityContext.runAsNonRoot",
                "spec.containers[0].securityContext.runAsNonRoot",
            ],
            &["a"],
        );
    }
}
