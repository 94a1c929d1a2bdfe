//! The internal (`pkg/apis/core`) Go structs that some errors carry as their bad value,
//! rendered the way `json.Marshal` prints them: no json tags, so Go field names in
//! declaration order, every field present, `null` for nil pointers and nil slices.
//!
//! Field order follows `pkg/apis/core/types.go`, which mirrors `k8s.io/api/core/v1` (checked
//! against k8s.io/api as of 2026-07): `SecurityContext` is `Capabilities, Privileged,
//! SELinuxOptions, WindowsOptions, RunAsUser, RunAsGroup, RunAsNonRoot, ReadOnlyRootFilesystem,
//! AllowPrivilegeEscalation, ProcMount, SeccompProfile, AppArmorProfile`.
//!
//! The v1 → internal conversion copies slices as they are, so `add: []` stays an empty slice
//! (`[]`) while an absent or `null` `add` is a nil slice (`null`); k8s-openapi keeps the same
//! distinction as `Some(vec![])` versus `None`.

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Capabilities, SELinuxOptions, SeccompProfile, SecurityContext,
    WindowsSecurityContextOptions,
};

use super::gojson::GoJson;

/// `core.SecurityContext`.
pub fn security_context(sc: &SecurityContext) -> GoJson {
    GoJson::Object(vec![
        (
            "Capabilities",
            GoJson::ptr(sc.capabilities.as_ref(), capabilities),
        ),
        ("Privileged", GoJson::opt_bool(sc.privileged)),
        (
            "SELinuxOptions",
            GoJson::ptr(sc.se_linux_options.as_ref(), se_linux_options),
        ),
        (
            "WindowsOptions",
            GoJson::ptr(sc.windows_options.as_ref(), windows_options),
        ),
        ("RunAsUser", GoJson::opt_int(sc.run_as_user)),
        ("RunAsGroup", GoJson::opt_int(sc.run_as_group)),
        ("RunAsNonRoot", GoJson::opt_bool(sc.run_as_non_root)),
        (
            "ReadOnlyRootFilesystem",
            GoJson::opt_bool(sc.read_only_root_filesystem),
        ),
        (
            "AllowPrivilegeEscalation",
            GoJson::opt_bool(sc.allow_privilege_escalation),
        ),
        ("ProcMount", GoJson::opt_str(sc.proc_mount.as_ref())),
        (
            "SeccompProfile",
            GoJson::ptr(sc.seccomp_profile.as_ref(), seccomp_profile),
        ),
        (
            "AppArmorProfile",
            GoJson::ptr(sc.app_armor_profile.as_ref(), app_armor_profile),
        ),
    ])
}

/// `core.Capabilities`: `Add`, `Drop` (`[]Capability`).
pub fn capabilities(c: &Capabilities) -> GoJson {
    GoJson::Object(vec![
        ("Add", GoJson::opt_str_list(c.add.as_ref())),
        ("Drop", GoJson::opt_str_list(c.drop.as_ref())),
    ])
}

/// `core.SELinuxOptions`: four plain strings (`""` when absent).
pub fn se_linux_options(o: &SELinuxOptions) -> GoJson {
    let s = |v: &Option<String>| GoJson::Str(v.clone().unwrap_or_default());
    GoJson::Object(vec![
        ("User", s(&o.user)),
        ("Role", s(&o.role)),
        ("Type", s(&o.type_)),
        ("Level", s(&o.level)),
    ])
}

/// `core.WindowsSecurityContextOptions`.
pub fn windows_options(o: &WindowsSecurityContextOptions) -> GoJson {
    GoJson::Object(vec![
        (
            "GMSACredentialSpecName",
            GoJson::opt_str(o.gmsa_credential_spec_name.as_ref()),
        ),
        (
            "GMSACredentialSpec",
            GoJson::opt_str(o.gmsa_credential_spec.as_ref()),
        ),
        (
            "RunAsUserName",
            GoJson::opt_str(o.run_as_user_name.as_ref()),
        ),
        ("HostProcess", GoJson::opt_bool(o.host_process)),
    ])
}

/// `core.SeccompProfile`: `Type`, `LocalhostProfile`.
pub fn seccomp_profile(p: &SeccompProfile) -> GoJson {
    GoJson::Object(vec![
        ("Type", GoJson::Str(p.type_.clone())),
        (
            "LocalhostProfile",
            GoJson::opt_str(p.localhost_profile.as_ref()),
        ),
    ])
}

/// `core.AppArmorProfile`: `Type`, `LocalhostProfile`.
pub fn app_armor_profile(p: &AppArmorProfile) -> GoJson {
    GoJson::Object(vec![
        ("Type", GoJson::Str(p.type_.clone())),
        (
            "LocalhostProfile",
            GoJson::opt_str(p.localhost_profile.as_ref()),
        ),
    ])
}
