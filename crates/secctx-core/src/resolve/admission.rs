//! The kubelet's pod admission checks that reject a pod before any container starts.

use k8s_openapi::api::core::v1::PodSpec;
use serde::Serialize;

use super::node::NodeConfig;

/// A pod rejected by the kubelet (pod phase `Failed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// `status.reason`.
    pub reason: String,
    /// `status.message`.
    pub message: String,
}

/// The sysctls the kubelet allows without `--allowed-unsafe-sysctls` (`safe_sysctls.go`; the
/// kernel-version-gated ones assume a current kernel).
pub const SAFE_SYSCTLS: [&str; 12] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

/// The namespace a sysctl belongs to, if it is namespaced (`ipc` or `net`).
pub fn sysctl_namespace(name: &str) -> Option<&'static str> {
    let n = name.replace('/', ".");
    if n == "kernel.sem"
        || n.starts_with("kernel.shm")
        || n.starts_with("kernel.msg")
        || n.starts_with("fs.mqueue.")
    {
        Some("ipc")
    } else if n.starts_with("net.") {
        Some("net")
    } else {
        None
    }
}

/// The sysctl admission check (`pkg/kubelet/sysctl`): the first sysctl not allowed rejects the
/// pod.
pub fn check_sysctls(spec: &PodSpec, node: &NodeConfig) -> Option<Rejection> {
    let sysctls = spec.security_context.as_ref()?.sysctls.as_ref()?;
    for s in sysctls {
        let name = s.name.replace('/', ".");
        let allowed = SAFE_SYSCTLS.contains(&name.as_str())
            || node
                .allowed_unsafe_sysctls
                .iter()
                .any(|p| match p.strip_suffix('*') {
                    Some(prefix) => name.starts_with(prefix),
                    None => *p == name,
                });
        let err = if !allowed {
            Some(format!("{:?} not allowlisted", s.name))
        } else {
            match sysctl_namespace(&name) {
                Some("net") if spec.host_network == Some(true) => {
                    Some(format!("{:?} not allowed with host net enabled", s.name))
                }
                Some("ipc") if spec.host_ipc == Some(true) => {
                    Some(format!("{:?} not allowed with host ipc enabled", s.name))
                }
                _ => None,
            }
        };
        if let Some(e) = err {
            return Some(Rejection {
                reason: "SysctlForbidden".into(),
                message: format!("forbidden sysctl: {e}"),
            });
        }
    }
    None
}

/// The AppArmor admission check: a pod that requires AppArmor on a node without it.
pub fn check_apparmor(required: bool, node: &NodeConfig) -> Option<Rejection> {
    (required && !node.apparmor).then(|| Rejection {
        reason: "AppArmor".into(),
        message: "Cannot enforce AppArmor: AppArmor is not enabled on the host".into(),
    })
}

/// The SupplementalGroupsPolicy admission check.
pub fn check_groups_policy(spec: &PodSpec, node: &NodeConfig) -> Option<Rejection> {
    let policy = spec
        .security_context
        .as_ref()?
        .supplemental_groups_policy
        .as_deref()?;
    (policy == "Strict" && !node.supplemental_groups_policy).then(|| Rejection {
        reason: "SupplementalGroupsPolicyNotSupported".into(),
        message: "SupplementalGroupsPolicy=Strict is not supported in this node".into(),
    })
}
