//! The security subset of `ValidatePodCreate` (a Pod) and `ValidatePodTemplateSpec` (the pod
//! template of a workload), in upstream order:
//!
//! 0. a Pod's `metadata.name` / `generateName` / `namespace` (`ValidateObjectMeta`);
//! 1. annotations (`ValidatePodSpecificAnnotations`): seccomp, then AppArmor;
//! 2. `ValidatePodSpec`: volumes (names, item paths), then every container (containers,
//!    initContainers, ephemeralContainers): its name, its `volumeMounts`, its
//!    `securityContext`, then the duplicate-name check; the pod `securityContext`,
//!    hostProcess, hostUsers, `spec.os`;
//! 3. Pod: `spec.ephemeralContainers` forbidden on create, then the seccomp and AppArmor
//!    annotation/field consistency checks; template: the consistency checks, then ephemeral
//!    containers forbidden.
//!
//! A Pod is validated after the strategy's AppArmor version skew (annotations copied into
//! container fields), as the API server does; a template is validated as written.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::path::FieldPath;

use super::error::FieldError;
use super::visit::{host_users, in_validation_order};
use super::{
    ValidationOptions, apparmor, container_security_context, host_users as userns, mounts, names,
    os, pod_security_context, seccomp, volumes, windows,
};

/// `ValidatePodCreate`, security subset: paths `metadata.annotations...` and `spec...`.
pub fn validate_pod(
    meta: &ObjectMeta,
    spec: &PodSpec,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let empty = BTreeMap::new();
    let annotations = meta.annotations.as_ref().unwrap_or(&empty);
    let mut spec = spec.clone();
    apparmor::apply_version_skew(annotations, &mut spec);

    let spec_path = FieldPath::new("spec");
    let mut errs = names::validate_pod_meta(meta);
    errs.extend(pod_specific_annotations(
        annotations,
        &spec,
        &FieldPath::new("metadata.annotations"),
    ));
    errs.extend(validate_pod_spec(&spec, &spec_path, opts));
    if spec
        .ephemeral_containers
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        errs.push(FieldError::forbidden(
            spec_path.child("ephemeralContainers"),
            "cannot be set on create",
        ));
    }
    errs.extend(seccomp::validate_annotations_match_fields(
        annotations,
        &spec,
        &spec_path,
    ));
    errs.extend(apparmor::validate_annotations_match_fields(
        annotations,
        &spec,
        &spec_path,
    ));
    errs
}

/// `ValidatePodTemplateSpec(template, templatePath)`, security subset. The template's
/// annotations are reported under `<template>.annotations` (upstream uses
/// `fldPath.Child("annotations")`, not `metadata.annotations`), its spec under `<template>.spec`.
pub fn validate_pod_template(
    template_meta: &ObjectMeta,
    spec: &PodSpec,
    template_path: &FieldPath,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let empty = BTreeMap::new();
    let annotations = template_meta.annotations.as_ref().unwrap_or(&empty);
    let spec_path = template_path.child("spec");
    let mut errs = pod_specific_annotations(annotations, spec, &template_path.child("annotations"));
    errs.extend(validate_pod_spec(spec, &spec_path, opts));
    errs.extend(seccomp::validate_annotations_match_fields(
        annotations,
        spec,
        &spec_path,
    ));
    errs.extend(apparmor::validate_annotations_match_fields(
        annotations,
        spec,
        &spec_path,
    ));
    if spec
        .ephemeral_containers
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        errs.push(FieldError::forbidden(
            spec_path.child("ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errs
}

/// `ValidatePodSpecificAnnotations`, security subset.
fn pod_specific_annotations(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = seccomp::validate_annotations(annotations, path);
    errs.extend(apparmor::validate_annotations(annotations, spec, path));
    errs
}

/// `ValidatePodSpec`, security subset.
fn validate_pod_spec(
    spec: &PodSpec,
    spec_path: &FieldPath,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let host_users = host_users(spec);
    let (volume_names, mut errs) = volumes::validate(spec, &spec_path.child("volumes"));
    let regular = spec.containers.len();
    let init = spec.init_containers.as_ref().map_or(0, Vec::len);
    // Names seen, per upstream's three rules: regular containers clash among themselves (an
    // empty name too), init containers with regular and earlier init ones (non-empty names
    // only), ephemeral containers with any.
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut ephemeral_seen: BTreeSet<&str> = BTreeSet::new();
    for (i, c) in in_validation_order(spec, spec_path).into_iter().enumerate() {
        errs.extend(mounts::validate_name(&c));
        errs.extend(mounts::validate_volume_mounts(&c, &volume_names));
        errs.extend(container_security_context::validate(
            c.security_context,
            &c.path.child("securityContext"),
            host_users,
            opts,
        ));
        let dup = if i < regular + init {
            let dup = seen.contains(c.name);
            if !dup && (i < regular || !c.name.is_empty()) {
                seen.insert(c.name);
            }
            dup
        } else {
            let dup = seen.contains(c.name) || ephemeral_seen.contains(c.name);
            if !dup {
                ephemeral_seen.insert(c.name);
            }
            dup
        };
        if dup {
            errs.push(FieldError::duplicate(c.path.child("name"), c.name));
        }
        if i >= regular + init {
            errs.extend(mounts::ephemeral_sub_paths(&c));
        }
    }
    errs.extend(pod_security_context::validate(
        spec,
        &spec_path.child("securityContext"),
        opts,
    ));
    errs.extend(windows::validate_host_process(
        spec,
        spec_path,
        opts.allow_privileged,
    ));
    errs.extend(userns::validate(spec, spec_path));
    errs.extend(os::validate(spec, spec_path));
    errs
}
