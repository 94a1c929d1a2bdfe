//! The kubelet's effective security context (`DetermineEffectiveSecurityContext`): pod-level
//! `runAsUser`, `runAsGroup`, `runAsNonRoot`, `seLinuxOptions` and `windowsOptions` are inherited,
//! each overridden by the container's own value when set. Nothing else is inherited: pod-level
//! seccomp, AppArmor, supplemental groups, fsGroup and sysctls are handled separately.

use k8s_openapi::api::core::v1::{
    Capabilities, PodSecurityContext, SELinuxOptions, SecurityContext,
};

use super::container::ContainerRef;
use super::fact::Source;

/// A value of the effective context and the field it came from.
#[derive(Clone, Debug)]
pub struct FromField<T> {
    /// The value.
    pub value: T,
    /// The field.
    pub source: Source,
}

/// The merged context of one container.
#[derive(Clone, Debug, Default)]
pub struct EffectiveContext<'a> {
    /// `runAsUser`.
    pub run_as_user: Option<FromField<i64>>,
    /// `runAsGroup`.
    pub run_as_group: Option<FromField<i64>>,
    /// `runAsNonRoot`.
    pub run_as_non_root: Option<FromField<bool>>,
    /// `seLinuxOptions` (the container's replaces the pod's wholesale).
    pub se_linux: Option<FromField<&'a SELinuxOptions>>,
    /// `capabilities` (container only).
    pub capabilities: Option<FromField<&'a Capabilities>>,
    /// `privileged` (container only).
    pub privileged: Option<FromField<bool>>,
    /// `readOnlyRootFilesystem` (container only).
    pub read_only_root_filesystem: Option<FromField<bool>>,
    /// `allowPrivilegeEscalation` (container only).
    pub allow_privilege_escalation: Option<FromField<bool>>,
    /// `procMount` (container only).
    pub proc_mount: Option<FromField<&'a str>>,
}

/// `path` is the whole static field path, so the source costs no allocation.
fn pod_field<T>(value: Option<T>, path: &'static str) -> Option<FromField<T>> {
    value.map(|value| FromField {
        value,
        source: Source::PodField(path.into()),
    })
}

fn container_field<T>(
    value: Option<T>,
    container: &ContainerRef<'_>,
    name: &'static str,
) -> Option<FromField<T>> {
    value.map(|value| FromField {
        value,
        source: Source::ContainerField(container.security_field(name)),
    })
}

/// Merges the pod's and the container's security contexts as the kubelet does.
pub fn effective<'a>(
    pod: Option<&'a PodSecurityContext>,
    container: &ContainerRef<'a>,
) -> EffectiveContext<'a> {
    let mut eff = EffectiveContext::default();
    if let Some(p) = pod {
        eff.run_as_user = pod_field(p.run_as_user, "spec.securityContext.runAsUser");
        eff.run_as_group = pod_field(p.run_as_group, "spec.securityContext.runAsGroup");
        eff.run_as_non_root = pod_field(p.run_as_non_root, "spec.securityContext.runAsNonRoot");
        eff.se_linux = pod_field(
            p.se_linux_options.as_ref(),
            "spec.securityContext.seLinuxOptions",
        );
    }
    if let Some(c) = container.security_context {
        let sc: &'a SecurityContext = c;
        if let Some(v) = container_field(sc.run_as_user, container, "runAsUser") {
            eff.run_as_user = Some(v);
        }
        if let Some(v) = container_field(sc.run_as_group, container, "runAsGroup") {
            eff.run_as_group = Some(v);
        }
        if let Some(v) = container_field(sc.run_as_non_root, container, "runAsNonRoot") {
            eff.run_as_non_root = Some(v);
        }
        if let Some(v) = container_field(sc.se_linux_options.as_ref(), container, "seLinuxOptions")
        {
            eff.se_linux = Some(v);
        }
        eff.capabilities = container_field(sc.capabilities.as_ref(), container, "capabilities");
        eff.privileged = container_field(sc.privileged, container, "privileged");
        eff.read_only_root_filesystem = container_field(
            sc.read_only_root_filesystem,
            container,
            "readOnlyRootFilesystem",
        );
        eff.allow_privilege_escalation = container_field(
            sc.allow_privilege_escalation,
            container,
            "allowPrivilegeEscalation",
        );
        eff.proc_mount = container_field(sc.proc_mount.as_deref(), container, "procMount");
    }
    eff
}
