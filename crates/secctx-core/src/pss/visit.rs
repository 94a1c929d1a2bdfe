//! The one container visitor every check uses (PSA `policy/visitor.go`), and the field-path
//! helpers that locate findings.
//!
//! Containers are visited in the order **initContainers, containers, ephemeralContainers**.
//!
//! # Locating findings
//!
//! Findings are [`Location`]s (convertible to `FieldPath`), rooted at the pod object:
//! `spec.containers[0].securityContext.privileged`, `spec.volumes[1].hostPath`,
//! `metadata.annotations[<key>]`. For a pod template (Deployment, …) join them onto the
//! template's path (`spec.template`).
//!
//! When the offending thing is a value that is present, the path names that value (the list
//! element for `capabilities.add[1]`, the `host` of a probe, the volume source of a volume). When
//! the offending thing is a **missing** field (e.g. `allowPrivilegeEscalation` unset), the path
//! names its **nearest existing ancestor**: the field's parent object if it exists (e.g.
//! `spec.containers[0].securityContext`), else the next one up, ending at the container itself
//! (`spec.containers[0]`) or at `spec` for pod-level fields. See [`nearest`].
//!
//! | finding | location |
//! |---|---|
//! | `allowPrivilegeEscalation` unset, no `securityContext` | `spec.containers[0]` |
//! | `allowPrivilegeEscalation` unset | `spec.containers[0].securityContext` |
//! | `allowPrivilegeEscalation: true` | `spec.containers[0].securityContext.allowPrivilegeEscalation` |
//! | `capabilities` without `drop` | `spec.containers[0].securityContext.capabilities` |
//! | `runAsNonRoot` unset on pod and container | `spec.securityContext` (or `spec`), and each container as above |
//! | forbidden added capability | `spec.containers[0].securityContext.capabilities.add[1]` |
//! | volume with no known source | `spec.volumes[2]` |

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EphemeralContainer, Lifecycle, PodSpec, Probe, SecurityContext,
};

use super::location::{Location, prefix};

/// Which list of the pod spec a container comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    /// `spec.initContainers`.
    Init,
    /// `spec.containers`.
    Regular,
    /// `spec.ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The JSON field name of the list.
    pub const fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// Which container: its list and its index there (unique even if names repeat).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContainerId {
    /// The list it comes from.
    pub kind: ContainerKind,
    /// Its index in that list.
    pub index: usize,
}

impl ContainerId {
    /// `spec.<kind>[index]`.
    pub fn path(&self) -> Location {
        Location::container(self.kind, self.index, "")
    }

    /// The container's name in `spec` (the spec this id was found in).
    pub fn name<'a>(&self, spec: &'a PodSpec) -> Option<&'a str> {
        match self.kind {
            ContainerKind::Init => spec
                .init_containers
                .as_deref()?
                .get(self.index)
                .map(|c| c.name.as_str()),
            ContainerKind::Regular => spec.containers.get(self.index).map(|c| c.name.as_str()),
            ContainerKind::Ephemeral => spec
                .ephemeral_containers
                .as_deref()?
                .get(self.index)
                .map(|c| c.name.as_str()),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Inner<'a> {
    Container(&'a Container),
    Ephemeral(&'a EphemeralContainer),
}

/// A borrowed view of one container of any kind (PSA converts ephemeral containers to
/// `Container`; we view both through the same accessors).
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'a> {
    /// The list it comes from.
    pub kind: ContainerKind,
    /// Its index in that list.
    pub index: usize,
    /// `name`.
    pub name: &'a str,
    /// `securityContext`.
    pub security_context: Option<&'a SecurityContext>,
    inner: Inner<'a>,
}

impl<'a> ContainerRef<'a> {
    /// `ports` (empty when unset).
    pub fn ports(&self) -> &'a [ContainerPort] {
        match self.inner {
            Inner::Container(c) => c.ports.as_deref(),
            Inner::Ephemeral(c) => c.ports.as_deref(),
        }
        .unwrap_or(&[])
    }

    /// `livenessProbe`, `readinessProbe`, `startupProbe`, with their field names.
    pub fn probes(&self) -> [(&'static str, Option<&'a Probe>); 3] {
        let (l, r, s) = match self.inner {
            Inner::Container(c) => (&c.liveness_probe, &c.readiness_probe, &c.startup_probe),
            Inner::Ephemeral(c) => (&c.liveness_probe, &c.readiness_probe, &c.startup_probe),
        };
        [
            ("livenessProbe", l.as_ref()),
            ("readinessProbe", r.as_ref()),
            ("startupProbe", s.as_ref()),
        ]
    }

    /// `lifecycle`.
    pub fn lifecycle(&self) -> Option<&'a Lifecycle> {
        match self.inner {
            Inner::Container(c) => c.lifecycle.as_ref(),
            Inner::Ephemeral(c) => c.lifecycle.as_ref(),
        }
    }

    /// `spec.<kind>[index]`.
    pub fn path(&self) -> Location {
        Location::container(self.kind, self.index, "")
    }

    /// Its [`ContainerId`].
    pub fn id(&self) -> ContainerId {
        ContainerId {
            kind: self.kind,
            index: self.index,
        }
    }

    /// `spec.<kind>[index].<dotted>`, e.g. `c.sub("securityContext.privileged")`.
    pub fn sub(&self, dotted: &'static str) -> Location {
        Location::container(self.kind, self.index, dotted)
    }

    /// `spec.<kind>[index].<full>` with `full` starting at `securityContext`, cut at the first
    /// absent component (see [`nearest`]). `present[i]` tells whether component `i + 1` of
    /// `full` exists; the presence of `securityContext` itself is known.
    pub fn security_context_path(&self, full: &'static str, present: &[bool]) -> Location {
        let depth = nearest(self.security_context.is_some(), present);
        self.sub(prefix(full, depth))
    }
}

