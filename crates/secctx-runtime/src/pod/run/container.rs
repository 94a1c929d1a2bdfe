//! One container: rootfs from the store, `config.json` from the same renderer `secctx oci`
//! uses (volume sources moved into the pod's directory), environment from the kubelet's rules,
//! then the executor.

use std::path::{Path, PathBuf};

use crate::executor::idmap::ROOTFS_IDMAP_ANNOTATION;
use crate::pod::PodDir;
use crate::pod::idrange::{self, Allocation};
use crate::pod::journal::Journal;
use crate::pod::subpath::{SubPathRequest, bind_sub_path};
use oci_spec::runtime::{LinuxIdMapping, LinuxIdMappingBuilder};
use secctx_core::oci::kubelet::{CONTAINERD_SANDBOXES, KUBELET_ROOT};
use secctx_core::oci::subpath::sub_path_mounts;
use secctx_core::oci::{
    ImageConfig, RenderError, RenderOptions, Rendered, kubelet_volume_mounts, render,
};
use secctx_core::projection::{PodFacts, container_env};
use secctx_core::resolve::{ContainerKind, ResolvedContainer, SeccompChoice, all_containers};

use super::prepare::Prepared;

/// Why a container did not get created: the waiting reason and message.
#[derive(Debug)]
pub struct CreateFailure {
    /// `CreateContainerConfigError` or `CreateContainerError`.
    pub reason: String,
    /// The message.
    pub message: String,
}

/// The environment of container `name` as the kubelet builds it (used by `subPathExpr` and the
/// rendered process); a reference that cannot be resolved is a config error.
fn env_of(p: &Prepared, name: &str) -> Result<Vec<(String, String)>, CreateFailure> {
    let container = p
        .spec
        .containers
        .iter()
        .chain(p.spec.init_containers.iter().flatten())
        .find(|x| x.name == name)
        .cloned()
        .unwrap_or_default();
    container_env(&container, &p.meta, &p.spec, &p.objects, &facts())
        .map_err(|e| config_error(e.to_string()))
}

fn config_error(message: impl Into<String>) -> CreateFailure {
    CreateFailure {
        reason: "CreateContainerConfigError".into(),
        message: message.into(),
    }
}

fn create_error(message: impl Into<String>) -> CreateFailure {
    CreateFailure {
        reason: "CreateContainerError".into(),
        message: message.into(),
    }
}

/// The host path for a mount source the renderer wrote as on a node.
pub fn host_source(src: &str, uid: &str, pod: &PodDir) -> String {
    let kubelet = format!("{KUBELET_ROOT}/pods/{uid}");
    if let Some(rest) = src.strip_prefix(&kubelet) {
        return format!("{}{rest}", pod.path("kubelet").display());
    }
    if let Some(rest) = src.strip_prefix(&format!("{CONTAINERD_SANDBOXES}/")) {
        let rest = rest.split_once('/').map_or("", |(_, r)| r);
        return pod.path("sandbox").join(rest).display().to_string();
    }
    src.to_string()
}

/// The kubelet's `makeMounts` for `subPath`/`subPathExpr`: each sub-path is expanded with the
/// container's environment, opened safely inside its volume and bound on its bind point (the
/// source [`render_container`] gives the mount). Failures are `CreateContainerConfigError`
/// with the kubelet's messages; the detail the kubelet only logs goes to stderr.
pub fn prepare_sub_paths(
    p: &Prepared,
    pod: &PodDir,
    c: &ResolvedContainer,
    journal: &Journal,
) -> Result<(), CreateFailure> {
    let Some(cref) = all_containers(&p.spec).find(|r| r.kind == c.kind && r.name == c.name) else {
        return Ok(());
    };
    let uid = p.meta.uid.clone().unwrap_or_default();
    let mounts = sub_path_mounts(&p.spec, &cref, &uid);
    if mounts.is_empty() {
        return Ok(());
    }
    let env = env_of(p, &c.name)?;
    let bind_root = pod.path("kubelet").join("volume-subpaths");
    for m in mounts {
        let sub = m.resolve(&env).map_err(config_error)?;
        let volume_root = host_source(&m.volume_source, &uid, pod);
        let bind_point = host_source(&m.bind_point, &uid, pod);
        let req = SubPathRequest {
            volume_root: Path::new(&volume_root),
            sub_path: &sub,
            bind_point: Path::new(&bind_point),
            bind_root: &bind_root,
            journal,
        };
        if let Err(e) = bind_sub_path(&req) {
            let mount = &m.volume;
            use crate::pod::subpath::SubPathError as E;
            let message = match &e {
                E::Absolute(_) | E::Backstep(_) => e.to_string(),
                _ => {
                    eprintln!("secctx: subPath of container {:?}: {e}", c.name);
                    if e.is_make_dir() {
                        format!(
                            "failed to create subPath directory for volumeMount {mount:?} of container {:?}",
                            c.name
                        )
                    } else {
                        format!(
                            "failed to prepare subPath for volumeMount {mount:?} of container {:?}",
                            c.name
                        )
                    }
                }
            };
            return Err(config_error(message));
        }
    }
    Ok(())
}

