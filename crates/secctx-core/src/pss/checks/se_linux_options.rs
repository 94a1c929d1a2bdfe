//! `seLinuxOptions` (baseline): setting the SELinux type is restricted, and setting a custom
//! SELinux user or role option is forbidden.
//!
//! **Restricted Fields:**
//! - `spec.securityContext.seLinuxOptions.type`
//! - `spec.containers[*].securityContext.seLinuxOptions.type`
//! - `spec.initContainers[*].securityContext.seLinuxOptions.type`
//! - `spec.ephemeralContainers[*].securityContext.seLinuxOptions.type`
//!
//! **Allowed Values:** undefined/empty, `container_t`, `container_init_t`, `container_kvm_t`,
//! and from 1.31 `container_engine_t`
//!
//! **Restricted Fields:** `….seLinuxOptions.user`, `….seLinuxOptions.role` (pod and containers)
//!
//! **Allowed Values:** undefined/empty
//!
//! Versions: 1.0; 1.31 adds `container_engine_t`. `level` is unrestricted.

use k8s_openapi::api::core::v1::{PodSpec, SELinuxOptions};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, detail_buffer, push_setters, sorted_unique};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::{CheckResult, pluralize, push_join_quote};
use crate::pss::version::Version;
use crate::pss::visit::{ContainerRef, containers};

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "seLinuxOptions",
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(0),
            check: se_linux_options_1_0,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(31),
            check: se_linux_options_1_31,
            overrides: &[],
        },
    ],
};

/// Types allowed from 1.0.
pub const ALLOWED_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
/// Types allowed from 1.31.
pub const ALLOWED_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// The offending parts of one `seLinuxOptions`: bad type, user set, role set.
struct Bad<'a> {
    bad_type: Option<&'a str>,
    user: bool,
    role: bool,
}

impl<'a> Bad<'a> {
    fn of(opts: &'a SELinuxOptions, allowed: &[&str]) -> Option<Bad<'a>> {
        let t = opts.type_.as_deref().unwrap_or("");
        let bad = Bad {
            bad_type: (!allowed.contains(&t)).then_some(t),
            user: opts.user.as_deref().is_some_and(|u| !u.is_empty()),
            role: opts.role.as_deref().is_some_and(|r| !r.is_empty()),
        };
        (bad.bad_type.is_some() || bad.user || bad.role).then_some(bad)
    }

    /// Records the offending fields; `at` maps a path below the pod/container to a location.
    fn record(&self, at: impl Fn(&'static str) -> Location, found: &mut Findings) {
        for (field, set) in [
            (
                "securityContext.seLinuxOptions.type",
                self.bad_type.is_some(),
            ),
            ("securityContext.seLinuxOptions.user", self.user),
            ("securityContext.seLinuxOptions.role", self.role),
        ] {
            if set {
                found.field(at(field));
            }
        }
    }
}

fn container_opts<'a>(c: &ContainerRef<'a>) -> Option<&'a SELinuxOptions> {
    c.security_context
        .and_then(|sc| sc.se_linux_options.as_ref())
}

fn se_linux_options(spec: &PodSpec, allowed: &[&str]) -> CheckResult {
    let pod = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.se_linux_options.as_ref())
        .and_then(|o| Bad::of(o, allowed));
    let bad: Vec<(ContainerRef<'_>, Bad<'_>)> = containers(spec)
        .filter_map(|c| Some((c, Bad::of(container_opts(&c)?, allowed)?)))
        .collect();
    if pod.is_none() && bad.is_empty() {
        return CheckResult::Allowed;
    }
    let mut found = Findings::with_capacity(bad.len() + 1);
    let all_bad = pod.iter().chain(bad.iter().map(|(_, b)| b));
    let types = sorted_unique(all_bad.clone().filter_map(|b| b.bad_type));
    let user = all_bad.clone().any(|b| b.user);
    let role = all_bad.clone().any(|b| b.role);
    if let Some(p) = &pod {
        p.record(Location::spec, &mut found);
    }
    for (c, b) in &bad {
        found.container(c.id());
        b.record(|f| c.sub(f), &mut found);
    }
    let mut detail = detail_buffer();
    push_setters(&mut detail, pod.is_some(), bad.iter().map(|(c, _)| c.name));
    detail.push_str(" set forbidden securityContext.seLinuxOptions: ");
    let mut sep = "";
    if !types.is_empty() {
        detail.push_str(pluralize("type", "types", types.len()));
        detail.push(' ');
        push_join_quote(&mut detail, types);
        sep = "; ";
    }
    if user {
        detail.push_str(sep);
        detail.push_str("user may not be set");
        sep = "; ";
    }
    if role {
        detail.push_str(sep);
        detail.push_str("role may not be set");
    }
    found.forbid("seLinuxOptions", detail)
}

/// Restricted type, user and role, with the 1.0 type list.
pub fn se_linux_options_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    se_linux_options(spec, ALLOWED_TYPES_1_0)
}

/// As 1.0, also allowing `container_engine_t`.
pub fn se_linux_options_1_31(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    se_linux_options(spec, ALLOWED_TYPES_1_31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const R: &str = "seLinuxOptions";

    #[test]
    fn messages() {
        let engine = json!({"spec": {"securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}, "containers": [{"name": "a"}]}});
        run_cases(
            se_linux_options_1_0,
            &[
                case(
                    "pod type",
                    json!({"spec": {"securityContext": {"seLinuxOptions": {"type": "somevalue"}}, "containers": [{"name": "a"}]}}),
                    Some((
                        R,
                        r#"pod set forbidden securityContext.seLinuxOptions: type "somevalue""#,
                    )),
                ),
                case(
                    "everything",
                    json!({"spec": {"securityContext": {"seLinuxOptions": {"type": "b", "level": "s0"}},
                        "initContainers": [{"name": "i", "securityContext": {"seLinuxOptions": {"user": "u"}}}],
                        "containers": [
                            {"name": "a", "securityContext": {"seLinuxOptions": {"type": "a", "role": "r"}}},
                            {"name": "ok", "securityContext": {"seLinuxOptions": {"type": "container_t", "level": "s0:c1"}}},
                            {"name": "c", "securityContext": {"seLinuxOptions": {"type": "b"}}}]}}),
                    Some((
                        R,
                        r#"pod and containers "i", "a", "c" set forbidden securityContext.seLinuxOptions: types "a", "b"; user may not be set; role may not be set"#,
                    )),
                ),
                case(
                    "user only",
                    json!({"spec": {"containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"user": "u"}}}]}}),
                    Some((
                        R,
                        r#"container "a" set forbidden securityContext.seLinuxOptions: user may not be set"#,
                    )),
                ),
                case(
                    "container_engine_t before 1.31",
                    engine.clone(),
                    Some((
                        R,
                        r#"pod set forbidden securityContext.seLinuxOptions: type "container_engine_t""#,
                    )),
                ),
                case(
                    "allowed",
                    json!({"spec": {"securityContext": {"seLinuxOptions": {"type": "", "user": "", "role": ""}},
                        "containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"type": "container_kvm_t"}}}]}}),
                    None,
                ),
            ],
        );
        run_cases(
            se_linux_options_1_31,
            &[case("container_engine_t from 1.31", engine, None)],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            se_linux_options_1_0,
            &json!({"spec": {"securityContext": {"seLinuxOptions": {"type": "x", "role": "r"}},
                "containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"user": "u"}}}]}}),
            &[
                "spec.securityContext.seLinuxOptions.type",
                "spec.securityContext.seLinuxOptions.role",
                "spec.containers[0].securityContext.seLinuxOptions.user",
            ],
            &["a"],
        );
    }
}
