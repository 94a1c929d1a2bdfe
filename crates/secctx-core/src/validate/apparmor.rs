//! AppArmor: the `appArmorProfile` field (pod and container), the deprecated
//! `container.apparmor.security.beta.kubernetes.io/<name>` annotations, the create-time
//! annotation/field consistency check, and the pod strategy's version skew
//! (`applyAppArmorVersionSkew`), which copies annotations into container fields before a Pod is
//! validated.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{AppArmorProfile, PodSpec, SecurityContext};

use crate::path::FieldPath;

use super::error::FieldError;
use super::gojson::GoJson;
use super::quote::go_quote;
use super::visit::{has_container, in_visit_order};

/// `container.apparmor.security.beta.kubernetes.io/` (followed by a container name).
pub const CONTAINER_ANNOTATION_KEY_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// `PATH_MAX - 1`: the longest `localhostProfile` accepted.
pub const MAX_LOCALHOST_PROFILE_LENGTH: i64 = 4095;

/// `ValidateAppArmorProfileField(profile, path)`; `path` is `<...>.appArmorProfile`.
pub fn validate_field(profile: Option<&AppArmorProfile>, path: &FieldPath) -> Vec<FieldError> {
    let Some(profile) = profile else {
        return Vec::new();
    };
    let mut errs = Vec::new();
    let lp_path = path.child("localhostProfile");
    match profile.type_.as_str() {
        "Localhost" => match &profile.localhost_profile {
            None => errs.push(FieldError::required(
                lp_path,
                "must be set when AppArmor type is Localhost",
            )),
            Some(name) => {
                let trimmed = name.trim();
                if trimmed != name {
                    errs.push(FieldError::invalid(
                        lp_path.clone(),
                        name.as_str(),
                        "must not be padded with whitespace",
                    ));
                } else if trimmed.is_empty() {
                    errs.push(FieldError::required(
                        lp_path.clone(),
                        "must be set when AppArmor type is Localhost",
                    ));
                }
                if i64::try_from(name.len()).unwrap_or(i64::MAX) > MAX_LOCALHOST_PROFILE_LENGTH {
                    errs.push(FieldError::too_long(lp_path, MAX_LOCALHOST_PROFILE_LENGTH));
                }
            }
        },
        "RuntimeDefault" | "Unconfined" => {
            if let Some(name) = &profile.localhost_profile {
                errs.push(FieldError::invalid(
                    lp_path,
                    GoJson::Str(name.clone()),
                    "can only be set when AppArmor type is Localhost",
                ));
            }
        }
        "" => errs.push(FieldError::required(
            path.child("type"),
            "type is required when appArmorProfile is set",
        )),
        other => errs.push(FieldError::not_supported(
            path.child("type"),
            GoJson::Str(other.to_string()),
            &["Localhost", "RuntimeDefault", "Unconfined"],
        )),
    }
    errs
}

/// `ValidateAppArmorProfileFormat`: `""`, `runtime/default`, `unconfined` or `localhost/...`.
fn annotation_format_error(value: &str) -> Option<String> {
    let ok =
        matches!(value, "" | "runtime/default" | "unconfined") || value.starts_with("localhost/");
    (!ok).then(|| format!("invalid AppArmor profile name: {}", go_quote(value)))
}

/// `ValidateAppArmorPodAnnotations(annotations, spec, path)`; `path` is `metadata.annotations`
/// (for a template, `<template>.annotations`), and the key is appended with `Key`:
/// `metadata.annotations[container.apparmor.security.beta.kubernetes.io/c]`. For each key: the
/// container must exist, then the value must be a known format. Go walks the map in random
/// order; keys come here sorted.
pub fn validate_annotations(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (k, v) in annotations {
        let Some(container) = k.strip_prefix(CONTAINER_ANNOTATION_KEY_PREFIX) else {
            continue;
        };
        if !has_container(spec, container) {
            errs.push(FieldError::invalid(
                path.key(k),
                container,
                "container not found",
            ));
        }
        if let Some(detail) = annotation_format_error(v) {
            errs.push(FieldError::invalid(path.key(k), v.as_str(), &detail));
        }
    }
    errs
}

