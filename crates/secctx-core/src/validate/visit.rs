//! The containers of a pod spec with their paths, in the two orders upstream uses, and the
//! pod-level values the internal `core.PodSecurityContext` holds.
//!
//! - `ValidatePodSpec` validates `containers`, then `initContainers`, then
//!   `ephemeralContainers` ([`in_validation_order`]).
//! - `podshelper.VisitContainersWithPath` / `podutil.VisitContainers` walk `initContainers`,
//!   `containers`, `ephemeralContainers` ([`in_visit_order`]); the OS checks, hostProcess, the
//!   annotation/field consistency checks and the AppArmor version skew use that order.

use k8s_openapi::api::core::v1::{PodSpec, SecurityContext, VolumeMount};

use crate::path::FieldPath;

/// One container of any kind, seen the way validation sees it.
#[derive(Clone, Debug)]
pub struct ContainerRef<'a> {
    /// `name`.
    pub name: &'a str,
    /// `securityContext`.
    pub security_context: Option<&'a SecurityContext>,
    /// `volumeMounts`.
    pub volume_mounts: &'a [VolumeMount],
    /// `<spec>.containers[i]`, `<spec>.initContainers[i]` or `<spec>.ephemeralContainers[i]`.
    pub path: FieldPath,
}

fn regular<'a>(spec: &'a PodSpec, spec_path: &FieldPath) -> impl Iterator<Item = ContainerRef<'a>> {
    let base = spec_path.child("containers");
    spec.containers
        .iter()
        .enumerate()
        .map(move |(i, c)| ContainerRef {
            name: &c.name,
            security_context: c.security_context.as_ref(),
            volume_mounts: c.volume_mounts.as_deref().unwrap_or_default(),
            path: base.index(i),
        })
}

fn init<'a>(spec: &'a PodSpec, spec_path: &FieldPath) -> impl Iterator<Item = ContainerRef<'a>> {
    let base = spec_path.child("initContainers");
    spec.init_containers
        .iter()
        .flatten()
        .enumerate()
        .map(move |(i, c)| ContainerRef {
            name: &c.name,
            security_context: c.security_context.as_ref(),
            volume_mounts: c.volume_mounts.as_deref().unwrap_or_default(),
            path: base.index(i),
        })
}

fn ephemeral<'a>(
    spec: &'a PodSpec,
    spec_path: &FieldPath,
) -> impl Iterator<Item = ContainerRef<'a>> {
    let base = spec_path.child("ephemeralContainers");
    spec.ephemeral_containers
        .iter()
        .flatten()
        .enumerate()
        .map(move |(i, c)| ContainerRef {
            name: &c.name,
            security_context: c.security_context.as_ref(),
            volume_mounts: c.volume_mounts.as_deref().unwrap_or_default(),
            path: base.index(i),
        })
}

/// `containers`, `initContainers`, `ephemeralContainers` (`ValidatePodSpec`).
pub fn in_validation_order<'a>(spec: &'a PodSpec, spec_path: &FieldPath) -> Vec<ContainerRef<'a>> {
    regular(spec, spec_path)
        .chain(init(spec, spec_path))
        .chain(ephemeral(spec, spec_path))
        .collect()
}

/// `initContainers`, `containers`, `ephemeralContainers` (`VisitContainersWithPath`).
pub fn in_visit_order<'a>(spec: &'a PodSpec, spec_path: &FieldPath) -> Vec<ContainerRef<'a>> {
    init(spec, spec_path)
        .chain(regular(spec, spec_path))
        .chain(ephemeral(spec, spec_path))
        .collect()
}

/// Whether any container of any kind is called `name` (`podSpecHasContainer`).
pub fn has_container(spec: &PodSpec, name: &str) -> bool {
    in_visit_order(spec, &FieldPath::root())
        .iter()
        .any(|c| c.name == name)
}

/// `hostUsers` as validation reads it: true unless the pod says `hostUsers: false`.
pub fn host_users(spec: &PodSpec) -> bool {
    spec.host_users != Some(false)
}

/// `spec.hostNetwork` (internal `SecurityContext.HostNetwork`).
pub fn host_network(spec: &PodSpec) -> bool {
    spec.host_network == Some(true)
}

/// `spec.hostPID` (internal `SecurityContext.HostPID`).
pub fn host_pid(spec: &PodSpec) -> bool {
    spec.host_pid == Some(true)
}

/// `spec.hostIPC` (internal `SecurityContext.HostIPC`).
pub fn host_ipc(spec: &PodSpec) -> bool {
    spec.host_ipc == Some(true)
}
