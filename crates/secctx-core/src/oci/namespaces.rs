//! `linux.namespaces` and `hostname`: containerd's default pid, ipc, uts, mount, network; a
//! host namespace (`hostNetwork` → network and uts, `hostPID`, `hostIPC`) is left out; with a
//! sandbox the others are joined from `/proc/<pid>/ns/*` (`WithPodNamespaces`; pid only with
//! `shareProcessNamespace`); a cgroup namespace for non-privileged containers on cgroup v2;
//! a user namespace with a 65536-id mapping for `hostUsers: false`.

use oci_spec::runtime::{
    LinuxIdMapping, LinuxIdMappingBuilder, LinuxNamespace, LinuxNamespaceType,
};

use super::options::RenderOptions;
use crate::resolve::ResolvedPod;

/// The size of the pod's id range with `hostUsers: false`.
pub const USERNS_SIZE: u32 = 65536;

fn ns(typ: LinuxNamespaceType, path: Option<String>) -> LinuxNamespace {
    let mut n = LinuxNamespace::default();
    n.set_typ(typ);
    n.set_path(path.map(Into::into));
    n
}

/// The namespaces of the container.
pub fn namespaces(
    pod: &ResolvedPod,
    privileged: bool,
    opts: &RenderOptions,
    notes: &mut Vec<String>,
) -> Vec<LinuxNamespace> {
    let n = &pod.namespaces;
    let join = |name: &str, shared: bool| -> Option<String> {
        match opts.sandbox_pid {
            Some(pid) if shared => Some(format!("/proc/{pid}/ns/{name}")),
            _ => None,
        }
    };
    let mut out = Vec::new();
    if n.pid != "host" {
        out.push(ns(LinuxNamespaceType::Pid, join("pid", n.pid == "pod")));
    }
    if n.ipc != "host" {
        out.push(ns(LinuxNamespaceType::Ipc, join("ipc", true)));
    }
    if n.uts != "host" {
        out.push(ns(LinuxNamespaceType::Uts, join("uts", true)));
    }
    out.push(ns(LinuxNamespaceType::Mount, None));
    if n.network != "host" {
        out.push(ns(LinuxNamespaceType::Network, join("net", true)));
    }
    if opts.cgroup_v2 && !privileged {
        out.push(ns(LinuxNamespaceType::Cgroup, None));
    }
    if n.user == "pod" {
        out.push(ns(LinuxNamespaceType::User, join("user", true)));
    }
    if [n.pid, n.ipc, n.network].contains(&"host") {
        notes.push(
            "namespaces: a host namespace is left out; containerd instead joins the pause \
             sandbox's, which is the host's"
                .into(),
        );
    }
    if n.uts == "host" {
        notes.push(
            "HOSTNAME: with hostNetwork a node sets the node's hostname; rendered with the one \
             given"
                .into(),
        );
    }
    if opts.sandbox_pid.is_none() {
        notes
            .push("namespaces: no sandbox given, so the pod-shared namespaces are new ones".into());
    }
    out
}

/// `linux.uidMappings` and `linux.gidMappings` for `hostUsers: false`: container ids
/// 0..65536 map to `opts.userns_host_id`...
pub fn id_mappings(opts: &RenderOptions) -> (Vec<LinuxIdMapping>, Vec<LinuxIdMapping>) {
    let m = LinuxIdMappingBuilder::default()
        .container_id(0u32)
        .host_id(opts.userns_host_id)
        .size(USERNS_SIZE)
        .build()
        .expect("every LinuxIdMapping field is set");
    (vec![m], vec![m])
}

/// `hostname`: containerd sets it only for the sandbox; a container that gets its own UTS
/// namespace (no sandbox given) gets the pod's hostname here.
pub fn hostname(pod: &ResolvedPod, opts: &RenderOptions) -> Option<String> {
    (opts.sandbox_pid.is_none() && pod.namespaces.uts != "host" && !opts.hostname.is_empty())
        .then(|| opts.hostname.clone())
}
