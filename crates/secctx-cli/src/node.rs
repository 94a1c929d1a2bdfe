//! The node options `explain` and `oci` model.

use clap::Args;
use secctx_core::resolve::NodeConfig;

/// What kind of node to predict for. Defaults: a stock kubelet and containerd on a current
/// kernel without AppArmor or SELinux.
#[derive(Debug, Args, Clone)]
pub struct NodeArgs {
    /// Model the kubelet's `seccompDefault: true` (no profile means RuntimeDefault).
    #[arg(long)]
    pub seccomp_default: bool,
    /// The kubelet's seccomp profile root (Localhost profiles are relative to it).
    #[arg(long, value_name = "DIR", default_value = "/var/lib/kubelet/seccomp")]
    pub seccomp_root: String,
    /// The node has AppArmor enabled.
    #[arg(long)]
    pub apparmor: bool,
    /// The node has SELinux enabled.
    #[arg(long)]
    pub selinux: bool,
    /// Highest capability number of the node's kernel (`ALL` and privileged mean 0..=N).
    #[arg(long, value_name = "N", default_value_t = secctx_core::caps::LAST_CAP)]
    pub cap_last_cap: u8,
    /// kubelet `--allowed-unsafe-sysctls` patterns (`kernel.msg*`), comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub allowed_unsafe_sysctls: Vec<String>,
    /// Take AppArmor, SELinux, cap_last_cap and the kernel version from this machine.
    #[arg(long)]
    pub node_from_host: bool,
}

impl NodeArgs {
    /// The node configuration.
    pub fn config(&self) -> NodeConfig {
        let mut n = NodeConfig {
            seccomp_default: self.seccomp_default,
            seccomp_profile_root: self.seccomp_root.clone().into(),
            cap_last_cap: self.cap_last_cap,
            apparmor: self.apparmor,
            selinux: self.selinux,
            allowed_unsafe_sysctls: self.allowed_unsafe_sysctls.clone(),
            ..NodeConfig::default()
        };
        if self.node_from_host {
            let host = secctx_runtime::host::probe();
            n.apparmor = host.apparmor;
            n.selinux = host.selinux;
            n.cap_last_cap = host.cap_last_cap;
            n.kernel = host.kernel;
        }
        n
    }
}
