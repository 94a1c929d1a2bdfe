//! The API server's defaulting that changes what Pod Security Admission sees. Admission runs
//! on the defaulted object, so a manifest must be judged after these (kubernetes
//! `pkg/apis/core/v1/defaults.go`):
//!
//! * `SetDefaults_Volume`: a volume with no source gets `emptyDir: {}` (otherwise
//!   `restrictedVolumes` would report it as `unknown`).
//! * `SetDefaults_Pod`: with `hostNetwork: true`, every port of `containers` and
//!   `initContainers` with `hostPort` unset or 0 gets `hostPort = containerPort`. Since 1.28 this
//!   applies to **Pods only**, not to pod templates of workloads
//!   (`DefaultHostNetworkHostPortsInPodTemplates`, removed in 1.31).
//!
//! Nothing else the API server defaults is read by any check.

use k8s_openapi::api::core::v1::{Container, EmptyDirVolumeSource, PodSpec, Volume};

/// What the spec belongs to: the host-port defaulting only applies to pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecOwner {
    /// A `Pod`.
    Pod,
    /// A pod template (Deployment, Job, …).
    Template,
}

/// Whether any volume source is set. Destructured without `..`, so a source added to
/// `Volume` by a newer k8s-openapi fails to compile here instead of being missed.
fn has_source(v: &Volume) -> bool {
    let Volume {
        name: _,
        aws_elastic_block_store,
        azure_disk,
        azure_file,
        cephfs,
        cinder,
        config_map,
        csi,
        downward_api,
        empty_dir,
        ephemeral,
        fc,
        flex_volume,
        flocker,
        gce_persistent_disk,
        git_repo,
        glusterfs,
        host_path,
        image,
        iscsi,
        nfs,
        persistent_volume_claim,
        photon_persistent_disk,
        portworx_volume,
        projected,
        quobyte,
        rbd,
        scale_io,
        secret,
        storageos,
        vsphere_volume,
    } = v;
    [
        aws_elastic_block_store.is_some(),
        azure_disk.is_some(),
        azure_file.is_some(),
        cephfs.is_some(),
        cinder.is_some(),
        config_map.is_some(),
        csi.is_some(),
        downward_api.is_some(),
        empty_dir.is_some(),
        ephemeral.is_some(),
        fc.is_some(),
        flex_volume.is_some(),
        flocker.is_some(),
        gce_persistent_disk.is_some(),
        git_repo.is_some(),
        glusterfs.is_some(),
        host_path.is_some(),
        image.is_some(),
        iscsi.is_some(),
        nfs.is_some(),
        persistent_volume_claim.is_some(),
        photon_persistent_disk.is_some(),
        portworx_volume.is_some(),
        projected.is_some(),
        quobyte.is_some(),
        rbd.is_some(),
        scale_io.is_some(),
        secret.is_some(),
        storageos.is_some(),
        vsphere_volume.is_some(),
    ]
    .into_iter()
    .any(|set| set)
}

fn default_host_ports(containers: &mut [Container]) {
    for port in containers
        .iter_mut()
        .flat_map(|c| c.ports.iter_mut().flatten())
    {
        if port.host_port.unwrap_or(0) == 0 {
            port.host_port = Some(port.container_port);
        }
    }
}

/// Applies the PSA-relevant API-server defaulting to `spec` in place.
pub fn apply_api_defaults(spec: &mut PodSpec, owner: SpecOwner) {
    for v in spec.volumes.iter_mut().flatten() {
        if !has_source(v) {
            v.empty_dir = Some(EmptyDirVolumeSource::default());
        }
    }
    if owner == SpecOwner::Pod && spec.host_network == Some(true) {
        default_host_ports(&mut spec.containers);
        if let Some(init) = spec.init_containers.as_mut() {
            default_host_ports(init);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> PodSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn sourceless_volume_becomes_empty_dir() {
        let mut s = spec(
            json!({"containers": [], "volumes": [{"name": "a"}, {"name": "b", "nfs": {"server": "s", "path": "/"}}]}),
        );
        apply_api_defaults(&mut s, SpecOwner::Template);
        let v = s.volumes.unwrap();
        assert!(v[0].empty_dir.is_some());
        assert!(v[1].empty_dir.is_none());
    }

    #[test]
    fn host_network_defaults_host_ports_for_pods_only() {
        let raw = json!({"hostNetwork": true,
            "initContainers": [{"name": "i", "ports": [{"containerPort": 53}]}],
            "containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 0}, {"containerPort": 81, "hostPort": 9}]}],
            "ephemeralContainers": [{"name": "e", "ports": [{"containerPort": 1}]}]});
        let mut pod = spec(raw.clone());
        apply_api_defaults(&mut pod, SpecOwner::Pod);
        let ports = |c: &Container| -> Vec<Option<i32>> {
            c.ports.iter().flatten().map(|p| p.host_port).collect()
        };
        assert_eq!(ports(&pod.containers[0]), [Some(80), Some(9)]);
        assert_eq!(ports(&pod.init_containers.as_ref().unwrap()[0]), [Some(53)]);
        let eph = &pod.ephemeral_containers.as_ref().unwrap()[0];
        assert_eq!(eph.ports.as_ref().unwrap()[0].host_port, None);
        let mut template = spec(raw);
        apply_api_defaults(&mut template, SpecOwner::Template);
        assert_eq!(ports(&template.containers[0]), [Some(0), Some(9)]);
    }
}