/// Render options for `c` of the pod: rootfs, image config, mounts, Localhost profile.
pub fn render_container(
    p: &Prepared,
    pod: &PodDir,
    c: &ResolvedContainer,
    rootfs: &Path,
    sandbox_pid: Option<u32>,
) -> Result<Rendered, CreateFailure> {
    if let Some(e) = &c.start_error {
        return Err(CreateFailure {
            reason: e.reason.clone(),
            message: e.message.clone(),
        });
    }
    let cref = all_containers(&p.spec)
        .find(|r| r.kind == c.kind && r.name == c.name)
        .ok_or_else(|| create_error(format!("container {} not in the spec", c.name)))?;
    let env = env_of(p, &c.name)?;
    let uid = p.meta.uid.clone().unwrap_or_default();
    let mut opts = RenderOptions::for_pod(&p.meta, &p.spec);
    opts.rootfs = rootfs.display().to_string();
    opts.image = p.images.get(&c.image).map(ImageConfig::from);
    opts.mounts = kubelet_volume_mounts(&p.spec, &cref, &uid)
        .into_iter()
        .map(|mut m| {
            m.source = host_source(&m.source, &uid, pod);
            m
        })
        .collect();
    if let SeccompChoice::Localhost { path } = &c.seccomp.applied {
        opts.localhost_profile = std::fs::read_to_string(path).ok();
    }
    opts.sandbox_pid = sandbox_pid;
    opts.cgroup_v2 = Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    // The kubelet's swap check (`swapControllerAvailable`): v1 memsw, v2 memory.swap.max.
    opts.swap_controller = if opts.cgroup_v2 {
        Path::new("/sys/fs/cgroup/memory.swap.max").exists()
            || Path::new("/sys/fs/cgroup/init.scope/memory.swap.max").exists()
    } else {
        Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists()
    };
    opts.sandbox_id = pod.name.clone();
    let userns = userns_range(p, pod)?;
    if let Some(a) = &userns {
        opts.userns_host_id = a.host_id();
    }
    let mut rendered = render(&p.spec, &p.resolved, c, &opts).map_err(|e| match e {
        RenderError::StartError { reason, message } => CreateFailure { reason, message },
        RenderError::LocalhostMissing { .. } | RenderError::LocalhostInvalid { .. } => {
            create_error(e.to_string())
        }
        other => create_error(other.to_string()),
    })?;
    if p.resolved.namespaces.user == "pod" && !opts.cgroup_v2 {
        userns_cgroup_v1(&mut rendered);
    }
    if let Some(a) = &userns {
        userns_mounts(&mut rendered, pod, a);
    }
    // The renderer leaves valueFrom out (the kubelet resolves it at start): put the kubelet's
    // environment in, in its order, over the image's.
    if let Some(mut process) = rendered.spec.process().clone() {
        let mut out: Vec<String> = process
            .env()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|kv| {
                let k = kv.split('=').next().unwrap_or("");
                !env.iter().any(|(n, _)| n == k)
            })
            .collect();
        out.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        process.set_env(Some(out));
        rendered.spec.set_process(Some(process));
    }
    Ok(rendered)
}

/// What the downward API knows about this node.
pub fn facts() -> PodFacts {
    let node_name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    PodFacts {
        node_name,
        pod_ip: String::new(),
        host_ip: String::new(),
    }
}

/// The executor id of a container of a pod.
pub fn container_id(pod: &str, c: &str) -> String {
    format!("{pod}_{c}")
}

/// `init` or `regular`.
pub fn kind_name(k: ContainerKind) -> &'static str {
    match k {
        ContainerKind::Init => "init",
        ContainerKind::Regular => "regular",
        ContainerKind::Ephemeral => "ephemeral",
    }
}

