//! Capability names (as oci-spec prints them) → kernel bit numbers and 64-bit masks.

use oci_spec::runtime::Capabilities;

/// Kernel capability names in bit order (`include/uapi/linux/capability.h`).
pub const NAMES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// The bit of a capability, by name with or without `CAP_`.
pub fn bit(name: &str) -> Option<u32> {
    let name = name.strip_prefix("CAP_").unwrap_or(name);
    NAMES.iter().position(|n| *n == name).map(|i| i as u32)
}

/// The mask of a set; capabilities above `last_cap` (unknown to this kernel) are left out,
/// as runc and crun do.
pub fn mask(set: Option<&Capabilities>, last_cap: u32) -> u64 {
    set.into_iter()
        .flatten()
        .filter_map(|c| bit(&c.to_string()))
        .filter(|b| *b <= last_cap)
        .fold(0, |m, b| m | (1 << b))
}

/// `/proc/sys/kernel/cap_last_cap`.
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}
