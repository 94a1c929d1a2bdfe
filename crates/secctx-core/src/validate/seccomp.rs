//! Seccomp: the `seccompProfile` field (pod and container), the legacy
//! `seccomp.security.alpha.kubernetes.io/pod` and `container.seccomp.security.alpha.kubernetes.io/<name>`
//! annotations, and the create-time check that an annotation and a field agree.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, SeccompProfile};

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::validate_local_descending_path;
use super::go_structs;
use super::gojson::GoJson;
use super::visit::in_visit_order;

/// `seccomp.security.alpha.kubernetes.io/pod`.
pub const POD_ANNOTATION_KEY: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// `container.seccomp.security.alpha.kubernetes.io/` (followed by a container name).
pub const CONTAINER_ANNOTATION_KEY_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// `validateSeccompProfileField(sp, path)`; `path` is `<...>.seccompProfile`.
pub fn validate_field(sp: Option<&SeccompProfile>, path: &FieldPath) -> Vec<FieldError> {
    let Some(sp) = sp else { return Vec::new() };
    let mut errs = Vec::new();
    let type_path = path.child("type");
    match sp.type_.as_str() {
        "Localhost" | "RuntimeDefault" | "Unconfined" => {}
        "" => errs.push(FieldError::required(
            type_path,
            "type is required when seccompProfile is set",
        )),
        other => errs.push(FieldError::not_supported(
            type_path,
            GoJson::Str(other.to_string()),
            &["Localhost", "RuntimeDefault", "Unconfined"],
        )),
    }
    let lp_path = path.child("localhostProfile");
    if sp.type_ == "Localhost" {
        match &sp.localhost_profile {
            None => errs.push(FieldError::required(
                lp_path,
                "must be set when seccomp type is Localhost",
            )),
            // An empty name passes here; the kubelet rejects it later.
            Some(name) => errs.extend(validate_local_descending_path(name, &lp_path)),
        }
    } else if sp.localhost_profile.is_some() {
        errs.push(FieldError::invalid(
            lp_path,
            go_structs::seccomp_profile(sp),
            "can only be set when seccomp type is Localhost",
        ));
    }
    errs
}

/// `ValidateSeccompProfile(p, path)`: one annotation value.
fn validate_annotation_value(value: &str, path: &FieldPath) -> Vec<FieldError> {
    match value {
        "runtime/default" | "docker/default" | "unconfined" => Vec::new(),
        _ => match value.strip_prefix("localhost/") {
            Some(rest) => validate_local_descending_path(rest, path),
            None => vec![FieldError::invalid(
                path.clone(),
                value,
                "must be a valid seccomp profile",
            )],
        },
    }
}

/// `ValidateSeccompPodAnnotations(annotations, path)`; `path` is `metadata.annotations` (for a
/// template, `<template>.annotations`). The key is appended with `Child`, so the error path is
/// dotted: `metadata.annotations.seccomp.security.alpha.kubernetes.io/pod`.
///
/// The pod annotation first, then every key with the container prefix. Go walks the map in
/// random order; keys come here sorted.
pub fn validate_annotations(
    annotations: &BTreeMap<String, String>,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(v) = annotations.get(POD_ANNOTATION_KEY) {
        errs.extend(validate_annotation_value(
            v,
            &path.child(POD_ANNOTATION_KEY),
        ));
    }
    for (k, v) in annotations {
        if k.starts_with(CONTAINER_ANNOTATION_KEY_PREFIX) {
            errs.extend(validate_annotation_value(v, &path.child(k)));
        }
    }
    errs
}

/// `validateSeccompAnnotationsAndFieldsMatch`: `path` is `<...>.seccompProfile`.
fn annotation_matches_field(
    annotation: &str,
    field: &SeccompProfile,
    path: &FieldPath,
) -> Option<FieldError> {
    let type_mismatch = || {
        Some(FieldError::forbidden(
            path.child("type"),
            "seccomp type in annotation and field must match",
        ))
    };
    match field.type_.as_str() {
        "Unconfined" if annotation != "unconfined" => type_mismatch(),
        "RuntimeDefault" if annotation != "runtime/default" && annotation != "docker/default" => {
            type_mismatch()
        }
        "Localhost" => match annotation.strip_prefix("localhost/") {
            None => type_mismatch(),
            Some(name) if field.localhost_profile.as_deref() != Some(name) => {
                Some(FieldError::forbidden(
                    path.child("localhostProfile"),
                    "seccomp profile in annotation and field must match",
                ))
            }
            Some(_) => None,
        },
        _ => None,
    }
}

/// `validateSeccompAnnotationsAndFields(meta, spec, specPath)` (create, pods and templates):
/// where a field and its annotation both exist they must agree. Pod first, then containers in
/// visit order.
pub fn validate_annotations_match_fields(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    spec_path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let pod_field = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.seccomp_profile.as_ref());
    if let (Some(field), Some(annotation)) = (pod_field, annotations.get(POD_ANNOTATION_KEY)) {
        let path = spec_path.child("securityContext").child("seccompProfile");
        errs.extend(annotation_matches_field(annotation, field, &path));
    }
    for c in in_visit_order(spec, spec_path) {
        let Some(field) = c
            .security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
        else {
            continue;
        };
        let key = format!("{CONTAINER_ANNOTATION_KEY_PREFIX}{}", c.name);
        if let Some(annotation) = annotations.get(&key) {
            let path = c.path.child("securityContext").child("seccompProfile");
            errs.extend(annotation_matches_field(annotation, field, &path));
        }
    }
    errs
}
