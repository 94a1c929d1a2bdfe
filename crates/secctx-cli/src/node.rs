//! The node options `explain` and `oci` model.

use clap::Args;
use secctx_core::caps::CapSet;
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
    /// The container runtime's own effective capabilities, as 16 hex digits (`CapEff` of
    /// containerd in `/proc/<pid>/status`): privileged and `add: [ALL]` give exactly these.
    /// Default: every capability up to `--cap-last-cap`, as on a stock node.
    #[arg(long, value_name = "HEX", value_parser = parse_cap_set)]
    pub node_caps: Option<CapSet>,
    /// kubelet `--allowed-unsafe-sysctls` patterns (`kernel.msg*`), comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub allowed_unsafe_sysctls: Vec<String>,
    /// Take AppArmor, SELinux, cap_last_cap, the runtime's capabilities (this process's
    /// `CapEff`) and the kernel version from this machine.
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
            runtime_caps: self.node_caps,
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
            // A host root that holds every capability is a stock node: keep the default (and
            // its borrowed name lists) then; otherwise the containers get only what it has.
            if self.node_caps.is_none() && host.cap_eff != CapSet::all(host.cap_last_cap) {
                n.runtime_caps = Some(host.cap_eff);
            }
            n.kernel = host.kernel;
        }
        n
    }
}

/// `000001fffeffffff` (with or without `0x`) as a capability set.
fn parse_cap_set(s: &str) -> Result<CapSet, String> {
    let hex = s.trim_start_matches("0x");
    u64::from_str_radix(hex, 16)
        .map(CapSet)
        .map_err(|e| format!("{s:?} is not a capability set in hex (like 000001fffeffffff): {e}"))
}
