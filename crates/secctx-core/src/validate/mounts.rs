//! The parts of `validateContainerCommon` that guard names and mounts: the container's name (a
//! DNS-1123 label) and `ValidateVolumeMounts`: the volume exists, `mountPath` set and unique,
//! `subPath`/`subPathExpr` relative without `..` (and not both), `mountPropagation` supported
//! and `Bidirectional` only for privileged containers, `recursiveReadOnly`.
//!
//! Upstream reports `subPath`, `subPathExpr`, `mountPropagation` and `recursiveReadOnly` under
//! `volumeMounts.<field>` without the mount's index (`fldPath.Child`, not `idxPath.Child`);
//! that is kept, since it is what `kubectl` prints.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::VolumeMount;

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::{validate_dns1123_label, validate_local_descending_path};
use super::gojson::GoJson;
use super::visit::ContainerRef;

/// The container's `name` errors (`Required`, or `ValidateDNS1123Label`).
pub fn validate_name(c: &ContainerRef<'_>) -> Vec<FieldError> {
    let path = c.path.child("name");
    if c.name.is_empty() {
        vec![FieldError::required(path, "")]
    } else {
        validate_dns1123_label(c.name, &path)
    }
}

/// `validateMountPropagation`.
fn propagation(mode: &str, privileged: bool, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    // `sets.List` order.
    const SUPPORTED: [&str; 3] = ["Bidirectional", "HostToContainer", "None"];
    if !SUPPORTED.contains(&mode) {
        errs.push(FieldError::not_supported(
            path.clone(),
            GoJson::Str(mode.to_string()),
            &SUPPORTED,
        ));
    }
    if mode == "Bidirectional" && !privileged {
        errs.push(FieldError::forbidden(
            path.clone(),
            "Bidirectional mount propagation is available only to privileged containers",
        ));
    }
    errs
}

/// `validateMountRecursiveReadOnly`.
fn recursive_read_only(m: &VolumeMount, path: &FieldPath) -> Vec<FieldError> {
    let Some(rro) = m.recursive_read_only.as_deref() else {
        return Vec::new();
    };
    let mut errs = Vec::new();
    match rro {
        "Disabled" => {}
        "Enabled" | "IfPossible" => {
            if m.read_only != Some(true) {
                errs.push(FieldError::forbidden(
                    path.clone(),
                    "may only be specified when readOnly is true",
                ));
            }
            if m.mount_propagation.as_deref().is_some_and(|p| p != "None") {
                errs.push(FieldError::forbidden(
                    path.clone(),
                    "may only be specified when mountPropagation is None or not specified",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            path.clone(),
            GoJson::Str(other.to_string()),
            &["Disabled", "Enabled", "IfPossible"],
        )),
    }
    errs
}

/// `ValidateVolumeMounts` for one container; `volumes` are the names that passed
/// `ValidateVolumes`.
pub fn validate_volume_mounts(c: &ContainerRef<'_>, volumes: &BTreeSet<String>) -> Vec<FieldError> {
    let path = c.path.child("volumeMounts");
    let privileged = c.security_context.and_then(|s| s.privileged) == Some(true);
    let mut errs = Vec::new();
    let mut mount_points: BTreeSet<&str> = BTreeSet::new();
    for (i, m) in c.volume_mounts.iter().enumerate() {
        let idx = path.index(i);
        if m.name.is_empty() {
            errs.push(FieldError::required(idx.child("name"), ""));
        }
        if !volumes.contains(&m.name) {
            errs.push(FieldError::not_found(idx.child("name"), m.name.as_str()));
        }
        if m.mount_path.is_empty() {
            errs.push(FieldError::required(idx.child("mountPath"), ""));
        }
        if !mount_points.insert(m.mount_path.as_str()) {
            errs.push(FieldError::invalid(
                idx.child("mountPath"),
                m.mount_path.as_str(),
                "must be unique",
            ));
        }
        let sub_path = m.sub_path.as_deref().unwrap_or("");
        if !sub_path.is_empty() {
            errs.extend(validate_local_descending_path(
                sub_path,
                &path.child("subPath"),
            ));
        }
        let expr = m.sub_path_expr.as_deref().unwrap_or("");
        if !expr.is_empty() {
            if !sub_path.is_empty() {
                errs.push(FieldError::invalid(
                    idx.child("subPathExpr"),
                    expr,
                    "subPathExpr and subPath are mutually exclusive",
                ));
            }
            errs.extend(validate_local_descending_path(
                expr,
                &path.child("subPathExpr"),
            ));
        }
        if let Some(mode) = m.mount_propagation.as_deref() {
            errs.extend(propagation(
                mode,
                privileged,
                &path.child("mountPropagation"),
            ));
        }
        errs.extend(recursive_read_only(m, &path.child("recursiveReadOnly")));
    }
    errs
}

/// `validateEphemeralContainers`: subPath and subPathExpr are forbidden on an ephemeral
/// container's mounts (their bind mounts would outlive it).
pub fn ephemeral_sub_paths(c: &ContainerRef<'_>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, m) in c.volume_mounts.iter().enumerate() {
        let idx = c.path.child("volumeMounts").index(i);
        if m.sub_path.as_deref().is_some_and(|s| !s.is_empty()) {
            errs.push(FieldError::forbidden(
                idx.child("subPath"),
                "cannot be set for an Ephemeral Container",
            ));
        }
        if m.sub_path_expr.as_deref().is_some_and(|s| !s.is_empty()) {
            errs.push(FieldError::forbidden(
                idx.child("subPathExpr"),
                "cannot be set for an Ephemeral Container",
            ));
        }
    }
    errs
}
