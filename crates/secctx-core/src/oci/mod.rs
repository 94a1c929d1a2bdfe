//! The OCI runtime `config.json` containerd (v2.x CRI plugin, runc) builds for one container,
//! rendered from the resolution engine ([`crate::resolve`]) and the seccomp module
//! ([`crate::seccomp`]). Rules: `shared/spec/kubernetes-semantics.md` §4 (containerd) and §5
//! (runc); `docs/oci.md` lists what is rendered and what differs from a real node.
//!
//! One concept per file: [`process`] (args, env, cwd, user), [`capabilities`], [`seccomp`],
//! [`namespaces`], [`mounts`] (containerd's defaults and the CRI mounts), [`kubelet`] (the
//! kubelet's mounts for a container), [`linux_paths`] (masked/read-only paths, devices),
//! [`sysctls`], [`annotations`], [`qos`] (oomScoreAdj), [`resources`] (cpu, memory, the pod cgroup), [`quantity`], [`lsm`] (AppArmor, SELinux) and [`json`] (the stable text).

pub mod annotations;
pub mod capabilities;
pub mod json;
pub mod kubelet;
pub mod linux_paths;
pub mod lsm;
pub mod mounts;
pub mod namespaces;
pub mod options;
pub mod process;
pub mod qos;
pub mod quantity;
pub mod resources;
pub mod seccomp;
pub mod subpath;
pub mod sysctls;

use k8s_openapi::api::core::v1::PodSpec;
use oci_spec::runtime::{Linux, Spec};

use crate::resolve::{OciCaps, ResolvedContainer, ResolvedPod, all_containers};

pub use kubelet::{check_volume_mounts, kubelet_volume_mounts};
pub use options::{ImageConfig, RenderOptions, VolumeMount};

/// The OCI runtime-spec version containerd 2.1 writes (`specs.Version`).
pub const OCI_VERSION: &str = "1.2.1";

/// A rendered `config.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The spec, as `oci_spec` types.
    pub spec: Spec,
    /// What the rendering decided that a reader should know (values containerd would take from
    /// elsewhere, parts a real node adds that secctx does not model).
    pub notes: Vec<String>,
    /// `process.capabilities` exactly as containerd writes them, in containerd's order and
    /// including names runc ignores (`oci_spec`'s sets are unordered and cannot hold those).
    pub capabilities: OciCaps,
    /// `linux.seccomp` as containerd writes it (Go field presence), when a filter applies.
    pub seccomp: Option<crate::seccomp::LinuxSeccomp>,
}

impl Rendered {
    /// The `config.json` text: pretty JSON, keys in runtime-spec's (Go) order, maps sorted.
    pub fn config_json(&self) -> String {
        json::config_json(self)
    }
}

/// Why a container's spec cannot be rendered: the error the kubelet or containerd would give,
/// or the data secctx lacks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The kubelet rejects the pod at admission (no container is created).
    #[error("pod rejected by the kubelet: {reason}: {message}")]
    Rejected {
        /// e.g. `AppArmor`, `SysctlForbidden`.
        reason: String,
        /// The kubelet's message.
        message: String,
    },
    /// The container does not start (`CreateContainerConfigError`/`CreateContainerError`).
    #[error("{reason}: {message}")]
    StartError {
        /// The waiting reason.
        reason: String,
        /// The message.
        message: String,
    },
    /// The uid, gid or groups depend on image data secctx was not given.
    #[error("cannot render process.user: {0}")]
    IdentityUnknown(String),
    /// The process arguments depend on an image secctx was not given.
    #[error(
        "cannot render process.args: the container sets no command and image {0:?} was not given (use --image {0}=PATH)"
    )]
    ImageUnknown(String),
    /// Neither the container nor the image has a command.
    #[error("failed to generate container spec: no command specified")]
    NoCommand,
    /// `seccompProfile: Localhost` and the caller did not pass the profile's text.
    #[error(
        "failed to generate seccomp spec opts: cannot load seccomp profile {path:?}: open {path}: no such file or directory"
    )]
    LocalhostMissing {
        /// `<seccomp root>/<localhostProfile>`.
        path: String,
    },
    /// The Localhost profile is not a valid OCI seccomp profile.
    #[error(
        "failed to generate seccomp spec opts: decoding seccomp profile failed {path:?}: {message}"
    )]
    LocalhostInvalid {
        /// `<seccomp root>/<localhostProfile>`.
        path: String,
        /// Why.
        message: String,
    },
    /// The resolved container is not in the pod spec given.
    #[error("container {0:?} is not in the pod spec")]
    NoSuchContainer(String),
    /// A resource quantity does not parse (the API server would have refused the pod).
    #[error(transparent)]
    Quantity(#[from] resources::QuantityError),
    /// A volume mount names a volume the pod does not have.
    #[error(
        "container {container:?}: volumeMounts[{index}]: volume {volume:?} not found in spec.volumes"
    )]
    UnknownVolume {
        /// Container name.
        container: String,
        /// Index in `volumeMounts`.
        index: usize,
        /// The volume name.
        volume: String,
    },
}

