//! `linux.sysctl`: containerd sets the pod's sysctls (and its `ip_unprivileged_port_start`
//! / `ping_group_range` defaults) in the pause sandbox's spec, not the container's. Without a
//! sandbox to join, the container has its own namespaces, so they go here.

use std::collections::HashMap;

use super::options::RenderOptions;
use crate::resolve::ResolvedPod;

/// The sysctls of the container's spec.
pub fn sysctls(
    pod: &ResolvedPod,
    opts: &RenderOptions,
    notes: &mut Vec<String>,
) -> Option<HashMap<String, String>> {
    if opts.sandbox_pid.is_some() || pod.sysctls.is_empty() {
        return None;
    }
    notes.push(
        "linux.sysctl: on a node these are in the pause sandbox's spec; with no sandbox they \
         are set in the container's own namespaces"
            .into(),
    );
    Some(
        pod.sysctls
            .iter()
            .map(|(k, v, _)| (k.to_string(), v.to_string()))
            .collect(),
    )
}
