//! The remedies of each Pod Security check, one file per check (as `pss::checks`): from a
//! violation and the pod it was found in, the field changes that satisfy it.

mod allow_privilege_escalation;
mod app_armor_profile;
mod capabilities_baseline;
mod capabilities_restricted;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes_and_host_lifecycle;
mod identity;
mod privileged;
mod proc_mount;
mod restricted_volumes;
mod se_linux_options;
mod seccomp_profile;
mod sysctls;
mod windows_host_process;

use k8s_openapi::api::core::v1::{PodSpec, SecurityContext};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::remedy::Remedy;
use crate::image::ImageInfo;
use crate::path::{FieldPath, Segment};
use crate::pss::Violation;
use crate::pss::visit::{ContainerId, ContainerKind};

/// What a remedy is computed from.
pub struct Ctx<'a, 'i> {
    /// The pod template's metadata.
    pub meta: &'a ObjectMeta,
    /// The spec as admission sees it (after API defaulting).
    pub spec: &'a PodSpec,
    /// The spec as written.
    pub written: &'a PodSpec,
    /// The images' data, by the reference a container names.
    pub images: &'a dyn Fn(&str) -> Option<&'i ImageInfo>,
}

/// Whether `fix` has a remedy for a finding of `check` (every check but the volumes and
/// Windows HostProcess ones, which are never fixed; a remedy may still need an opt-in or the
/// image).
pub fn has_remedy(check: &str) -> bool {
    !matches!(
        check,
        "hostPathVolumes" | "restrictedVolumes" | "windowsHostProcess"
    )
}

/// Pushes the remedies of violation `v` onto `out`.
pub fn remedies(ctx: &Ctx<'_, '_>, v: &Violation, out: &mut Vec<Remedy>) {
    let f = match v.check_id {
        "allowPrivilegeEscalation" => allow_privilege_escalation::remedies,
        "appArmorProfile" => app_armor_profile::remedies,
        "capabilities_baseline" => capabilities_baseline::remedies,
        "capabilities_restricted" => capabilities_restricted::remedies,
        "hostNamespaces" => host_namespaces::remedies,
        "hostPathVolumes" => host_path_volumes::remedies,
        "hostPorts" => host_ports::remedies,
        "hostProbesAndHostLifecycle" => host_probes_and_host_lifecycle::remedies,
        "privileged" => privileged::remedies,
        "procMount" | "procMount_restricted" => proc_mount::remedies,
        "restrictedVolumes" => restricted_volumes::remedies,
        "runAsNonRoot" | "runAsUser" => identity::remedies,
        "seLinuxOptions" => se_linux_options::remedies,
        "seccompProfile_baseline" | "seccompProfile_restricted" => seccomp_profile::remedies,
        "sysctls" => sysctls::remedies,
        "windowsHostProcess" => windows_host_process::remedies,
        _ => {
            out.push(Remedy::not_fixable(
                v.check_id,
                FieldPath::new("spec"),
                "secctx knows no remedy for this check",
            ));
            return;
        }
    };
    f(ctx, v, out);
}

/// `spec.<kind>[index].<dotted>`.
pub(crate) fn container_path(id: ContainerId, dotted: &str) -> FieldPath {
    let mut p = FieldPath::new("spec")
        .child(id.kind.field())
        .index(id.index);
    for part in dotted.split('.').filter(|s| !s.is_empty()) {
        p = p.child(part);
    }
    p
}

/// The path without its last segment (a list item's path for `items[3].name`).
pub(crate) fn parent(p: &FieldPath) -> FieldPath {
    let segs = p.segments();
    let mut out = FieldPath::root();
    for s in &segs[..segs.len().saturating_sub(1)] {
        out = match s {
            Segment::Field(f) => out.child(f),
            Segment::Index(i) => out.index(*i),
            Segment::Key(k) => out.key(k),
        };
    }
    out
}

/// The container's security context, if it has one.
pub(crate) fn container_sc(spec: &PodSpec, id: ContainerId) -> Option<&SecurityContext> {
    match id.kind {
        ContainerKind::Init => spec
            .init_containers
            .as_deref()?
            .get(id.index)?
            .security_context
            .as_ref(),
        ContainerKind::Regular => spec.containers.get(id.index)?.security_context.as_ref(),
        ContainerKind::Ephemeral => spec
            .ephemeral_containers
            .as_deref()?
            .get(id.index)?
            .security_context
            .as_ref(),
    }
}

/// The container's image reference (empty when unset).
pub(crate) fn container_image(spec: &PodSpec, id: ContainerId) -> &str {
    match id.kind {
        ContainerKind::Init => spec
            .init_containers
            .as_deref()
            .and_then(|l| l.get(id.index))
            .and_then(|c| c.image.as_deref()),
        ContainerKind::Regular => spec
            .containers
            .get(id.index)
            .and_then(|c| c.image.as_deref()),
        ContainerKind::Ephemeral => spec
            .ephemeral_containers
            .as_deref()
            .and_then(|l| l.get(id.index))
            .and_then(|c| c.image.as_deref()),
    }
    .unwrap_or("")
}

/// The container's name (empty when it has none).
pub(crate) fn container_name(spec: &PodSpec, id: ContainerId) -> &str {
    id.name(spec).unwrap_or("")
}
