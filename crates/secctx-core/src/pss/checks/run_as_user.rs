//! `runAsUser` (restricted): containers must not set `runAsUser: 0`, unless the pod is in a user
//! namespace (`hostUsers: false`, 1.35+).
//!
//! **Restricted Fields:**
//! - `spec.securityContext.runAsUser`
//! - `spec.containers[*].securityContext.runAsUser`
//! - `spec.initContainers[*].securityContext.runAsUser`
//! - `spec.ephemeralContainers[*].securityContext.runAsUser`
//!
//! **Allowed Values:** non-zero values, undefined/null, any value if `hostUsers` is `false`
//! (1.35+)
//!
//! Versions: 1.23; 1.35 relaxes for `hostUsers: false`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, Findings, VersionedCheck, bad_containers, relax_for_user_namespace, setters_detail,
};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "runAsUser",
    level: Level::Restricted,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(23),
            check: run_as_user_1_23,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(35),
            check: run_as_user_1_35,
            overrides: &[],
        },
    ],
};

/// Neither the pod nor any container may set `runAsUser: 0`.
pub fn run_as_user_1_23(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let pod_bad = spec.security_context.as_ref().and_then(|sc| sc.run_as_user) == Some(0);
    let bad = bad_containers(spec, |c| {
        c.security_context.and_then(|sc| sc.run_as_user) == Some(0)
    });
    if !pod_bad && bad.is_none() {
        return CheckResult::Allowed;
    }
    let bad = bad.into_iter().flatten();
    let mut found = Findings::with_capacity(bad.clone().count() + 1);
    if pod_bad {
        found.field(Location::spec("securityContext.runAsUser"));
    }
    for c in bad.clone() {
        found.container(c.id());
        found.field(c.sub("securityContext.runAsUser"));
    }
    found.forbid(
        "runAsUser=0",
        setters_detail(pod_bad, bad, " must not set runAsUser=0"),
    )
}

/// As 1.23, but any value is allowed when `hostUsers` is `false`.
pub fn run_as_user_1_35(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    if relax_for_user_namespace(spec) {
        return CheckResult::Allowed;
    }
    run_as_user_1_23(meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    #[test]
    fn messages() {
        let root_everywhere = json!({"spec": {"hostUsers": false, "securityContext": {"runAsUser": 0},
            "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}, {"name": "b", "securityContext": {"runAsUser": 0}}]}});
        run_cases(
            run_as_user_1_23,
            &[
                case(
                    "pod and containers",
                    root_everywhere.clone(),
                    Some((
                        "runAsUser=0",
                        r#"pod and containers "a", "b" must not set runAsUser=0"#,
                    )),
                ),
                case(
                    "pod only",
                    json!({"spec": {"securityContext": {"runAsUser": 0}, "containers": [{"name": "a", "securityContext": {"runAsUser": 1000}}]}}),
                    Some(("runAsUser=0", "pod must not set runAsUser=0")),
                ),
                case(
                    "one container",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"runAsUser": 0}}]}}),
                    Some(("runAsUser=0", r#"container "a" must not set runAsUser=0"#)),
                ),
                case(
                    "non-zero",
                    json!({"spec": {"securityContext": {"runAsUser": 1}, "containers": [{"name": "a"}]}}),
                    None,
                ),
            ],
        );
        run_cases(
            run_as_user_1_35,
            &[case("user namespace relaxed", root_everywhere, None)],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            run_as_user_1_23,
            &json!({"spec": {"securityContext": {"runAsUser": 0}, "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}]}}),
            &[
                "spec.securityContext.runAsUser",
                "spec.containers[0].securityContext.runAsUser",
            ],
            &["a"],
        );
    }
}
