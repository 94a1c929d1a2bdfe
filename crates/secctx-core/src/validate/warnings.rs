//! The security-related warnings the API server returns on create (`Warning:` lines in
//! kubectl), from `pkg/api/pod/warnings.go` and the pod strategy's AppArmor version skew.
//!
//! Only the security subset, in upstream order: the deprecated sysctl annotations, the seccomp
//! annotations without a field (pod, then containers in visit order) and, for templates, the
//! AppArmor annotations without a field. A Pod's AppArmor warnings come first, from
//! `applyAppArmorVersionSkew` in `PrepareForCreate`. Node-label, volume, port and other
//! warnings are not produced.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::path::FieldPath;

use super::visit::in_visit_order;
use super::{apparmor, seccomp};

const DEPRECATED_SYSCTL_ANNOTATIONS: [&str; 2] = [
    "security.alpha.kubernetes.io/sysctls",
    "security.alpha.kubernetes.io/unsafe-sysctls",
];

/// Warnings for creating a Pod (`PrepareForCreate` then `WarningsOnCreate`), paths rooted at
/// `metadata` / `spec`.
pub fn pod_warnings(meta: &ObjectMeta, spec: &PodSpec) -> Vec<String> {
    let empty = BTreeMap::new();
    let annotations = meta.annotations.as_ref().unwrap_or(&empty);
    let mut spec = spec.clone();
    let mut warnings = apparmor::apply_version_skew(annotations, &mut spec);
    warnings.extend(spec_warnings(annotations, &spec, &FieldPath::root(), false));
    warnings
}

/// Warnings for creating a workload whose pod template sits at `template_path`
/// (`spec.template`, `template`, `spec.jobTemplate.spec.template`): paths are
/// `<template_path>.metadata.annotations[...]`.
pub fn template_warnings(
    template_meta: &ObjectMeta,
    spec: &PodSpec,
    template_path: &FieldPath,
) -> Vec<String> {
    let empty = BTreeMap::new();
    let annotations = template_meta.annotations.as_ref().unwrap_or(&empty);
    spec_warnings(annotations, spec, template_path, true)
}

fn spec_warnings(
    annotations: &BTreeMap<String, String>,
    spec: &PodSpec,
    root: &FieldPath,
    is_template: bool,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let ann_path = root.child("metadata").child("annotations");
    for key in DEPRECATED_SYSCTL_ANNOTATIONS {
        if annotations.contains_key(key) {
            warnings.push(format!(
                r#"{}: non-functional in v1.11+; use the "sysctls" field instead"#,
                ann_path.key(key)
            ));
        }
    }
    let seccomp_warning = |key: &str| {
        format!(
            r#"{}: non-functional in v1.27+; use the "seccompProfile" field instead"#,
            ann_path.key(key)
        )
    };
    let pod_sc = spec.security_context.as_ref();
    if pod_sc.and_then(|sc| sc.seccomp_profile.as_ref()).is_none()
        && annotations.contains_key(seccomp::POD_ANNOTATION_KEY)
    {
        warnings.push(seccomp_warning(seccomp::POD_ANNOTATION_KEY));
    }
    let pod_apparmor = pod_sc
        .and_then(|sc| sc.app_armor_profile.as_ref())
        .is_some();
    for c in in_visit_order(spec, &root.child("spec")) {
        let key = format!("{}{}", seccomp::CONTAINER_ANNOTATION_KEY_PREFIX, c.name);
        if c.security_context
            .and_then(|sc| sc.seccomp_profile.as_ref())
            .is_none()
            && annotations.contains_key(&key)
        {
            warnings.push(seccomp_warning(&key));
        }
        let own_apparmor = c
            .security_context
            .and_then(|sc| sc.app_armor_profile.as_ref());
        let key = format!("{}{}", apparmor::CONTAINER_ANNOTATION_KEY_PREFIX, c.name);
        if is_template && !pod_apparmor && own_apparmor.is_none() && annotations.contains_key(&key)
        {
            warnings.push(format!(
                r#"{}: deprecated since v1.30; use the "appArmorProfile" field instead"#,
                ann_path.key(&key)
            ));
        }
    }
    warnings
}
