//! One view over init, regular and ephemeral containers, visited in that order (as PSA and the
//! kubelet do).

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvVar, EphemeralContainer, PodSpec, SecurityContext, VolumeMount,
};
use std::borrow::Cow;
use std::sync::OnceLock;

use serde::Serialize;

use crate::path::FieldPath;

/// Which list a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerKind {
    /// `spec.initContainers`.
    Init,
    /// `spec.containers`.
    Regular,
    /// `spec.ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The field name of the list.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// A borrowed view of any container.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'a> {
    /// Which list.
    pub kind: ContainerKind,
    /// Index in that list.
    pub index: usize,
    /// `name`.
    pub name: &'a str,
    /// `image` (empty if unset).
    pub image: &'a str,
    /// `securityContext`.
    pub security_context: Option<&'a SecurityContext>,
    /// `command`.
    pub command: Option<&'a [String]>,
    /// `args`.
    pub args: Option<&'a [String]>,
    /// `env`.
    pub env: Option<&'a [EnvVar]>,
    /// `workingDir`.
    pub working_dir: Option<&'a str>,
    /// `volumeMounts`.
    pub volume_mounts: Option<&'a [VolumeMount]>,
    /// `ports`.
    pub ports: Option<&'a [ContainerPort]>,
    /// `restartPolicy` (sidecar init containers).
    pub restart_policy: Option<&'a str>,
}

impl<'a> ContainerRef<'a> {
    fn regular(kind: ContainerKind, index: usize, c: &'a Container) -> ContainerRef<'a> {
        ContainerRef {
            kind,
            index,
            name: &c.name,
            image: c.image.as_deref().unwrap_or(""),
            security_context: c.security_context.as_ref(),
            command: c.command.as_deref(),
            args: c.args.as_deref(),
            env: c.env.as_deref(),
            working_dir: c.working_dir.as_deref(),
            volume_mounts: c.volume_mounts.as_deref(),
            ports: c.ports.as_deref(),
            restart_policy: c.restart_policy.as_deref(),
        }
    }

    fn ephemeral(index: usize, c: &'a EphemeralContainer) -> ContainerRef<'a> {
        ContainerRef {
            kind: ContainerKind::Ephemeral,
            index,
            name: &c.name,
            image: c.image.as_deref().unwrap_or(""),
            security_context: c.security_context.as_ref(),
            command: c.command.as_deref(),
            args: c.args.as_deref(),
            env: c.env.as_deref(),
            working_dir: c.working_dir.as_deref(),
            volume_mounts: c.volume_mounts.as_deref(),
            ports: c.ports.as_deref(),
            restart_policy: c.restart_policy.as_deref(),
        }
    }

    /// The container's path: `spec.initContainers[0]`, `spec.containers[1]`, ...
    pub fn path(&self) -> FieldPath {
        FieldPath::new("spec")
            .child(self.kind.field())
            .index(self.index)
    }

    /// [`ContainerRef::path`] with `.<rest>` appended, rendered directly (no [`FieldPath`]
    /// built: resolution renders a few of these per container).
    pub(crate) fn path_to(&self, rest: &str) -> String {
        let mut s = format!("spec.{}[{}]", self.kind.field(), self.index);
        if !rest.is_empty() {
            s.push('.');
            s.push_str(rest);
        }
        s
    }

    /// [`ContainerRef::path_to`] with nothing appended, borrowed from [`Self::rendered_once`]
    /// for the first [`STATIC_INDICES`] containers of each list.
    pub(crate) fn path_static(&self) -> Cow<'static, str> {
        match self.rendered_once(0) {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(self.path_to("")),
        }
    }

    /// [`ContainerRef::path_to`] for `securityContext.<field>`, borrowed from
    /// [`Self::rendered_once`] for the first [`STATIC_INDICES`] containers of each list and the
    /// fields resolution names as provenance, rendered for any other container or field.
    pub(crate) fn security_field(&self, field: &'static str) -> Cow<'static, str> {
        let rendered = SECURITY_FIELDS
            .iter()
            .position(|f| *f == field)
            .and_then(|f| self.rendered_once(1 + f));
        match rendered {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(self.path_to(&format!("securityContext.{field}"))),
        }
    }

    /// This container's path with suffix number `slot` appended (0: none, `1 + f`:
    /// `securityContext.<SECURITY_FIELDS[f]>`), from one table rendered once for every list
    /// and the first [`STATIC_INDICES`] containers of each; `None` past them.
    fn rendered_once(&self, slot: usize) -> Option<&'static str> {
        const SLOTS: usize = 1 + SECURITY_FIELDS.len();
        static TABLE: OnceLock<Vec<String>> = OnceLock::new();
        if self.index >= STATIC_INDICES {
            return None;
        }
        let table = TABLE.get_or_init(|| {
            let mut t = Vec::with_capacity(3 * STATIC_INDICES * SLOTS);
            for kind in [
                ContainerKind::Init,
                ContainerKind::Regular,
                ContainerKind::Ephemeral,
            ] {
                for index in 0..STATIC_INDICES {
                    let c = ContainerRef {
                        kind,
                        index,
                        ..*self
                    };
                    t.push(c.path_to(""));
                    for field in SECURITY_FIELDS {
                        t.push(c.path_to(&format!("securityContext.{field}")));
                    }
                }
            }
            t
        });
        let at = (self.kind as usize * STATIC_INDICES + self.index) * SLOTS + slot;
        Some(table[at].as_str())
    }
}

/// Containers per list whose provenance paths are rendered once ([`ContainerRef::security_field`]).
const STATIC_INDICES: usize = 8;

/// The `securityContext` fields named as provenance.
const SECURITY_FIELDS: [&str; 11] = [
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "seLinuxOptions",
    "capabilities",
    "privileged",
    "readOnlyRootFilesystem",
    "allowPrivilegeEscalation",
    "procMount",
    "appArmorProfile",
    "seccompProfile",
];

/// Every container of the pod: init, regular, ephemeral.
pub fn all_containers(spec: &PodSpec) -> impl Iterator<Item = ContainerRef<'_>> {
    let init = spec.init_containers.iter().flatten().enumerate();
    let regular = spec.containers.iter().enumerate();
    let ephemeral = spec.ephemeral_containers.iter().flatten().enumerate();
    init.map(|(i, c)| ContainerRef::regular(ContainerKind::Init, i, c))
        .chain(regular.map(|(i, c)| ContainerRef::regular(ContainerKind::Regular, i, c)))
        .chain(ephemeral.map(|(i, c)| ContainerRef::ephemeral(i, c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_to_renders_like_field_path() {
        let spec = PodSpec {
            init_containers: Some(vec![Container::default()]),
            containers: vec![Container::default(), Container::default()],
            ..PodSpec::default()
        };
        for c in all_containers(&spec) {
            assert_eq!(c.path_to(""), c.path().to_string());
            assert_eq!(c.path_static(), c.path_to(""));
            assert_eq!(
                c.path_to("securityContext.seccompProfile"),
                c.path()
                    .child("securityContext")
                    .child("seccompProfile")
                    .to_string()
            );
            assert_eq!(
                c.security_field("seccompProfile"),
                c.path_to("securityContext.seccompProfile")
            );
            assert_eq!(
                c.security_field("other"),
                c.path_to("securityContext.other")
            );
        }
    }
}