/// Every container of the pod, in PSA's order: init, regular, ephemeral.
pub fn containers(spec: &PodSpec) -> impl Iterator<Item = ContainerRef<'_>> + Clone {
    fn plain(kind: ContainerKind) -> impl Fn((usize, &Container)) -> ContainerRef<'_> + Clone {
        move |(index, c)| ContainerRef {
            kind,
            index,
            name: &c.name,
            security_context: c.security_context.as_ref(),
            inner: Inner::Container(c),
        }
    }
    let init = spec.init_containers.as_deref().unwrap_or(&[]);
    let ephemeral = spec.ephemeral_containers.as_deref().unwrap_or(&[]);
    let ephemeral = ephemeral.iter().enumerate().map(|(index, c)| ContainerRef {
        kind: ContainerKind::Ephemeral,
        index,
        name: &c.name,
        security_context: c.security_context.as_ref(),
        inner: Inner::Ephemeral(c),
    });
    init.iter()
        .enumerate()
        .map(plain(ContainerKind::Init))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(plain(ContainerKind::Regular)),
        )
        .chain(ephemeral)
}

/// How many leading components of a path exist: 0 if the first is absent, else 1 plus the
/// number of leading `true`s of `rest`. The nearest-existing-ancestor rule of this module.
pub fn nearest(first: bool, rest: &[bool]) -> usize {
    if !first {
        return 0;
    }
    1 + rest.iter().take_while(|present| **present).count()
}

/// `spec.<full>` for a pod-level field, `full` starting at `securityContext`, cut at the first
/// absent component (see [`ContainerRef::security_context_path`]).
pub fn pod_security_context_path(spec: &PodSpec, full: &'static str, present: &[bool]) -> Location {
    Location::spec(prefix(
        full,
        nearest(spec.security_context.is_some(), present),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_init_regular_ephemeral() {
        let spec: PodSpec = serde_json::from_value(serde_json::json!({
            "containers": [{"name": "c1"}, {"name": "c2"}],
            "initContainers": [{"name": "i1"}],
            "ephemeralContainers": [{"name": "e1"}],
        }))
        .unwrap();
        let seen: Vec<String> = containers(&spec)
            .map(|c| format!("{} {}", c.name, c.path()))
            .collect();
        assert_eq!(
            seen,
            [
                "i1 spec.initContainers[0]",
                "c1 spec.containers[0]",
                "c2 spec.containers[1]",
                "e1 spec.ephemeralContainers[0]"
            ]
        );
    }

    #[test]
    fn nearest_existing_ancestor() {
        let spec: PodSpec = serde_json::from_value(serde_json::json!({
            "containers": [{"name": "a"}, {"name": "b", "securityContext": {}}],
        }))
        .unwrap();
        let cs: Vec<_> = containers(&spec).collect();
        let full = "securityContext.allowPrivilegeEscalation";
        assert_eq!(
            cs[0].security_context_path(full, &[false]).to_string(),
            "spec.containers[0]"
        );
        assert_eq!(
            cs[1].security_context_path(full, &[false]).to_string(),
            "spec.containers[1].securityContext"
        );
        assert_eq!(
            cs[1].security_context_path(full, &[true]).to_string(),
            "spec.containers[1].securityContext.allowPrivilegeEscalation"
        );
        assert_eq!(
            pod_security_context_path(&spec, "securityContext.runAsNonRoot", &[false]).to_string(),
            "spec"
        );
        assert_eq!(nearest(true, &[true, false, true]), 2);
    }
}
