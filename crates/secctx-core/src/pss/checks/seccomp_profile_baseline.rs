//! `seccompProfile_baseline` (baseline): if seccomp profiles are specified, only runtime
//! default and localhost profiles are allowed.
//!
//! v1.0 – v1.18, **Restricted Fields:**
//! - `metadata.annotations['seccomp.security.alpha.kubernetes.io/pod']`
//! - `metadata.annotations['container.seccomp.security.alpha.kubernetes.io/*']`
//!
//! **Allowed Values:** `runtime/default`, `docker/default`, `localhost/*`, undefined (an empty
//! value is **not** allowed)
//!
//! v1.19+, **Restricted Fields:**
//! - `spec.securityContext.seccompProfile.type`
//! - `spec.containers[*].securityContext.seccompProfile.type`
//! - `spec.initContainers[*].securityContext.seccompProfile.type`
//! - `spec.ephemeralContainers[*].securityContext.seccompProfile.type`
//!
//! **Allowed Values:** `RuntimeDefault`, `Localhost`, undefined
//!
//! Overridden at the restricted level by `seccompProfile_restricted` from 1.19.

use std::collections::BTreeMap;
use std::ops::Bound;

use k8s_openapi::api::core::v1::{PodSpec, SeccompProfile};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, bad_containers, setters_detail, sorted_unique};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::quote::go_quote;
use crate::pss::result::{CheckResult, pluralize, push_join_quote};
use crate::pss::version::Version;
use crate::pss::visit::{ContainerRef, containers};

/// The check ID (overridden by `seccompProfile_restricted`).
pub const ID: &str = "seccompProfile_baseline";

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: ID,
    level: Level::Baseline,
    versions: &[
        VersionedCheck {
            min_version: Version::v1(0),
            check: seccomp_profile_baseline_1_0,
            overrides: &[],
        },
        VersionedCheck {
            min_version: Version::v1(19),
            check: seccomp_profile_baseline_1_19,
            overrides: &[],
        },
    ],
};

/// The deprecated pod-level seccomp annotation.
pub const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Prefix of the deprecated per-container seccomp annotations (suffix = container name).
pub const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// `RuntimeDefault` or `Localhost`.
pub(crate) fn valid_type(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

fn valid_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

/// The container's annotation `container.seccomp.security.alpha.kubernetes.io/<name>`, found
/// without building the key.
fn container_annotation<'a>(
    annotations: &'a BTreeMap<String, String>,
    name: &str,
) -> Option<(&'a String, &'a String)> {
    annotations
        .range::<str, _>((
            Bound::Included(CONTAINER_ANNOTATION_PREFIX),
            Bound::Unbounded,
        ))
        .take_while(|(k, _)| k.starts_with(CONTAINER_ANNOTATION_PREFIX))
        .find(|(k, _)| &k[CONTAINER_ANNOTATION_PREFIX.len()..] == name)
}

/// Annotation era: the pod annotation and each visited container's annotation must be valid.
pub fn seccomp_profile_baseline_1_0(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let Some(annotations) = meta.annotations.as_ref() else {
        return CheckResult::Allowed;
    };
    let pod = annotations
        .get_key_value(POD_ANNOTATION)
        .filter(|(_, v)| !valid_annotation(v));
    let bad: Vec<(ContainerRef<'_>, &String, &String)> = containers(spec)
        .filter_map(|c| {
            let (k, v) = container_annotation(annotations, c.name)?;
            (!valid_annotation(v)).then_some((c, k, v))
        })
        .collect();
    if pod.is_none() && bad.is_empty() {
        return CheckResult::Allowed;
    }
    let mut found = Findings::default();
    let mut forbidden = Vec::with_capacity(bad.len() + 1);
    let annotation_path = Location::annotation;
    if let Some((k, v)) = pod {
        forbidden.push(format!("{k}={}", go_quote(v)));
        found.field(annotation_path(k));
    }
    for (c, k, v) in &bad {
        forbidden.push(format!("{k}={}", go_quote(v)));
        found.container(c.id());
        found.field(annotation_path(k));
    }
    let forbidden = sorted_unique(forbidden.iter().map(String::as_str));
    found.forbid(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", forbidden.len()),
            forbidden.join(", ")
        ),
    )
}

