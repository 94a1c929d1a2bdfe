//! The node being predicted: kubelet and containerd options and what the kernel supports.

use std::borrow::Cow;

use serde::Serialize;

/// A node's settings that change what a container gets. The defaults are a stock kubelet and
/// containerd on a current kernel with neither AppArmor nor SELinux enabled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeConfig {
    /// kubelet `seccompDefault` (default false: no profile means Unconfined).
    pub seccomp_default: bool,
    /// kubelet seccomp profile root (`<root-dir>/seccomp`); borrowed for the default, so
    /// copying a default config costs no allocation.
    pub seccomp_profile_root: Cow<'static, str>,
    /// The highest capability the node's kernel knows (`/proc/sys/kernel/cap_last_cap`); `ALL`
    /// and privileged mean every capability up to it.
    pub cap_last_cap: u8,
    /// The effective capabilities of the container runtime's own process (containerd's
    /// `cap.Current()`): what privileged and `add: [ALL]` give. `None` is a runtime that holds
    /// every capability up to `cap_last_cap`, as on a stock node; a host whose root lacks some
    /// capability (a nested or restricted machine) gives its containers only what it has.
    pub runtime_caps: Option<crate::caps::CapSet>,
    /// Whether AppArmor is enabled on the node.
    pub apparmor: bool,
    /// Whether SELinux is enabled on the node.
    pub selinux: bool,
    /// Kernel version `(major, minor)` (the seccomp default profile depends on it).
    pub kernel: (u32, u32),
    /// kubelet `--allowed-unsafe-sysctls` patterns (`*` suffix = prefix).
    pub allowed_unsafe_sysctls: Vec<String>,
    /// Whether the node reports `supplementalGroupsPolicy` support (containerd ≥ 2.0 does).
    pub supplemental_groups_policy: bool,
}

impl Default for NodeConfig {
    fn default() -> NodeConfig {
        NodeConfig {
            seccomp_default: false,
            seccomp_profile_root: Cow::Borrowed("/var/lib/kubelet/seccomp"),
            cap_last_cap: crate::caps::LAST_CAP,
            runtime_caps: None,
            apparmor: false,
            selinux: false,
            kernel: (6, 1),
            allowed_unsafe_sysctls: Vec::new(),
            supplemental_groups_policy: true,
        }
    }
}
