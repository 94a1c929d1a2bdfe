//! The kubelet's mounts for a container (`makeMounts`), with the sources a real node uses:
//! every `volumeMount` (from `/var/lib/kubelet/pods/<uid>/volumes/<plugin>/<name>`, hostPath
//! volumes from their path), `/etc/hosts` (the kubelet's `etc-hosts` file), the termination
//! log; then containerd's `/etc/hostname` and `/etc/resolv.conf` from its sandbox directory
//! (`<sandbox-id>` left for the caller). `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`
//! are read-only exactly when the root filesystem is.

use k8s_openapi::api::core::v1::{PodSpec, Volume};

use super::RenderError;
use super::options::VolumeMount;
use crate::resolve::ContainerRef;

/// The kubelet's root directory.
pub const KUBELET_ROOT: &str = "/var/lib/kubelet";
/// containerd's CRI sandbox state root.
pub const CONTAINERD_SANDBOXES: &str = "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes";

/// The plugin directory of a volume (`kubernetes.io~<plugin>`) or its host path.
pub fn volume_source(v: &Volume, pod_uid: &str) -> String {
    if let Some(h) = &v.host_path {
        return h.path.clone();
    }
    let plugin = if v.empty_dir.is_some() {
        "empty-dir"
    } else if v.config_map.is_some() {
        "configmap"
    } else if v.secret.is_some() {
        "secret"
    } else if v.projected.is_some() {
        "projected"
    } else if v.downward_api.is_some() {
        "downward-api"
    } else if v.persistent_volume_claim.is_some() || v.ephemeral.is_some() {
        "csi"
    } else if v.nfs.is_some() {
        "nfs"
    } else {
        "unknown"
    };
    format!(
        "{KUBELET_ROOT}/pods/{pod_uid}/volumes/kubernetes.io~{plugin}/{}",
        v.name
    )
}

/// Whether every `volumeMount` of `container` can be rendered: the volume exists.
/// [`kubelet_volume_mounts`] leaves other mounts out.
pub fn check_volume_mounts(
    spec: &PodSpec,
    container: &ContainerRef<'_>,
) -> Result<(), RenderError> {
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    for (index, m) in container.volume_mounts.into_iter().flatten().enumerate() {
        if !volumes.iter().any(|v| v.name == m.name) {
            return Err(RenderError::UnknownVolume {
                container: container.name.into(),
                index,
                volume: m.name.clone(),
            });
        }
    }
    Ok(())
}

/// The mounts for `container`, in the kubelet's order. A mount [`check_volume_mounts`]
/// rejects is left out. A mount with `subPath`/`subPathExpr` has the kubelet's bind point as
/// its source ([`super::subpath::bind_point`]), which the runtime prepares before creating
/// the container.
pub fn kubelet_volume_mounts(
    spec: &PodSpec,
    container: &ContainerRef<'_>,
    pod_uid: &str,
) -> Vec<VolumeMount> {
    let ro_root = container
        .security_context
        .and_then(|s| s.read_only_root_filesystem)
        .unwrap_or(false);
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    let mut out: Vec<VolumeMount> = Vec::new();
    for (index, m) in container.volume_mounts.into_iter().flatten().enumerate() {
        let Some(v) = volumes.iter().find(|v| v.name == m.name) else {
            continue;
        };
        let sub = m.sub_path.as_deref().is_some_and(|s| !s.is_empty())
            || m.sub_path_expr.as_deref().is_some_and(|s| !s.is_empty());
        let source = if sub {
            super::subpath::bind_point(pod_uid, &v.name, container.name, index)
        } else {
            volume_source(v, pod_uid)
        };
        out.push(VolumeMount {
            destination: m.mount_path.clone(),
            source,
            read_only: m.read_only.unwrap_or(false),
            propagation: m.mount_propagation.clone(),
            // The kubelet's resolveRecursiveReadOnly with a runtime that supports it: both
            // IfPossible and Enabled become rro (validation has required readOnly and no
            // propagation).
            recursive_read_only: matches!(
                m.recursive_read_only.as_deref(),
                Some("Enabled" | "IfPossible")
            ),
        });
    }
    let has = |out: &[VolumeMount], d: &str| out.iter().any(|m| m.destination == d);
    if !has(&out, "/etc/hosts") {
        out.push(VolumeMount {
            destination: "/etc/hosts".into(),
            source: format!("{KUBELET_ROOT}/pods/{pod_uid}/etc-hosts"),
            read_only: ro_root,
            propagation: None,
            recursive_read_only: false,
        });
    }
    let path = |p: &Option<String>| p.clone().unwrap_or_else(|| "/dev/termination-log".into());
    let termination = spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
        .find(|c| c.name == container.name)
        .map(|c| path(&c.termination_message_path))
        .or_else(|| {
            spec.ephemeral_containers
                .iter()
                .flatten()
                .find(|c| c.name == container.name)
                .map(|c| path(&c.termination_message_path))
        });
    if let Some(path) = termination.filter(|p| !p.is_empty()) {
        out.push(VolumeMount {
            destination: path,
            source: format!(
                "{KUBELET_ROOT}/pods/{pod_uid}/containers/{}/termination-log",
                container.name
            ),
            read_only: false,
            propagation: None,
            recursive_read_only: false,
        });
    }
    for (dest, file) in [
        ("/etc/hostname", "hostname"),
        ("/etc/resolv.conf", "resolv.conf"),
    ] {
        if !has(&out, dest) {
            out.push(VolumeMount {
                destination: dest.into(),
                source: format!("{CONTAINERD_SANDBOXES}/<sandbox-id>/{file}"),
                read_only: ro_root,
                propagation: None,
                recursive_read_only: false,
            });
        }
    }
    out
}