/// `<pod>/bundles/<container>`.
pub fn bundle_dir(pod: &PodDir, c: &str) -> PathBuf {
    pod.path("bundles").join(c)
}

/// A user namespace cannot mount cgroup v1 hierarchies (EPERM); runc then binds the host's
/// instead. secctx does the same: the `cgroup` mount becomes a read-only recursive bind of
/// `/sys/fs/cgroup`, and a note says so.
fn userns_cgroup_v1(rendered: &mut Rendered) {
    let Some(mounts) = rendered.spec.mounts().clone() else {
        return;
    };
    let mounts = mounts
        .into_iter()
        .map(|mut m| {
            if m.typ().as_deref() == Some("cgroup") {
                m.set_typ(Some("bind".into()));
                m.set_source(Some("/sys/fs/cgroup".into()));
                m.set_options(Some(vec![
                    "rbind".into(),
                    "ro".into(),
                    "nosuid".into(),
                    "noexec".into(),
                    "nodev".into(),
                ]));
            }
            m
        })
        .collect();
    rendered.spec.set_mounts(Some(mounts));
    rendered.notes.push(
        "cgroup v1 host with a user namespace: /sys/fs/cgroup is a read-only bind of the host's, as runc does"
            .into(),
    );
}

/// The pod's allocated host id range (`hostUsers: false`), from its directory.
fn userns_range(p: &Prepared, pod: &PodDir) -> Result<Option<Allocation>, CreateFailure> {
    if p.resolved.namespaces.user != "pod" {
        return Ok(None);
    }
    match idrange::read(&pod.dir) {
        Ok(Some(a)) => Ok(Some(a)),
        Ok(None) => Err(create_error(format!(
            "hostUsers: false: pod {} has no host id range (no {} file)",
            pod.name,
            idrange::FILE
        ))),
        Err(e) => Err(create_error(e.to_string())),
    }
}

/// `hostUsers: false`, as containerd 2 and runc do it: the rootfs is id-mapped (the
/// annotation the executor reads) and every pod-owned mount keeps the pod's mappings (the
/// renderer puts them on every CRI mount), with the range's real size. Mounts of host paths
/// (hostPath) are plain binds: id-mapping them would make host root's files the pod root's
/// and give every user-namespaced pod the same identity there; unmapped host owners show as
/// nobody. Said in a note.
fn userns_mounts(rendered: &mut Rendered, pod: &PodDir, a: &Allocation) {
    let map = |v: &[idrange::Mapping]| -> Vec<LinuxIdMapping> {
        v.iter()
            .map(|m| {
                LinuxIdMappingBuilder::default()
                    .container_id(m.container_id)
                    .host_id(m.host_id)
                    .size(m.length)
                    .build()
                    .expect("all fields set")
            })
            .collect()
    };
    let (uids, gids) = (map(&a.uid_mappings), map(&a.gid_mappings));
    if let Some(mut linux) = rendered.spec.linux().clone() {
        linux.set_uid_mappings(Some(uids.clone()));
        linux.set_gid_mappings(Some(gids.clone()));
        rendered.spec.set_linux(Some(linux));
    }
    let mut annotations = rendered.spec.annotations().clone().unwrap_or_default();
    annotations.insert(ROOTFS_IDMAP_ANNOTATION.into(), "true".into());
    rendered.spec.set_annotations(Some(annotations));
    let Some(mounts) = rendered.spec.mounts().clone() else {
        return;
    };
    let mut host = Vec::new();
    let mounts = mounts
        .into_iter()
        .map(|mut m| {
            if m.uid_mappings().is_some() || m.gid_mappings().is_some() {
                let source = m.source().clone().unwrap_or_default();
                if source.starts_with(&pod.dir) {
                    m.set_uid_mappings(Some(uids.clone()));
                    m.set_gid_mappings(Some(gids.clone()));
                } else {
                    host.push(m.destination().display().to_string());
                    m.set_uid_mappings(None);
                    m.set_gid_mappings(None);
                }
            }
            m
        })
        .collect();
    rendered.spec.set_mounts(Some(mounts));
    if !host.is_empty() {
        rendered.notes.push(format!(
            "hostUsers: false: host paths ({}) are plain binds, not id-mapped: host owners outside the pod's range show as nobody",
            host.join(", ")
        ));
    }
}
