//! `validatePodSpecSecurityContext`: the pod-level `spec.securityContext`, in upstream's order
//! (fsGroup, runAsUser, runAsGroup, supplementalGroups, shareProcessNamespace, sysctls,
//! fsGroupChangePolicy, seccompProfile, windowsOptions, appArmorProfile,
//! supplementalGroupsPolicy, seLinuxChangePolicy).
//!
//! The internal `PodSecurityContext` also holds `hostNetwork`, `hostPID`, `hostIPC` and
//! `shareProcessNamespace`, which is why `shareProcessNamespace` is reported as
//! `spec.securityContext.shareProcessNamespace`.

use std::collections::HashSet;

use k8s_openapi::api::core::v1::PodSpec;

use crate::path::FieldPath;

use super::error::FieldError;
use super::format::validate_id;
use super::gojson::GoJson;
use super::sysctl::{
    SYSCTL_MAX_LENGTH, SYSCTL_NAME_REGEX, SysctlNamespace, is_valid_sysctl_name, namespace_of,
};
use super::visit::{host_ipc, host_network, host_pid};
use super::{ValidationOptions, apparmor, seccomp, windows};

/// Validates `spec.securityContext`; `sc_path` is `<spec>.securityContext`.
pub fn validate(spec: &PodSpec, sc_path: &FieldPath, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let sc = spec.security_context.clone().unwrap_or_default();

    errs.extend(
        sc.fs_group
            .and_then(|g| validate_id(g, sc_path.child("fsGroup"))),
    );
    errs.extend(
        sc.run_as_user
            .and_then(|u| validate_id(u, sc_path.child("runAsUser"))),
    );
    errs.extend(
        sc.run_as_group
            .and_then(|g| validate_id(g, sc_path.child("runAsGroup"))),
    );
    for (i, gid) in sc.supplemental_groups.iter().flatten().enumerate() {
        errs.extend(validate_id(
            *gid,
            sc_path.child("supplementalGroups").index(i),
        ));
    }
    if spec.share_process_namespace == Some(true) && host_pid(spec) {
        errs.push(FieldError::invalid(
            sc_path.child("shareProcessNamespace"),
            true,
            "ShareProcessNamespace and HostPID cannot both be enabled",
        ));
    }
    if sc.sysctls.as_ref().is_some_and(|s| !s.is_empty()) {
        errs.extend(validate_sysctls(spec, &sc_path.child("sysctls"), opts));
    }
    if let Some(policy) = &sc.fs_group_change_policy
        && !matches!(policy.as_str(), "OnRootMismatch" | "Always")
    {
        errs.push(FieldError::not_supported(
            sc_path.child("fsGroupChangePolicy"),
            GoJson::Str(policy.clone()),
            &["Always", "OnRootMismatch"],
        ));
    }
    errs.extend(seccomp::validate_field(
        sc.seccomp_profile.as_ref(),
        &sc_path.child("seccompProfile"),
    ));
    errs.extend(windows::validate_options(
        sc.windows_options.as_ref(),
        &sc_path.child("windowsOptions"),
    ));
    errs.extend(apparmor::validate_field(
        sc.app_armor_profile.as_ref(),
        &sc_path.child("appArmorProfile"),
    ));
    if let Some(policy) = &sc.supplemental_groups_policy
        && !matches!(policy.as_str(), "Merge" | "Strict")
    {
        errs.push(FieldError::not_supported(
            sc_path.child("supplementalGroupsPolicy"),
            GoJson::Str(policy.clone()),
            &["Merge", "Strict"],
        ));
    }
    if let Some(policy) = &sc.se_linux_change_policy {
        let path = sc_path.child("seLinuxChangePolicy");
        let value = GoJson::Str(policy.clone());
        if opts.allow_only_recursive_selinux_change_policy {
            if policy != "Recursive" {
                errs.push(FieldError::not_supported(path, value, &["Recursive"]));
            }
        } else if !matches!(policy.as_str(), "Recursive" | "MountOption") {
            errs.push(FieldError::not_supported(
                path,
                value,
                &["MountOption", "Recursive"],
            ));
        }
    }
    errs
}

/// `validateSysctls`: per entry, the name (required, then format, then uniqueness among the
/// names seen so far), then — unless `allow_namespaced_sysctls_for_host_net_and_host_ipc` — the
/// host namespace conflict, which is checked even when the name is invalid.
fn validate_sysctls(spec: &PodSpec, path: &FieldPath, opts: &ValidationOptions) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut names: HashSet<&str> = HashSet::new();
    let sysctls = spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.sysctls.as_ref());
    for (i, s) in sysctls.into_iter().flatten().enumerate() {
        let name_path = path.index(i).child("name");
        if s.name.is_empty() {
            errs.push(FieldError::required(name_path.clone(), ""));
        } else if !is_valid_sysctl_name(&s.name) {
            errs.push(FieldError::invalid(
                name_path.clone(),
                s.name.as_str(),
                &format!(
                    "must have at most {SYSCTL_MAX_LENGTH} characters and match regex {SYSCTL_NAME_REGEX}"
                ),
            ));
        } else if names.contains(s.name.as_str()) {
            errs.push(FieldError::duplicate(name_path.clone(), s.name.as_str()));
        }
        if !opts.allow_namespaced_sysctls_for_host_net_and_host_ipc {
            errs.extend(validate_host_sysctl(spec, &s.name, name_path));
        }
        names.insert(&s.name);
    }
    errs
}

/// `ValidateHostSysctl`: a net sysctl under `hostNetwork`, or an IPC one under `hostIPC`.
fn validate_host_sysctl(spec: &PodSpec, name: &str, path: FieldPath) -> Option<FieldError> {
    match namespace_of(name) {
        SysctlNamespace::Net if host_network(spec) => Some(FieldError::invalid(
            path,
            name,
            "may not be specified when 'hostNetwork' is true",
        )),
        SysctlNamespace::Ipc if host_ipc(spec) => Some(FieldError::invalid(
            path,
            name,
            "may not be specified when 'hostIPC' is true",
        )),
        _ => None,
    }
}
