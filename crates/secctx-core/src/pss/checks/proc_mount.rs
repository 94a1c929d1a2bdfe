//! `procMount` (baseline): the default `/proc` masks are set up to reduce attack surface, and
//! are required unless the pod is in a user namespace (`hostUsers: false`).
//!
//! **Restricted Fields:**
//! - `spec.containers[*].securityContext.procMount`
//! - `spec.initContainers[*].securityContext.procMount`
//! - `spec.ephemeralContainers[*].securityContext.procMount`
//!
//! **Allowed Values:** undefined/null, `Default` (or any value if `hostUsers` is `false`, 1.35+)
//!
//! Versions: 1.0 (unconditional); 1.35 relaxes for `hostUsers: false`. At the restricted level
//! 1.35+ uses `procMount_restricted` instead.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{
    Check, Findings, VersionedCheck, bad_containers, containers_detail, relax_for_user_namespace,
    sorted_unique,
};
use crate::pss::level::Level;
use crate::pss::result::{CheckResult, push_join_quote};
use crate::pss::version::Version;
use crate::pss::visit::ContainerRef;

/// The check ID (overridden by `procMount_restricted`).
pub const ID: &str = "procMount";

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(0),
            check: proc_mount_1_0,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(35),
            check: proc_mount_1_35_baseline,
            overrides: &[],
        },
    ],
};

fn proc_mount<'a>(c: &ContainerRef<'a>) -> Option<&'a str> {
    c.security_context.and_then(|sc| sc.proc_mount.as_deref())
}

/// `procMount`, when set, must be `Default` (unconditionally).
pub fn proc_mount_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let Some(bad) = bad_containers(spec, |c| proc_mount(c).is_some_and(|p| p != "Default")) else {
        return CheckResult::Allowed;
    };
    let mut found = Findings::with_capacity(bad.clone().count());
    for c in bad.clone() {
        found.container(c.id());
        found.field(c.sub("securityContext.procMount"));
    }
    let values = sorted_unique(bad.clone().filter_map(|c| proc_mount(&c)));
    let mut detail = containers_detail(bad, " must not set securityContext.procMount to ");
    push_join_quote(&mut detail, values);
    found.forbid("procMount", detail)
}

/// As 1.0, but any value is allowed when `hostUsers` is `false`.
pub fn proc_mount_1_35_baseline(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    if relax_for_user_namespace(spec) {
        return CheckResult::Allowed;
    }
    proc_mount_1_0(meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    #[test]
    fn messages() {
        let unmasked = json!({"spec": {"hostUsers": false, "containers": [
            {"name": "a", "securityContext": {"procMount": "Unmasked"}},
            {"name": "b", "securityContext": {"procMount": "Default"}},
            {"name": "c", "securityContext": {"procMount": "other"}},
            {"name": "d", "securityContext": {"procMount": "Unmasked"}}]}});
        run_cases(
            proc_mount_1_0,
            &[
                case(
                    "user namespace does not matter at 1.0",
                    unmasked.clone(),
                    Some((
                        "procMount",
                        r#"containers "a", "c", "d" must not set securityContext.procMount to "Unmasked", "other""#,
                    )),
                ),
                case(
                    "single",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]}}),
                    Some((
                        "procMount",
                        r#"container "a" must not set securityContext.procMount to "Unmasked""#,
                    )),
                ),
            ],
        );
        run_cases(
            proc_mount_1_35_baseline,
            &[
                case("hostUsers false relaxes", unmasked, None),
                case(
                    "hostUsers true does not",
                    json!({"spec": {"hostUsers": true, "containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]}}),
                    Some((
                        "procMount",
                        r#"container "a" must not set securityContext.procMount to "Unmasked""#,
                    )),
                ),
                case(
                    "hostUsers unset does not",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}]}}),
                    Some((
                        "procMount",
                        r#"container "a" must not set securityContext.procMount to "Unmasked""#,
                    )),
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            proc_mount_1_0,
            &json!({"spec": {"initContainers": [{"name": "i", "securityContext": {"procMount": "Unmasked"}}], "containers": []}}),
            &["spec.initContainers[0].securityContext.procMount"],
            &["i"],
        );
    }
}
