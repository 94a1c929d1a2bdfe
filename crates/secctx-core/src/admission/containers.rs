//! One view over init, regular and ephemeral containers: the fields SCC admission reads and
//! writes, with the path each kind renders (`initContainers[i]`, `containers[i]`,
//! `ephemeralContainers[i]`), in the order admission visits them.

use k8s_openapi::api::core::v1::{ContainerPort, PodSecurityContext, PodSpec, SecurityContext};

/// A container of any kind, mutable.
pub struct ContainerMut<'a> {
    /// `initContainers`, `containers` or `ephemeralContainers`.
    pub list: &'static str,
    /// Index in its list.
    pub index: usize,
    /// Its name.
    pub name: &'a str,
    /// Its security context.
    pub sc: &'a mut Option<SecurityContext>,
}

/// Every container, init first, then regular, then ephemeral.
pub fn containers_mut(spec: &mut PodSpec) -> Vec<ContainerMut<'_>> {
    split_mut(spec).1
}

/// The pod security context and every container, init first, then regular, then ephemeral.
pub fn split_mut(spec: &mut PodSpec) -> (&mut Option<PodSecurityContext>, Vec<ContainerMut<'_>>) {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter_mut().flatten().enumerate() {
        out.push(ContainerMut {
            list: "initContainers",
            index: i,
            name: &c.name,
            sc: &mut c.security_context,
        });
    }
    for (i, c) in spec.containers.iter_mut().enumerate() {
        out.push(ContainerMut {
            list: "containers",
            index: i,
            name: &c.name,
            sc: &mut c.security_context,
        });
    }
    for (i, c) in spec.ephemeral_containers.iter_mut().flatten().enumerate() {
        out.push(ContainerMut {
            list: "ephemeralContainers",
            index: i,
            name: &c.name,
            sc: &mut c.security_context,
        });
    }
    (&mut spec.security_context, out)
}

/// A container of any kind, read-only.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'a> {
    /// `initContainers`, `containers` or `ephemeralContainers`.
    pub list: &'static str,
    /// Index in its list.
    pub index: usize,
    /// Its name.
    pub name: &'a str,
    /// Its security context.
    pub sc: Option<&'a SecurityContext>,
    /// Its ports.
    pub ports: &'a [ContainerPort],
}

/// Every container, in admission's order.
pub fn containers(spec: &PodSpec) -> Vec<ContainerRef<'_>> {
    let mut out = Vec::new();
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push(ContainerRef {
            list: "initContainers",
            index: i,
            name: &c.name,
            sc: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or(&[]),
        });
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push(ContainerRef {
            list: "containers",
            index: i,
            name: &c.name,
            sc: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or(&[]),
        });
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        out.push(ContainerRef {
            list: "ephemeralContainers",
            index: i,
            name: &c.name,
            sc: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or(&[]),
        });
    }
    out
}
