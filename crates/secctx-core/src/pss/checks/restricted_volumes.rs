//! `restrictedVolumes` (restricted): in addition to restricting HostPath volumes, the restricted
//! profile limits usage of inline pod volume sources to `configMap`, `csi`, `downwardAPI`,
//! `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected` and `secret`.
//!
//! **Restricted Fields:** `spec.volumes[*].hostPath`, `.gcePersistentDisk`,
//! `.awsElasticBlockStore`, `.gitRepo`, `.nfs`, `.iscsi`, `.glusterfs`, `.rbd`, `.flexVolume`,
//! `.cinder`, `.cephfs`, `.flocker`, `.fc`, `.azureFile`, `.vsphereVolume`, `.quobyte`,
//! `.azureDisk`, `.portworxVolume`, `.photonPersistentDisk`, `.scaleIO`, `.storageos`
//!
//! **Allowed Values:** undefined/null
//!
//! Versions: 1.0, overriding `hostPathVolumes`. A volume with no known source is reported as
//! type `unknown` (the API server defaults a source-less volume to `emptyDir` before admission;
//! see [`crate::pss::defaults`]).

use k8s_openapi::api::core::v1::{PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Findings, VersionedCheck, detail_buffer, host_path_volumes};
use crate::pss::level::Level;
use crate::pss::location::Location;
use crate::pss::result::{CheckResult, pluralize, push_join_quote};
use crate::pss::version::Version;

/// The check and its revisions.
pub const CHECK: Check = Check {
    id: "restrictedVolumes",
    level: Level::Restricted,
    versions: &[VersionedCheck {
        min_version: Version::v1(0),
        check: restricted_volumes_1_0,
        overrides: &[host_path_volumes::ID],
    }],
};

/// Whether the volume has an allowed source (upstream's `switch`: the first one set admits the
/// volume, whatever else is set). [`crate::pss::fast_path`] tests the same, so a pod that fails
/// there finds these fields already in cache.
pub(crate) fn allowed(v: &Volume) -> bool {
    v.config_map.is_some()
        || v.secret.is_some()
        || v.empty_dir.is_some()
        || v.projected.is_some()
        || v.persistent_volume_claim.is_some()
        || v.downward_api.is_some()
        || v.csi.is_some()
        || v.ephemeral.is_some()
        || v.image.is_some()
}

/// Whether one volume source is set.
type IsSet = fn(&Volume) -> bool;

/// The restricted sources in PSA's order, each with its test. Tested lazily, one at a time: a
/// `Volume` is 3.3 KB, and reading all 21 fields up front touches most of its cache lines.
const RESTRICTED_SOURCES: [(&str, IsSet); 21] = [
    ("hostPath", |v| v.host_path.is_some()),
    ("gcePersistentDisk", |v| v.gce_persistent_disk.is_some()),
    ("awsElasticBlockStore", |v| {
        v.aws_elastic_block_store.is_some()
    }),
    ("gitRepo", |v| v.git_repo.is_some()),
    ("nfs", |v| v.nfs.is_some()),
    ("iscsi", |v| v.iscsi.is_some()),
    ("glusterfs", |v| v.glusterfs.is_some()),
    ("rbd", |v| v.rbd.is_some()),
    ("flexVolume", |v| v.flex_volume.is_some()),
    ("cinder", |v| v.cinder.is_some()),
    ("cephfs", |v| v.cephfs.is_some()),
    ("flocker", |v| v.flocker.is_some()),
    ("fc", |v| v.fc.is_some()),
    ("azureFile", |v| v.azure_file.is_some()),
    ("vsphereVolume", |v| v.vsphere_volume.is_some()),
    ("quobyte", |v| v.quobyte.is_some()),
    ("azureDisk", |v| v.azure_disk.is_some()),
    ("photonPersistentDisk", |v| {
        v.photon_persistent_disk.is_some()
    }),
    ("portworxVolume", |v| v.portworx_volume.is_some()),
    ("scaleIO", |v| v.scale_io.is_some()),
    ("storageos", |v| v.storageos.is_some()),
];

