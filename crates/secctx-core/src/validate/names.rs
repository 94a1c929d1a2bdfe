//! `ValidateObjectMeta` for a Pod, the name part: `metadata.name` must be a DNS-1123 subdomain
//! (`ValidatePodName` = `NameIsDNSSubdomain`), `generateName` a valid prefix; a namespace, when
//! the object names one, must be a DNS-1123 label (`ValidateNamespaceName`).
//!
//! Names end up in paths (the pod's state directory, cgroup names), so this is also what keeps
//! a name from being a path. Templates are not checked here: upstream does not validate a pod
//! template's name.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::{validate_dns1123_label, validate_dns1123_subdomain};

/// The name errors of a Pod's metadata, paths under `metadata`.
pub fn validate_pod_meta(meta: &ObjectMeta) -> Vec<FieldError> {
    let path = FieldPath::new("metadata");
    let mut errs = Vec::new();
    let name = meta.name.as_deref().unwrap_or("");
    let generate = meta.generate_name.as_deref().unwrap_or("");
    if !generate.is_empty() {
        // `ValidatePodName(generateName, true)`: a prefix, so `maskTrailingDash` turns a
        // trailing `-` into `a` (when there is more than that one character) before the check.
        let masked = match generate.strip_suffix('-') {
            Some(rest) if !rest.is_empty() => format!("{rest}a"),
            _ => generate.to_string(),
        };
        errs.extend(
            validate_dns1123_subdomain(&masked, &path.child("generateName"))
                .into_iter()
                .map(|mut e| {
                    e.value = generate.into();
                    e
                }),
        );
    }
    // On create the API server fills `name` from `generateName` before validating. A pod with
    // neither never reaches it: kubectl refuses it first (`resource name may not be empty`),
    // so an empty name is not reported here (`run` refuses it on its own).
    if !name.is_empty() {
        errs.extend(validate_dns1123_subdomain(name, &path.child("name")));
    }
    // kubectl fills an absent namespace from its context; one written in the object is checked.
    if let Some(ns) = meta.namespace.as_deref().filter(|n| !n.is_empty()) {
        errs.extend(validate_dns1123_label(ns, &path.child("namespace")));
    }
    errs
}