/// `validateAppArmorAnnotationsAndFieldsMatchOnCreate(meta, spec, specPath)`: skipped for
/// Windows pods; for each container (visit order) whose effective profile (container field,
/// else pod field) exists and whose annotation exists, they must agree.
pub fn validate_annotations_match_fields(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    spec_path: &FieldPath,
) -> Vec<FieldError> {
    if spec.os.as_ref().is_some_and(|os| os.name == "windows") {
        return Vec::new();
    }
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.as_ref());
    let mut errs = Vec::new();
    for c in in_visit_order(spec, spec_path) {
        let own = c
            .security_context
            .and_then(|sc| sc.app_armor_profile.as_ref());
        let Some(profile) = own.or(pod_profile) else {
            continue;
        };
        let key = format!("{CONTAINER_ANNOTATION_KEY_PREFIX}{}", c.name);
        let Some(annotation) = annotations.get(&key) else {
            continue;
        };
        let path = c.path.child("securityContext").child("appArmorProfile");
        let type_mismatch = || {
            FieldError::forbidden(
                path.child("type"),
                "apparmor type in annotation and field must match",
            )
        };
        match profile.type_.as_str() {
            "Unconfined" if annotation != "unconfined" => errs.push(type_mismatch()),
            "RuntimeDefault" if annotation != "runtime/default" => errs.push(type_mismatch()),
            "Localhost" => match annotation.strip_prefix("localhost/") {
                None => errs.push(type_mismatch()),
                Some(name) if profile.localhost_profile.as_deref() != Some(name) => {
                    errs.push(FieldError::forbidden(
                        path.child("localhostProfile"),
                        "apparmor profile in annotation and field must match",
                    ));
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
    errs
}

/// `ApparmorFieldForAnnotation`: the field an annotation value stands for, if any.
pub fn field_for_annotation(annotation: &str) -> Option<AppArmorProfile> {
    match annotation {
        "unconfined" => Some(profile("Unconfined", None)),
        "runtime/default" => Some(profile("RuntimeDefault", None)),
        _ => match annotation.strip_prefix("localhost/") {
            Some(name) if !name.is_empty() => Some(profile("Localhost", Some(name))),
            _ => None,
        },
    }
}

fn profile(type_: &str, name: Option<&str>) -> AppArmorProfile {
    AppArmorProfile {
        type_: type_.to_string(),
        localhost_profile: name.map(str::to_string),
    }
}

/// The pod strategy's `applyAppArmorVersionSkew`, run by `PrepareForCreate` before a Pod
/// (not a template) is validated. For non-Windows pods, every container (visit order) that has
/// an annotation but no `appArmorProfile` of its own gets the annotation's profile, unless the
/// annotation converts to nothing valid or equals the pod-level profile. Returns the warnings
/// the API server emits: `metadata.annotations[<key>]: deprecated since v1.30; use the
/// "appArmorProfile" field instead`, when the field was copied or the annotation could not be
/// converted.
pub fn apply_version_skew(
    annotations: &BTreeMap<String, String>,
    spec: &mut PodSpec,
) -> Vec<String> {
    if spec.os.as_ref().is_some_and(|os| os.name == "windows") {
        return Vec::new();
    }
    let pod_profile = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.app_armor_profile.clone());
    let mut warnings = Vec::new();
    let mut visit = |name: &str, sc: &mut Option<SecurityContext>| {
        let key = format!("{CONTAINER_ANNOTATION_KEY_PREFIX}{name}");
        let Some(annotation) = annotations.get(&key) else {
            return;
        };
        if sc.as_ref().is_some_and(|sc| sc.app_armor_profile.is_some()) {
            return;
        }
        let new_field = field_for_annotation(annotation)
            .filter(|f| validate_field(Some(f), &FieldPath::root()).is_empty());
        let mut warn = new_field.is_none();
        if let Some(f) = new_field
            && Some(&f) != pod_profile.as_ref()
        {
            sc.get_or_insert_with(SecurityContext::default)
                .app_armor_profile = Some(f);
            warn = true;
        }
        if warn {
            let path = FieldPath::new("metadata.annotations").key(&key);
            warnings.push(format!(
                r#"{path}: deprecated since v1.30; use the "appArmorProfile" field instead"#
            ));
        }
    };
    for c in spec.init_containers.iter_mut().flatten() {
        visit(&c.name, &mut c.security_context);
    }
    for c in &mut spec.containers {
        visit(&c.name, &mut c.security_context);
    }
    for c in spec.ephemeral_containers.iter_mut().flatten() {
        visit(&c.name, &mut c.security_context);
    }
    warnings
}
