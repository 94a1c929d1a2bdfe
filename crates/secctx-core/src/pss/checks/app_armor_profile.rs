//! `appArmorProfile` (baseline): on supported hosts the `runtime/default` AppArmor profile is
//! applied by default; the baseline policy prevents overriding or disabling it, or restricts
//! overrides to an allowed set of profiles.
//!
//! **Restricted Fields:**
//! - `metadata.annotations['container.apparmor.security.beta.kubernetes.io/*']`
//!
//! **Allowed Values:** `runtime/default`, `localhost/*`, empty, undefined
//!
//! **Restricted Fields:**
//! - `spec.securityContext.appArmorProfile.type`
//! - `spec.containers[*].securityContext.appArmorProfile.type`
//! - `spec.initContainers[*].securityContext.appArmorProfile.type`
//! - `spec.ephemeralContainers[*].securityContext.appArmorProfile.type`
//!
//! **Allowed Values:** `RuntimeDefault`, `Localhost`, undefined
//!
//! Versions: 1.0. Any annotation key with the prefix counts, whether or not it names a container.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, sorted_unique};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::quote::go_quote;
use crate::pss::result::{CheckResult, containers_phrase, join_quote, pluralize};
use crate::pss::version::Version;
use crate::pss::visit::{ContainerRef, containers};

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "appArmorProfile",
    level: Level::Baseline,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: app_armor_profile_1_0,
        overrides: &[],
    }],
};

/// Prefix of the deprecated per-container AppArmor annotations.
pub const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

fn allowed_annotation_value(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
}

/// Field types must be `RuntimeDefault`/`Localhost`; annotation values `runtime/default`,
/// `localhost/*` or empty.
pub fn app_armor_profile_1_0(meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let pod_bad = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref())
        .filter(|p| !allowed_type(&p.type_));
    let bad_containers: Vec<ContainerRef<'_>> = containers(spec)
        .filter(|c| {
            c.security_context
                .and_then(|sc| sc.app_armor_profile.as_ref())
                .is_some_and(|p| !allowed_type(&p.type_))
        })
        .collect();
    let bad_annotations: Vec<(&String, &String)> = meta
        .annotations
        .iter()
        .flatten()
        .filter(|(k, v)| k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation_value(v))
        .collect();
    if pod_bad.is_none() && bad_containers.is_empty() && bad_annotations.is_empty() {
        return CheckResult::Allowed;
    }

    let mut found = Findings::default();
    let mut setters: Vec<String> = Vec::new();
    let mut types: Vec<&str> = Vec::new();
    if let Some(p) = pod_bad {
        setters.push("pod".to_owned());
        types.push(&p.type_);
        found.field(Location::spec("securityContext.appArmorProfile.type"));
    }
    let mut names = Vec::with_capacity(bad_containers.len());
    for c in &bad_containers {
        if let Some(p) = c
            .security_context
            .and_then(|sc| sc.app_armor_profile.as_ref())
        {
            types.push(&p.type_);
        }
        names.push(c.name);
        found.container(c.id());
        found.field(c.sub("securityContext.appArmorProfile.type"));
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let mut values: Vec<String> = sorted_unique(types)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if !bad_annotations.is_empty() {
        let mut formatted: Vec<String> = bad_annotations
            .iter()
            .map(|(k, v)| format!("{k}={}", go_quote(v)))
            .collect();
        formatted.sort();
        values.extend(formatted);
        setters.push(pluralize("annotation", "annotations", bad_annotations.len()).to_owned());
        for (k, _) in &bad_annotations {
            found.field(Location::annotation(k));
            let named = &k[ANNOTATION_PREFIX.len()..];
            if let Some(c) = containers(spec).find(|c| c.name == named) {
                found.container(c.id());
            }
        }
    }
    found.forbid(
        if values.len() == 1 {
            "forbidden AppArmor profile"
        } else {
            "forbidden AppArmor profiles"
        },
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
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
            app_armor_profile_1_0,
            &[
                case(
                    "fixture apparmorprofile0",
                    json!({
                        "metadata": {"annotations": {
                            "container.apparmor.security.beta.kubernetes.io/container1": "unconfined"}},
                        "spec": {"containers": [{"name": "container1"}]},
                    }),
                    Some((
                        "forbidden AppArmor profile",
                        r#"annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/container1="unconfined"""#,
                    )),
                ),
                case(
                    "pod, containers and annotations",
                    json!({
                        "metadata": {"annotations": {
                            "container.apparmor.security.beta.kubernetes.io/a": "unconfined",
                            "container.apparmor.security.beta.kubernetes.io/b": "bad\"q",
                            "container.apparmor.security.beta.kubernetes.io/c": "localhost/x",
                            "container.apparmor.security.beta.kubernetes.io/d": "",
                            "other": "unconfined"}},
                        "spec": {
                            "securityContext": {"appArmorProfile": {"type": "Unconfined"}},
                            "containers": [
                                {"name": "a", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}},
                                {"name": "b", "securityContext": {"appArmorProfile": {"type": "Localhost"}}},
                                {"name": "c", "securityContext": {"appArmorProfile": {"type": ""}}},
                            ]},
                    }),
                    Some((
                        "forbidden AppArmor profiles",
                        r#"pod and containers "a", "c" and annotations must not set AppArmor profile type to "", "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"", "container.apparmor.security.beta.kubernetes.io/b="bad\"q"""#,
                    )),
                ),
                case(
                    "allowed values",
                    json!({
                        "metadata": {"annotations": {
                            "container.apparmor.security.beta.kubernetes.io/a": "runtime/default"}},
                        "spec": {
                            "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
                            "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "p"}}}]},
                    }),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            app_armor_profile_1_0,
            &json!({
                "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}},
                "spec": {
                    "securityContext": {"appArmorProfile": {"type": "Unconfined"}},
                    "initContainers": [{"name": "i", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}],
                    "containers": [{"name": "c"}]},
            }),
            &[
                "spec.securityContext.appArmorProfile.type",
                "spec.initContainers[0].securityContext.appArmorProfile.type",
                "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]",
            ],
            &["i", "c"],
        );
    }
}
