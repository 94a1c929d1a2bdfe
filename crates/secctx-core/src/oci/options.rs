//! What the caller tells [`super::render`] about the world outside the pod spec: the rootfs,
//! the image config, the mounts, the sandbox to join, the Localhost seccomp profile's text.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::image::ImageInfo;
use crate::seccomp::GoArch;

/// The parts of an image's OCI config containerd uses for the process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `Env` (`KEY=VALUE`), applied after `PATH` and `HOSTNAME`, before the container's env.
    pub env: Vec<String>,
    /// `WorkingDir` (empty: `/`).
    pub working_dir: String,
    /// `Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `Cmd`.
    pub cmd: Vec<String>,
}

impl From<&ImageInfo> for ImageConfig {
    fn from(i: &ImageInfo) -> ImageConfig {
        ImageConfig {
            env: i.env.clone(),
            working_dir: i.working_dir.clone(),
            entrypoint: i.entrypoint.clone(),
            cmd: i.cmd.clone(),
        }
    }
}

/// One CRI mount: a bind mount of `source` at `destination`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VolumeMount {
    /// Path in the container.
    pub destination: String,
    /// Path on the host.
    pub source: String,
    /// Mounted read-only (`ro`; otherwise `rw`).
    pub read_only: bool,
    /// The Kubernetes `mountPropagation`: `None`, `HostToContainer` or `Bidirectional`
    /// (`None` here means the kubelet's default, private).
    pub propagation: Option<String>,
    /// `recursiveReadOnly` resolved by the kubelet (`Enabled`, or `IfPossible` on a runtime
    /// that supports it, as secctx's does): rendered as containerd's `rro` option.
    pub recursive_read_only: bool,
}

/// Everything [`super::render`] needs besides the pod spec and its resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// `root.path` (containerd writes `rootfs`, relative to the bundle).
    pub rootfs: String,
    /// The image config (env, working dir, entrypoint, cmd). `None`: unknown, and rendering
    /// fails unless the container sets `command`.
    pub image: Option<ImageConfig>,
    /// CRI mounts, after containerd's defaults: see [`super::kubelet_volume_mounts`].
    pub mounts: Vec<VolumeMount>,
    /// JSON text of the Localhost seccomp profile (read by the caller from the path in
    /// `container.seccomp`), when the container asks for one.
    pub localhost_profile: Option<String>,
    /// The pod's hostname: `HOSTNAME` in the environment, and `hostname` of a new UTS
    /// namespace (only when no sandbox is joined).
    pub hostname: String,
    /// `Some(pid)`: join `/proc/<pid>/ns/{net,ipc,uts}` (and `pid` with
    /// `shareProcessNamespace`) like containerd joins the pause sandbox; `None`: new
    /// namespaces. Host namespaces are omitted either way.
    pub sandbox_pid: Option<u32>,
    /// `linux.cgroupsPath`; `None`: containerd's with the cgroupfs driver, the kubelet's pod
    /// cgroup then the container id (`/kubepods/burstable/pod<uid>/<container-id>`).
    pub cgroups_path: Option<String>,
    /// The node uses cgroup v2 (containerd then adds a cgroup namespace to non-privileged
    /// containers).
    pub cgroup_v2: bool,
    /// The node has a swap controller (`memory.memsw.limit_in_bytes` on v1, `memory.swap.max`
    /// on v2): the kubelet then forbids swap (`memory.swap` = the limit; v2 `memory.swap.max`
    /// 0).
    pub swap_controller: bool,
    /// The GOARCH containerd was built for (the RuntimeDefault seccomp profile depends on it).
    pub arch: GoArch,
    /// The first host id of the pod's user namespace (`hostUsers: false`); the kubelet
    /// allocates a multiple of 65536, the size is always 65536.
    pub userns_host_id: u32,
    /// Source of `/dev/shm` (containerd binds the sandbox's shm); `None` keeps the default
    /// tmpfs.
    pub sandbox_shm: Option<String>,
    /// Pod name, namespace, uid and the sandbox id, for the `io.kubernetes.cri.*` annotations.
    pub pod_name: String,
    /// See `pod_name`.
    pub pod_namespace: String,
    /// See `pod_name`.
    pub pod_uid: String,
    /// See `pod_name`.
    pub sandbox_id: String,
    /// Extra annotations (containerd passes pod/container annotations only when the runtime
    /// handler's `pod_annotations`/`container_annotations` allow them).
    pub annotations: BTreeMap<String, String>,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            rootfs: "rootfs".into(),
            image: None,
            mounts: Vec::new(),
            localhost_profile: None,
            hostname: String::new(),
            sandbox_pid: None,
            cgroups_path: None,
            cgroup_v2: true,
            swap_controller: true,
            arch: GoArch::Amd64,
            userns_host_id: 65536,
            sandbox_shm: None,
            pod_name: String::new(),
            pod_namespace: String::new(),
            pod_uid: String::new(),
            sandbox_id: String::new(),
            annotations: BTreeMap::new(),
        }
    }
}

impl RenderOptions {
    /// Options for a pod: hostname (`spec.hostname`, else the pod name truncated to 63
    /// characters, as the kubelet's `GeneratePodHostNameAndDomain`), pod name, namespace and
    /// uid. Everything else is the default.
    pub fn for_pod(meta: &ObjectMeta, spec: &PodSpec) -> RenderOptions {
        let name = meta.name.clone().unwrap_or_default();
        let hostname = match spec.hostname.as_deref() {
            Some(h) if !h.is_empty() => h.to_string(),
            _ => {
                let mut h: String = name.chars().take(63).collect();
                while h.ends_with(['-', '.']) {
                    h.pop();
                }
                h
            }
        };
        RenderOptions {
            hostname,
            pod_name: name,
            pod_namespace: meta.namespace.clone().unwrap_or_else(|| "default".into()),
            pod_uid: meta.uid.clone().unwrap_or_default(),
            ..RenderOptions::default()
        }
    }
}
