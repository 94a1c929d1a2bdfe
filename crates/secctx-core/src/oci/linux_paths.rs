//! `linux.maskedPaths`, `linux.readonlyPaths` (the kubelet's lists; none for privileged
//! containers or `procMount: Unmasked`) and `linux.resources.devices` (deny all; allow all for
//! privileged containers, `WithAllDevicesAllowed`).

use oci_spec::runtime::{Linux, LinuxDeviceCgroup, LinuxResources};

use crate::resolve::ResolvedContainer;

/// Sets the paths and the device rules.
pub fn apply(linux: &mut Linux, c: &ResolvedContainer, privileged: bool, notes: &mut Vec<String>) {
    let owned = |l: &[&str]| (!l.is_empty()).then(|| l.iter().map(|p| p.to_string()).collect());
    linux.set_masked_paths(owned(c.masked_paths));
    linux.set_readonly_paths(owned(c.readonly_paths));
    let mut rule = LinuxDeviceCgroup::default();
    rule.set_allow(privileged);
    rule.set_access(Some("rwm".into()));
    let mut res = LinuxResources::default();
    res.set_devices(Some(vec![rule]));
    linux.set_resources(Some(res));
    linux.set_devices(None);
    if privileged {
        notes.push(
            "privileged: containerd also lists every host device in linux.devices \
             (WithHostDevices); secctx does not read the node's /dev"
                .into(),
        );
    }
}
