//! The security subset of `validateVolumeMounts`: `recursiveReadOnly`
//! (`validateMountRecursiveReadOnly`, upstream `pkg/apis/core/validation/validation.go`).
//!
//! `IfPossible` and `Enabled` make a read-only mount read-only recursively (every submount of
//! the volume too); both need `readOnly: true` and no mount propagation, because a
//! propagated submount arriving later could not be made read-only.

use k8s_openapi::api::core::v1::VolumeMount;

use crate::path::FieldPath;

use super::error::FieldError;

/// The values upstream accepts, sorted as `sets.List` prints them.
const MODES: &[&str] = &["Disabled", "Enabled", "IfPossible"];

/// Errors of `volumeMounts[i].recursiveReadOnly` for every mount of a container; `path` is
/// the container's `volumeMounts`.
pub fn validate(mounts: &[VolumeMount], path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, m) in mounts.iter().enumerate() {
        let Some(mode) = m.recursive_read_only.as_deref() else {
            continue;
        };
        let fld = path.index(i).child("recursiveReadOnly");
        match mode {
            "Disabled" => {}
            "Enabled" | "IfPossible" => {
                if m.read_only != Some(true) {
                    errs.push(FieldError::forbidden(
                        fld.clone(),
                        "may only be specified when readOnly is true",
                    ));
                }
                if m.mount_propagation.as_deref().is_some_and(|p| p != "None") {
                    errs.push(FieldError::forbidden(
                        fld,
                        "may only be specified when mountPropagation is None or not specified",
                    ));
                }
            }
            other => errs.push(FieldError::not_supported(fld, other.to_string(), MODES)),
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(ro: Option<bool>, prop: Option<&str>, rro: &str) -> VolumeMount {
        VolumeMount {
            name: "v".into(),
            mount_path: "/v".into(),
            read_only: ro,
            mount_propagation: prop.map(String::from),
            recursive_read_only: Some(rro.into()),
            ..VolumeMount::default()
        }
    }

    #[test]
    fn recursive_read_only_needs_read_only_and_no_propagation() {
        let path = FieldPath::root()
            .child("spec")
            .child("containers")
            .index(0)
            .child("volumeMounts");
        let msgs = |m: VolumeMount| -> Vec<String> {
            validate(&[m], &path)
                .iter()
                .map(|e| e.to_string())
                .collect()
        };
        assert!(msgs(mount(Some(true), None, "Enabled")).is_empty());
        assert!(msgs(mount(Some(true), Some("None"), "IfPossible")).is_empty());
        assert!(msgs(mount(None, None, "Disabled")).is_empty());
        assert_eq!(
            msgs(mount(None, Some("HostToContainer"), "Enabled")),
            [
                "spec.containers[0].volumeMounts[0].recursiveReadOnly: Forbidden: may only be specified when readOnly is true",
                "spec.containers[0].volumeMounts[0].recursiveReadOnly: Forbidden: may only be specified when mountPropagation is None or not specified",
            ]
        );
        assert_eq!(
            msgs(mount(Some(true), None, "Always")),
            [
                "spec.containers[0].volumeMounts[0].recursiveReadOnly: Unsupported value: \"Always\": supported values: \"Disabled\", \"Enabled\", \"IfPossible\"",
            ]
        );
    }
}