/// The first restricted source set on the volume, in PSA's order, or `None` (`unknown`).
fn restricted_type(v: &Volume) -> Option<&'static str> {
    RESTRICTED_SOURCES
        .iter()
        .find(|(_, set)| set(v))
        .map(|(t, _)| *t)
}

/// Volumes may only use the allowed sources.
pub fn restricted_volumes_1_0(_meta: &ObjectMeta, spec: &PodSpec) -> CheckResult {
    let volumes = spec.volumes.as_deref().unwrap_or(&[]);
    if volumes.iter().all(allowed) {
        return CheckResult::Allowed;
    }
    let bad = || volumes.iter().enumerate().filter(|(_, v)| !allowed(v));
    let count = bad().count();
    let mut found = Findings::for_fields(count);
    // Sorted, unique types: at most the 21 restricted ones and `unknown`, so no allocation.
    let mut types = [""; RESTRICTED_SOURCES.len() + 1];
    let mut distinct = 0;
    for (i, v) in bad() {
        let t = restricted_type(v);
        let reported = t.unwrap_or("unknown");
        if !types[..distinct].contains(&reported) {
            types[distinct] = reported;
            distinct += 1;
        }
        found.field(Location::spec("volumes").item(i, t.unwrap_or("")));
    }
    let types = &mut types[..distinct];
    types.sort_unstable();
    let mut detail = detail_buffer();
    detail.push_str(pluralize("volume", "volumes", count));
    detail.push(' ');
    push_join_quote(&mut detail, bad().map(|(_, v)| v.name.as_str()));
    detail.push(' ');
    detail.push_str(pluralize("uses", "use", count));
    detail.push(' ');
    detail.push_str(pluralize(
        "restricted volume type",
        "restricted volume types",
        types.len(),
    ));
    detail.push(' ');
    push_join_quote(&mut detail, types.iter().copied());
    found.forbid("restricted volume types", detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pss::checks::testing::{assert_locations, case, run_cases};
    use serde_json::json;

    const REASON: &str = "restricted volume types";

    #[test]
    fn messages() {
        run_cases(
            restricted_volumes_1_0,
            &[
                case(
                    "one",
                    json!({"spec": {"containers": [], "volumes": [
                        {"name": "ok", "configMap": {"name": "x"}},
                        {"name": "b", "nfs": {"server": "s", "path": "/"}}]}}),
                    Some((REASON, r#"volume "b" uses restricted volume type "nfs""#)),
                ),
                case(
                    "several, spec order names, sorted unique types, unknown",
                    json!({"spec": {"containers": [], "volumes": [
                        {"name": "z", "hostPath": {"path": "/"}},
                        {"name": "y", "gitRepo": {"repository": "r"}},
                        {"name": "x"},
                        {"name": "w", "hostPath": {"path": "/"}, "secret": {}},
                        {"name": "v", "hostPath": {"path": "/a"}}]}}),
                    Some((
                        REASON,
                        r#"volumes "z", "y", "x", "v" use restricted volume types "gitRepo", "hostPath", "unknown""#,
                    )),
                ),
                case(
                    "first restricted source wins",
                    json!({"spec": {"containers": [], "volumes": [
                        {"name": "a", "storageos": {}, "hostPath": {"path": "/"}}]}}),
                    Some((
                        REASON,
                        r#"volume "a" uses restricted volume type "hostPath""#,
                    )),
                ),
                case(
                    "allowed sources",
                    json!({"spec": {"containers": [], "volumes": [
                        {"name": "a", "emptyDir": {}}, {"name": "b", "csi": {"driver": "d"}},
                        {"name": "c", "image": {"reference": "r"}}, {"name": "d", "projected": {}},
                        {"name": "e", "persistentVolumeClaim": {"claimName": "c"}},
                        {"name": "f", "downwardAPI": {}}, {"name": "g", "ephemeral": {}}]}}),
                    None,
                ),
            ],
        );
    }

    #[test]
    fn locations() {
        assert_locations(
            restricted_volumes_1_0,
            &json!({"spec": {"containers": [], "volumes": [
                {"name": "a", "emptyDir": {}}, {"name": "b", "hostPath": {"path": "/"}}, {"name": "c"}]}}),
            &["spec.volumes[1].hostPath", "spec.volumes[2]"],
            &[],
        );
    }
}
