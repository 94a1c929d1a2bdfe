//! `privileged` (baseline): privileged pods disable most security mechanisms and must be
//! disallowed.
//!
//! **Restricted Fields:**
//! - `spec.containers[*].securityContext.privileged`
//! - `spec.initContainers[*].securityContext.privileged`
//! - `spec.ephemeralContainers[*].securityContext.privileged`
//!
//! **Allowed Values:** `false`, undefined/null
//!
//! Versions: 1.0.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, bad_containers, containers_detail};
use crate::pss::level::Level;
use crate::pss::result::CheckResult;
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "privileged",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: privileged_1_0,
        overrides: &[],
    }],
};

/// No container may set `privileged: true`.
pub fn privileged_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let Some(bad) = bad_containers(spec, |c| {
        c.security_context.and_then(|sc| sc.privileged) == Some(true)
    }) else {
        return CheckResult::Allowed;
    };
    let mut found = Findings::with_capacity(bad.clone().count());
    for c in bad.clone() {
        found.container(c.id());
        found.field(c.sub("securityContext.privileged"));
    }
    found.forbid(
        "privileged",
        containers_detail(bad, " must not set securityContext.privileged=true"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    #[test]
    fn messages() {
        run_cases(
            privileged_1_0,
            &[
                case(
                    "one",
                    json!({"spec": {"containers": [
                        {"name": "a", "securityContext": {"privileged": true}},
                        {"name": "b", "securityContext": {"privileged": false}}]}}),
                    Some((
                        "privileged",
                        r#"container "a" must not set securityContext.privileged=true"#,
                    )),
                ),
                case(
                    "init and ephemeral",
                    json!({"spec": {
                        "initContainers": [{"name": "i", "securityContext": {"privileged": true}}],
                        "containers": [{"name": "a"}],
                        "ephemeralContainers": [{"name": "e", "securityContext": {"privileged": true}}]}}),
                    Some((
                        "privileged",
                        r#"containers "i", "e" must not set securityContext.privileged=true"#,
                    )),
                ),
                case(
                    "unset",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {}}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            privileged_1_0,
            &json!({"spec": {"containers": [{"name": "a"}, {"name": "b", "securityContext": {"privileged": true}}]}}),
            &["spec.containers[1].securityContext.privileged"],
            &["b"],
        );
    }
}
