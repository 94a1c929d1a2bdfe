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

/// The capability sets of a process, with their field names.
fn sets(process: &oci_spec::runtime::Process) -> Vec<(&'static str, Vec<String>)> {
    let c = process.capabilities().clone().unwrap_or_default();
    let names = |s: &Option<Capabilities>| {
        s.iter()
            .flatten()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
    };
    vec![
        ("bounding", names(c.bounding())),
        ("effective", names(c.effective())),
        ("permitted", names(c.permitted())),
        ("inheritable", names(c.inheritable())),
        ("ambient", names(c.ambient())),
    ]
}

/// Every capability the config names is known (a parsed config only holds known ones; this
/// guards a name oci-spec knows and the kernel table here does not).
pub fn check_names(process: &oci_spec::runtime::Process) -> Result<(), super::ExecError> {
    for (field, names) in sets(process) {
        if let Some(n) = names.iter().find(|n| bit(n).is_none()) {
            return Err(super::ExecError::Unsupported(format!(
                "process.capabilities.{field}: unknown capability {n:?}"
            )));
        }
    }
    Ok(())
}

/// Refuses, at create, capabilities this kernel knows but the runtime's own bounding set
/// lacks: they could never be given (crun and runc fail the container the same way, later).
/// Capabilities above `cap_last_cap` are left out, as at exec.
pub fn check_bounding(process: &oci_spec::runtime::Process) -> Result<(), super::ExecError> {
    let last = last_cap();
    let have = own_bounding(last);
    for (field, names) in sets(process) {
        let missing: Vec<&str> = names
            .iter()
            .filter_map(|n| bit(n))
            .filter(|b| *b <= last && have & (1 << b) == 0)
            .map(|b| NAMES[b as usize])
            .collect();
        if !missing.is_empty() {
            return Err(super::ExecError::Unsupported(format!(
                "process.capabilities.{field}: not in the runtime's own bounding set: CAP_{}",
                missing.join(", CAP_")
            )));
        }
    }
    Ok(())
}

/// The calling process's bounding set (`CapBnd`).
fn own_bounding(last: u32) -> u64 {
    (0..=last)
        .filter(|b| {
            super::sys::prctl(libc::PR_CAPBSET_READ, u64::from(*b), 0, 0, 0).is_ok_and(|r| r == 1)
        })
        .fold(0u64, |m, b| m | (1 << b))
}

/// For a config oci-spec could not parse: the first capability name it does not know, with
/// the field (`process.capabilities.bounding[2]: unknown capability "CAP_FOO"`).
pub fn unknown_in_json(config: &serde_json::Value) -> Option<String> {
    let caps = config.get("process")?.get("capabilities")?.as_object()?;
    for field in [
        "bounding",
        "effective",
        "permitted",
        "inheritable",
        "ambient",
    ] {
        for (i, v) in caps
            .get(field)
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .enumerate()
        {
            let known = v
                .as_str()
                .is_some_and(|n| n.starts_with("CAP_") && bit(n).is_some());
            if !known {
                return Some(format!(
                    "process.capabilities.{field}[{i}]: unknown capability {v}"
                ));
            }
        }
    }
    None
}