/// Field era: where set (pod or container), the type must be `RuntimeDefault` or `Localhost`.
pub fn seccomp_profile_baseline_1_19(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    explicit_violations(spec).unwrap_or(CheckResult::Allowed)
}

fn container_profile<'a>(c: &ContainerRef<'a>) -> Option<&'a SeccompProfile> {
    c.security_context
        .and_then(|sc| sc.seccomp_profile.as_ref())
}

/// The `must not set securityContext.seccompProfile.type to …` result shared with
/// `seccompProfile_restricted`, or `None` if nobody sets a bad type.
pub(crate) fn explicit_violations(spec: &PodSpec) -> Option<CheckResult> {
    let pod = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .filter(|p| !valid_type(&p.type_));
    let bad = bad_containers(spec, |c| {
        container_profile(c).is_some_and(|p| !valid_type(&p.type_))
    });
    if pod.is_none() && bad.is_none() {
        return None;
    }
    let bad = bad.into_iter().flatten();
    let mut found = Findings::with_capacity(bad.clone().count() + 1);
    let mut types: Vec<&str> = Vec::new();
    if let Some(p) = pod {
        types.push(&p.type_);
        found.field(Location::spec("securityContext.seccompProfile.type"));
    }
    for c in bad.clone() {
        types.extend(container_profile(&c).map(|p| p.type_.as_str()));
        found.container(c.id());
        found.field(c.sub("securityContext.seccompProfile.type"));
    }
    let mut detail = setters_detail(
        pod.is_some(),
        bad,
        " must not set securityContext.seccompProfile.type to ",
    );
    push_join_quote(&mut detail, sorted_unique(types));
    Some(found.forbid("seccompProfile", detail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const R: &str = "seccompProfile";

    #[test]
    fn annotations_1_0() {
        run_cases(
            seccomp_profile_baseline_1_0,
            &[
                case(
                    "pod and container annotations, sorted",
                    json!({"metadata": {"annotations": {
                        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                        "container.seccomp.security.alpha.kubernetes.io/a": "",
                        "container.seccomp.security.alpha.kubernetes.io/b": "docker/default",
                        "container.seccomp.security.alpha.kubernetes.io/c": "localhost/x",
                        "container.seccomp.security.alpha.kubernetes.io/notacontainer": "unconfined"}},
                        "spec": {"containers": [{"name": "c"}, {"name": "b"}, {"name": "a"}]}}),
                    Some((
                        R,
                        r#"forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="", seccomp.security.alpha.kubernetes.io/pod="unconfined""#,
                    )),
                ),
                case(
                    "one",
                    json!({"metadata": {"annotations": {
                        "container.seccomp.security.alpha.kubernetes.io/i": "unconfined"}},
                        "spec": {"initContainers": [{"name": "i"}], "containers": []}}),
                    Some((
                        R,
                        r#"forbidden annotation container.seccomp.security.alpha.kubernetes.io/i="unconfined""#,
                    )),
                ),
                case(
                    "fields ignored before 1.19",
                    json!({"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn fields_1_19() {
        run_cases(
            seccomp_profile_baseline_1_19,
            &[
                case(
                    "pod and containers",
                    json!({"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}},
                        "initContainers": [{"name": "i", "securityContext": {"seccompProfile": {"type": "Bogus"}}}],
                        "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}},
                                       {"name": "b", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p"}}}]}}),
                    Some((
                        R,
                        r#"pod and containers "i", "a" must not set securityContext.seccompProfile.type to "Bogus", "Unconfined""#,
                    )),
                ),
                case(
                    "unset is fine at baseline",
                    json!({"spec": {"containers": [{"name": "a"}]}}),
                    None,
                ),
                case(
                    "annotations ignored from 1.19",
                    json!({"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}},
                        "spec": {"containers": [{"name": "a"}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            seccomp_profile_baseline_1_0,
            &json!({"metadata": {"annotations": {"container.seccomp.security.alpha.kubernetes.io/a": "unconfined"}},
                "spec": {"containers": [{"name": "a"}]}}),
            &["metadata.annotations[container.seccomp.security.alpha.kubernetes.io/a]"],
            &["a"],
        );
        assert_locations(
            seccomp_profile_baseline_1_19,
            &json!({"spec": {"containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": "Unconfined"}}}]}}),
            &["spec.containers[0].securityContext.seccompProfile.type"],
            &["a"],
        );
    }
}
