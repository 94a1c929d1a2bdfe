//! `spec.os`: the OS name itself (`validateOS`), then, when it is valid, the fields a Linux pod
//! (`validateLinux`) or a Windows pod (`validateWindows`) may not set.

use k8s_openapi::api::core::v1::PodSpec;

use crate::path::FieldPath;

use super::error::FieldError;
use super::gojson::GoJson;
use super::visit::{host_ipc, host_pid, in_visit_order};

const LINUX_DETAIL: &str = "windows options cannot be set for a linux pod";
const WINDOWS_DETAIL: &str = "cannot be set for a windows pod";

/// The `spec.os` part of `ValidatePodSpec`: nothing without `spec.os`; the OS errors if the
/// name is empty or unknown; otherwise the Linux or Windows restrictions.
pub fn validate(spec: &PodSpec, spec_path: &FieldPath) -> Vec<FieldError> {
    let Some(os) = &spec.os else {
        return Vec::new();
    };
    let os_path = spec_path.child("os");
    if os.name.is_empty() {
        return vec![FieldError::required(
            os_path.child("name"),
            "cannot be empty",
        )];
    }
    match os.name.as_str() {
        "linux" => validate_linux(spec, spec_path),
        "windows" => validate_windows(spec, spec_path),
        other => vec![FieldError::not_supported(
            os_path,
            GoJson::Str(other.to_string()),
            &["linux", "windows"],
        )],
    }
}

/// `validateLinux`: no `windowsOptions` anywhere.
fn validate_linux(spec: &PodSpec, spec_path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if spec
        .security_context
        .as_ref()
        .is_some_and(|sc| sc.windows_options.is_some())
    {
        errs.push(FieldError::forbidden(
            spec_path.child("securityContext").child("windowsOptions"),
            LINUX_DETAIL,
        ));
    }
    for c in in_visit_order(spec, spec_path) {
        if c.security_context
            .is_some_and(|sc| sc.windows_options.is_some())
        {
            errs.push(FieldError::forbidden(
                c.path.child("securityContext").child("windowsOptions"),
                LINUX_DETAIL,
            ));
        }
    }
    errs
}

/// `validateWindows`: the Linux-only pod and container fields, in upstream's order. The internal
/// pod security context always exists (defaulted), so the pod-level host fields are checked even
/// without a `securityContext` in the manifest.
fn validate_windows(spec: &PodSpec, spec_path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let sc_path = spec_path.child("securityContext");
    let sc = spec.security_context.clone().unwrap_or_default();
    let mut forbid = |cond: bool, path: FieldPath| {
        if cond {
            errs.push(FieldError::forbidden(path, WINDOWS_DETAIL));
        }
    };
    forbid(
        sc.app_armor_profile.is_some(),
        sc_path.child("appArmorProfile"),
    );
    forbid(
        sc.se_linux_options.is_some(),
        sc_path.child("seLinuxOptions"),
    );
    forbid(spec.host_users.is_some(), spec_path.child("hostUsers"));
    forbid(host_pid(spec), spec_path.child("hostPID"));
    forbid(host_ipc(spec), spec_path.child("hostIPC"));
    forbid(
        sc.seccomp_profile.is_some(),
        sc_path.child("seccompProfile"),
    );
    forbid(sc.fs_group.is_some(), sc_path.child("fsGroup"));
    forbid(
        sc.fs_group_change_policy.is_some(),
        sc_path.child("fsGroupChangePolicy"),
    );
    forbid(
        sc.sysctls.as_ref().is_some_and(|s| !s.is_empty()),
        sc_path.child("sysctls"),
    );
    forbid(
        spec.share_process_namespace.is_some(),
        spec_path.child("shareProcessNamespace"),
    );
    forbid(sc.run_as_user.is_some(), sc_path.child("runAsUser"));
    forbid(sc.run_as_group.is_some(), sc_path.child("runAsGroup"));
    forbid(
        sc.supplemental_groups.is_some(),
        sc_path.child("supplementalGroups"),
    );
    forbid(
        sc.supplemental_groups_policy.is_some(),
        sc_path.child("supplementalGroupsPolicy"),
    );
    forbid(
        sc.se_linux_change_policy.is_some(),
        sc_path.child("seLinuxChangePolicy"),
    );

    for c in in_visit_order(spec, spec_path) {
        let Some(sc) = c.security_context else {
            continue;
        };
        let p = c.path.child("securityContext");
        forbid(sc.app_armor_profile.is_some(), p.child("appArmorProfile"));
        forbid(sc.se_linux_options.is_some(), p.child("seLinuxOptions"));
        forbid(sc.seccomp_profile.is_some(), p.child("seccompProfile"));
        forbid(sc.capabilities.is_some(), p.child("capabilities"));
        forbid(
            sc.read_only_root_filesystem.is_some(),
            p.child("readOnlyRootFilesystem"),
        );
        forbid(sc.privileged.is_some(), p.child("privileged"));
        forbid(
            sc.allow_privilege_escalation.is_some(),
            p.child("allowPrivilegeEscalation"),
        );
        forbid(sc.proc_mount.is_some(), p.child("procMount"));
        forbid(sc.run_as_user.is_some(), p.child("runAsUser"));
        forbid(sc.run_as_group.is_some(), p.child("runAsGroup"));
    }
    errs
}
