//! `ValidateSecurityContext`: one container's `securityContext` (regular, init and ephemeral
//! containers alike), in upstream's order: privileged vs `--allow-privileged`, runAsUser,
//! runAsGroup, procMount, seccompProfile, the two allowPrivilegeEscalation rules,
//! windowsOptions, appArmorProfile.
//!
//! Capability names are not validated anywhere in the API server; the only capability rule is
//! the literal string `CAP_SYS_ADMIN` next to `allowPrivilegeEscalation: false`, so
//! `SYS_ADMIN` passes.

use k8s_openapi::api::core::v1::SecurityContext;

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::validate_id;
use super::go_structs;
use super::gojson::GoJson;
use super::{ValidationOptions, apparmor, seccomp, windows};

/// Validates one container's security context; `path` is `<container>.securityContext` and
/// `host_users` is false only for a pod with `hostUsers: false`.
pub fn validate(
    sc: Option<&SecurityContext>,
    path: &FieldPath,
    host_users: bool,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    let Some(sc) = sc else { return Vec::new() };
    let mut errs = Vec::new();

    if sc.privileged == Some(true) && !opts.allow_privileged {
        errs.push(FieldError::forbidden(
            path.child("privileged"),
            "disallowed by cluster policy",
        ));
    }
    errs.extend(
        sc.run_as_user
            .and_then(|u| validate_id(u, path.child("runAsUser"))),
    );
    errs.extend(
        sc.run_as_group
            .and_then(|g| validate_id(g, path.child("runAsGroup"))),
    );

    if let Some(pm) = &sc.proc_mount {
        let pm_path = path.child("procMount");
        if !matches!(pm.as_str(), "Default" | "Unmasked") {
            errs.push(FieldError::not_supported(
                pm_path.clone(),
                GoJson::Str(pm.clone()),
                &["Default", "Unmasked"],
            ));
        }
        if host_users && pm == "Unmasked" {
            errs.push(FieldError::invalid(
                pm_path,
                GoJson::Str(pm.clone()),
                "`hostUsers` must be false to use `Unmasked`",
            ));
        }
    }

    errs.extend(seccomp::validate_field(
        sc.seccomp_profile.as_ref(),
        &path.child("seccompProfile"),
    ));

    if sc.allow_privilege_escalation == Some(false) {
        if sc.privileged == Some(true) {
            errs.push(FieldError::invalid(
                path.clone(),
                go_structs::security_context(sc),
                "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
            ));
        }
        let adds = sc.capabilities.as_ref().and_then(|c| c.add.as_ref());
        for cap in adds.into_iter().flatten() {
            if cap == "CAP_SYS_ADMIN" {
                errs.push(FieldError::invalid(
                    path.clone(),
                    go_structs::security_context(sc),
                    "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN",
                ));
            }
        }
    }

    errs.extend(windows::validate_options(
        sc.windows_options.as_ref(),
        &path.child("windowsOptions"),
    ));
    errs.extend(apparmor::validate_field(
        sc.app_armor_profile.as_ref(),
        &path.child("appArmorProfile"),
    ));
    errs
}
