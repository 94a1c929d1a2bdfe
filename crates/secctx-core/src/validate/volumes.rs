//! `ValidateVolumes`, the subset that guards paths on the node: every volume's name (a DNS-1123
//! label, unique; it names the volume's directory on the host), the item paths of `configMap`,
//! `secret`, `downwardAPI` and `projected` volumes (relative, no `..` element, not starting
//! with `..`: they are written under the volume directory), file modes, and a `hostPath`
//! without `..` elements.
//!
//! Upstream keeps a volume in the map mounts are matched against only when it produced no
//! error, so a mount of a volume with errors is also `Not found`; [`validate`] returns that map.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{DownwardAPIVolumeFile, KeyToPath, PodSpec, Volume};

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::{
    validate_dns1123_label, validate_local_non_reserved_path, validate_path_no_backsteps,
};

/// `fileModeErrorMsg`.
const FILE_MODE_MSG: &str = "must be a number between 0 and 0777 (octal), both inclusive";

fn mode(m: Option<i32>, path: FieldPath) -> Option<FieldError> {
    m.filter(|m| !(0..=0o777).contains(m))
        .map(|m| FieldError::invalid(path, i64::from(m), FILE_MODE_MSG))
}

/// `validateKeyToPath`: key and path required, the path local and not reserved, the mode.
fn key_to_path(kp: &KeyToPath, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if kp.key.is_empty() {
        errs.push(FieldError::required(path.child("key"), ""));
    }
    if kp.path.is_empty() {
        errs.push(FieldError::required(path.child("path"), ""));
    }
    errs.extend(validate_local_non_reserved_path(
        &kp.path,
        &path.child("path"),
    ));
    errs.extend(mode(kp.mode, path.child("mode")));
    errs
}

/// `validateDownwardAPIVolumeFile`, path part. Upstream passes the `downwardAPI` path itself,
/// not the item's, so the errors read `...downwardAPI.path` whatever the index.
fn downward_file(file: &DownwardAPIVolumeFile, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if file.path.is_empty() {
        errs.push(FieldError::required(path.child("path"), ""));
    }
    errs.extend(validate_local_non_reserved_path(
        &file.path,
        &path.child("path"),
    ));
    errs.extend(mode(file.mode, path.child("mode")));
    errs
}

/// `validateVolumeSource`, for the kinds whose paths land on the node.
fn source(v: &Volume, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Some(h) = &v.host_path {
        let p = path.child("hostPath");
        if h.path.is_empty() {
            errs.push(FieldError::required(p.child("path"), ""));
        } else {
            errs.extend(validate_path_no_backsteps(&h.path, &p.child("path")));
        }
    }
    if let Some(s) = &v.secret {
        let p = path.child("secret");
        if s.secret_name.as_deref().unwrap_or("").is_empty() {
            errs.push(FieldError::required(p.child("secretName"), ""));
        }
        errs.extend(mode(s.default_mode, p.child("defaultMode")));
        for (i, kp) in s.items.iter().flatten().enumerate() {
            errs.extend(key_to_path(kp, &p.child("items").index(i)));
        }
    }
    if let Some(d) = &v.downward_api {
        let p = path.child("downwardAPI");
        errs.extend(mode(d.default_mode, p.child("defaultMode")));
        for file in d.items.iter().flatten() {
            errs.extend(downward_file(file, &p));
        }
    }
    if let Some(c) = &v.config_map {
        let p = path.child("configMap");
        if c.name.is_empty() {
            errs.push(FieldError::required(p.child("name"), ""));
        }
        errs.extend(mode(c.default_mode, p.child("defaultMode")));
        for (i, kp) in c.items.iter().flatten().enumerate() {
            errs.extend(key_to_path(kp, &p.child("items").index(i)));
        }
    }
    if let Some(pr) = &v.projected {
        errs.extend(projected(pr, &path.child("projected")));
    }
    errs
}

/// `validateProjectedVolumeSource` / `validateProjectionSources`, path part, with the
/// `conflicting duplicate paths` check across sources.
fn projected(
    pr: &k8s_openapi::api::core::v1::ProjectedVolumeSource,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    errs.extend(mode(pr.default_mode, path.child("defaultMode")));
    let mut all_paths: BTreeSet<String> = BTreeSet::new();
    for (i, src) in pr.sources.iter().flatten().enumerate() {
        let src_path = path.child("sources").index(i);
        if let Some(s) = &src.secret {
            let p = src_path.child("secret");
            if s.name.is_empty() {
                errs.push(FieldError::required(p.child("name"), ""));
            }
            for (j, kp) in s.items.iter().flatten().enumerate() {
                errs.extend(key_to_path(kp, &p.child("items").index(j)));
                if !kp.path.is_empty() && !all_paths.insert(kp.path.clone()) {
                    errs.push(FieldError::invalid(
                        path.clone(),
                        s.name.as_str(),
                        "conflicting duplicate paths",
                    ));
                }
            }
        }
        if let Some(c) = &src.config_map {
            let p = src_path.child("configMap");
            if c.name.is_empty() {
                errs.push(FieldError::required(p.child("name"), ""));
            }
            for (j, kp) in c.items.iter().flatten().enumerate() {
                errs.extend(key_to_path(kp, &p.child("items").index(j)));
                if !kp.path.is_empty() && !all_paths.insert(kp.path.clone()) {
                    errs.push(FieldError::invalid(
                        path.clone(),
                        c.name.as_str(),
                        "conflicting duplicate paths",
                    ));
                }
            }
        }
        if let Some(d) = &src.downward_api {
            let p = src_path.child("downwardAPI");
            for file in d.items.iter().flatten() {
                errs.extend(downward_file(file, &p));
                if !file.path.is_empty() && !all_paths.insert(file.path.clone()) {
                    errs.push(FieldError::invalid(
                        path.clone(),
                        file.path.as_str(),
                        "conflicting duplicate paths",
                    ));
                }
            }
        }
        if let Some(t) = &src.service_account_token {
            // Upstream reports the token path under the projected volume's own path.
            if t.path.is_empty() {
                errs.push(FieldError::required(path.child("path"), ""));
            } else {
                errs.extend(validate_local_non_reserved_path(
                    &t.path,
                    &path.child("path"),
                ));
            }
        }
    }
    errs
}

/// `ValidateVolumes`, the subset above: errors, and the names of the volumes that passed
/// (the ones a `volumeMount` may name).
pub fn validate(spec: &PodSpec, path: &FieldPath) -> (BTreeSet<String>, Vec<FieldError>) {
    let mut errs = Vec::new();
    let mut names = BTreeSet::new();
    for (i, v) in spec.volumes.iter().flatten().enumerate() {
        let idx = path.index(i);
        let name_path = idx.child("name");
        // Upstream order: the source first, then the name, then duplicates.
        let mut el = source(v, &idx);
        if v.name.is_empty() {
            el.push(FieldError::required(name_path.clone(), ""));
        } else {
            el.extend(validate_dns1123_label(&v.name, &name_path));
        }
        if names.contains(&v.name) {
            el.push(FieldError::duplicate(name_path, v.name.as_str()));
        }
        if el.is_empty() {
            names.insert(v.name.clone());
        } else {
            errs.extend(el);
        }
    }
    (names, errs)
}
