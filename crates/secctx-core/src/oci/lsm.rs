//! `process.apparmorProfile`, `process.selinuxLabel` and `linux.mountLabel`.
//!
//! AppArmor: the profile resolved for the container, only when the node has AppArmor.
//! SELinux (only when the node has it): the container's `seLinuxOptions` over containerd's
//! defaults `system_u:system_r:container_t` / `system_u:object_r:container_file_t`; the level
//! defaults to the sandbox's, which a node picks at random (rendered `s0`). A privileged
//! container's process label is empty.

use oci_spec::runtime::{Linux, Process};

use crate::resolve::{ResolvedContainer, ResolvedPod};

/// The level rendered when the pod's MCS level is chosen by the node.
pub const DEFAULT_LEVEL: &str = "s0";

/// Sets the AppArmor profile and the SELinux process label.
pub fn apply_process(
    p: &mut Process,
    pod: &ResolvedPod,
    c: &ResolvedContainer,
    notes: &mut Vec<String>,
) {
    p.set_apparmor_profile(c.apparmor.applied.clone());
    if !pod.node.apparmor {
        notes.push(
            "apparmorProfile: absent, the node has no AppArmor (on an AppArmor node containerd \
             applies cri-containerd.apparmor.d to non-privileged containers)"
                .into(),
        );
    }
    if !pod.node.selinux {
        return;
    }
    let privileged = *c.privileged.get().unwrap_or(&false);
    if !privileged {
        p.set_selinux_label(Some(label(c, "system_r", "container_t")));
    }
    if level(c).is_none() {
        notes.push(format!(
            "selinuxLabel: the pod's MCS level is chosen at random by the node; rendered {DEFAULT_LEVEL}"
        ));
    }
}

/// Sets `linux.mountLabel` (SELinux nodes only).
pub fn apply_mount_label(linux: &mut Linux, pod: &ResolvedPod, c: &ResolvedContainer) {
    if pod.node.selinux {
        linux.set_mount_label(Some(format!(
            "system_u:object_r:container_file_t:{}",
            level(c).unwrap_or_else(|| DEFAULT_LEVEL.into())
        )));
    }
}

fn requested(c: &ResolvedContainer) -> Option<&crate::resolve::SELinuxOptionsView> {
    c.selinux.requested.get().and_then(|o| o.as_ref())
}

fn level(c: &ResolvedContainer) -> Option<String> {
    requested(c)
        .and_then(|o| o.level.clone())
        .filter(|l| !l.is_empty())
}

fn label(c: &ResolvedContainer, role: &str, typ: &str) -> String {
    let o = requested(c);
    let pick = |v: Option<&Option<String>>, d: &str| {
        v.and_then(|x| x.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| d.to_string())
    };
    format!(
        "{}:{}:{}:{}",
        pick(o.map(|o| &o.user), "system_u"),
        pick(o.map(|o| &o.role), role),
        pick(o.map(|o| &o.type_), typ),
        level(c).unwrap_or_else(|| DEFAULT_LEVEL.into())
    )
}
