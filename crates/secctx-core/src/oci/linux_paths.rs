//! `linux.maskedPaths`, `linux.readonlyPaths` (the kubelet's lists; none for privileged
//! containers or `procMount: Unmasked`) and `linux.resources.devices` (deny all; allow all for
//! privileged containers, `WithAllDevicesAllowed`).

use oci_spec::runtime::{Linux, LinuxDeviceCgroup, LinuxResources};

use crate::resolve::ResolvedContainer;

/// Sets the paths and the device rules.
pub fn apply(linux: &mut Linux, c: &ResolvedContainer, privileged: bool, notes: &mut Vec<String>) {
    linux.set_masked_paths((!c.masked_paths.is_empty()).then(|| c.masked_paths.clone()));
    linux.set_readonly_paths((!c.readonly_paths.is_empty()).then(|| c.readonly_paths.clone()));
    let mut rule = LinuxDeviceCgroup::default();
    rule.set_allow(privileged);
    rule.set_access(Some("rwm".into()));
    let mut res = LinuxResources::default();
    res.set_devices(Some(vec![rule]));
    linux.set_resources(Some(res));
    linux.set_devices(None);
    notes.push(
        "linux.resources: only the device rule; the kubelet's cpu shares/quota and memory \
         limit are not rendered"
            .into(),
    );
    if privileged {
        notes.push(
            "privileged: containerd also lists every host device in linux.devices \
             (WithHostDevices); secctx does not read the node's /dev"
                .into(),
        );
    }
}