/// Renders the `config.json` containerd builds for `container` (one of `pod.containers`, from
/// [`crate::resolve::resolve_pod`] over `spec`).
pub fn render(
    spec: &PodSpec,
    pod: &ResolvedPod,
    container: &ResolvedContainer,
    opts: &RenderOptions,
) -> Result<Rendered, RenderError> {
    if let Some(r) = pod.rejections.first() {
        return Err(RenderError::Rejected {
            reason: r.reason.clone(),
            message: r.message.clone(),
        });
    }
    if let Some(e) = &container.start_error {
        return Err(RenderError::StartError {
            reason: e.reason.clone(),
            message: e.message.clone(),
        });
    }
    let cref = all_containers(spec)
        .find(|c| c.kind == container.kind && c.name == container.name)
        .ok_or_else(|| RenderError::NoSuchContainer(container.name.clone()))?;
    let mut notes = Vec::new();
    let privileged = *container.privileged.get().unwrap_or(&false);

    let mut process = process::process(&cref, container, opts, &mut notes)?;
    process.set_capabilities(Some(capabilities::to_oci(&container.oci_caps)));
    process.set_oom_score_adj(qos::oom_score_adj(spec, &mut notes));
    lsm::apply_process(&mut process, pod, container, &mut notes);

    let seccomp = seccomp::seccomp(pod, container, opts, &mut notes)?;
    let mut linux = Linux::default();
    linux.set_seccomp(seccomp.as_ref().map(|s| s.to_oci_spec()));
    linux.set_namespaces(Some(namespaces::namespaces(
        pod, privileged, opts, &mut notes,
    )));
    let idmap = (pod.namespaces.user == "pod").then(|| namespaces::id_mappings(opts));
    if let Some((u, g)) = &idmap {
        linux.set_uid_mappings(Some(u.clone()));
        linux.set_gid_mappings(Some(g.clone()));
    }
    linux_paths::apply(&mut linux, container, privileged, &mut notes);
    let res = resources::container_resources(spec, cref.kind, cref.index)?;
    let mut oci_res = res.to_oci(resources::NodeCgroups {
        v2: opts.cgroup_v2,
        swap: opts.swap_controller,
    });
    oci_res.set_devices(linux.resources().as_ref().and_then(|r| r.devices().clone()));
    linux.set_resources(Some(oci_res));
    linux.set_sysctl(sysctls::sysctls(pod, opts, &mut notes));
    // containerd (cgroupfs driver): `<the pod cgroup the kubelet made>/<container id>`.
    let cgroups_path = match &opts.cgroups_path {
        Some(p) => p.clone(),
        None => format!(
            "{}/<container-id>",
            resources::pod_cgroup(spec, &opts.pod_uid)?.path
        ),
    };
    linux.set_cgroups_path(Some(cgroups_path.into()));
    lsm::apply_mount_label(&mut linux, pod, container);

    let mut spec_out = Spec::default();
    spec_out.set_version(OCI_VERSION.into());
    spec_out.set_process(Some(process));
    let mut root = oci_spec::runtime::Root::default();
    root.set_path(opts.rootfs.clone().into());
    let ro = *container.read_only_root_filesystem.get().unwrap_or(&false);
    root.set_readonly(ro.then_some(true));
    spec_out.set_root(Some(root));
    spec_out.set_hostname(namespaces::hostname(pod, opts));
    let m = mounts::mounts(privileged, pod.namespaces.ipc, idmap.as_ref(), opts);
    if m.rootfs_propagation.is_some() {
        linux.set_rootfs_propagation(m.rootfs_propagation.clone());
    }
    spec_out.set_mounts(Some(m.mounts));
    spec_out.set_annotations(Some(annotations::annotations(container, opts)));
    spec_out.set_linux(Some(linux));
    spec_out.set_hooks(None);

    Ok(Rendered {
        spec: spec_out,
        notes,
        capabilities: container.oci_caps.clone(),
        seccomp,
    })
}

#[cfg(test)]
mod tests;
