//! Sysctl names: the API server's name format (`IsValidSysctlName`) and the kernel namespace a
//! sysctl lives in (`k8s.io/component-helpers/node/util/sysctl`, `GetNamespace`), which decides
//! the `hostNetwork`/`hostIPC` conflicts.
//!
//! Upstream (component-helpers since 2023, unchanged at HEAD 2026-07) looks names up **exactly**
//! in a table (`kernel.sem`, `kernel.shmall`, `kernel.shmmax`, `kernel.shmmni`,
//! `kernel.shm_rmid_forced`, `kernel.shm`, `kernel.msgmax`, `kernel.msgmnb`, `kernel.msgmni`,
//! `kernel.msg` → IPC; `kernel.domainname` → UTS) and only then by prefix (`net.` → Net,
//! `fs.mqueue.` → IPC, `user.` → User). `kernel.shm` and `kernel.msg` are table entries meant for
//! the wildcards `kernel.shm*` / `kernel.msg*` (everything from the first `*` is cut off before
//! the lookup), not prefixes: `kernel.shmfoo` is in no namespace.

use std::sync::LazyLock;

use regex::Regex;

/// `SysctlMaxLength`.
pub const SYSCTL_MAX_LENGTH: usize = 253;

/// `sysctlContainSlashRegexp` as `%s` prints it.
pub const SYSCTL_NAME_REGEX: &str =
    r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$";

static SYSCTL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(SYSCTL_NAME_REGEX).expect("static regex"));

/// `IsValidSysctlName`: at most 253 bytes and matching [`SYSCTL_NAME_REGEX`].
pub fn is_valid_sysctl_name(name: &str) -> bool {
    name.len() <= SYSCTL_MAX_LENGTH && SYSCTL_RE.is_match(name)
}

/// A kernel namespace a sysctl belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysctlNamespace {
    /// The IPC namespace (shared with the host under `hostIPC`).
    Ipc,
    /// The network namespace (shared with the host under `hostNetwork`).
    Net,
    /// The UTS namespace.
    Uts,
    /// The user namespace.
    User,
    /// Not known to be namespaced.
    Unknown,
}

/// `NormalizeName`: when the first separator is `/`, swap `/` and `.` throughout
/// (`net/ipv4/conf/eno2.100/rp_filter` → `net.ipv4.conf.eno2/100.rp_filter`).
pub fn normalize_name(name: &str) -> String {
    match name.find(['.', '/']) {
        Some(i) if name.as_bytes()[i] == b'/' => name
            .chars()
            .map(|c| match c {
                '.' => '/',
                '/' => '.',
                c => c,
            })
            .collect(),
        _ => name.to_string(),
    }
}

/// `GetNamespace(sysctl)`'s namespace: normalize, cut at the first `*`, then exact table, then
/// prefixes.
pub fn namespace_of(sysctl: &str) -> SysctlNamespace {
    let normalized = normalize_name(sysctl);
    let name = normalized.split('*').next().unwrap_or_default();
    match name {
        "kernel.domainname" => return SysctlNamespace::Uts,
        "kernel.sem"
        | "kernel.shmall"
        | "kernel.shmmax"
        | "kernel.shmmni"
        | "kernel.shm_rmid_forced"
        | "kernel.shm"
        | "kernel.msgmax"
        | "kernel.msgmnb"
        | "kernel.msgmni"
        | "kernel.msg" => return SysctlNamespace::Ipc,
        _ => {}
    }
    if name.starts_with("net.") {
        SysctlNamespace::Net
    } else if name.starts_with("fs.mqueue.") {
        SysctlNamespace::Ipc
    } else if name.starts_with("user.") {
        SysctlNamespace::User
    } else {
        SysctlNamespace::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_sysctl_name("net.ipv4.ip_forward"));
        assert!(is_valid_sysctl_name("net/ipv4/conf/eno2.100/rp_filter"));
        assert!(is_valid_sysctl_name("a"));
        assert!(!is_valid_sysctl_name("Net.ipv4"));
        assert!(!is_valid_sysctl_name("net..ipv4"));
        assert!(!is_valid_sysctl_name("net.ipv4."));
        assert!(!is_valid_sysctl_name("kernel.shm*"));
        assert!(!is_valid_sysctl_name(&"a".repeat(254)));
    }

    #[test]
    fn namespaces() {
        use SysctlNamespace::*;
        let cases = [
            ("kernel.sem", Ipc),
            ("kernel.shmmax", Ipc),
            ("kernel.shm_rmid_forced", Ipc),
            ("kernel.msgmnb", Ipc),
            ("kernel.shmfoo", Unknown),
            ("kernel.msgfoo", Unknown),
            ("kernel.shm*", Ipc),
            ("fs.mqueue.msg_max", Ipc),
            ("fs/mqueue/msg_max", Ipc),
            ("fs.mqueue", Unknown),
            ("net.ipv4.ip_forward", Net),
            ("net/ipv4/ip_forward", Net),
            ("net", Unknown),
            ("kernel.domainname", Uts),
            ("user.max_user_namespaces", User),
            ("vm.swappiness", Unknown),
            ("", Unknown),
        ];
        for (name, ns) in cases {
            assert_eq!(namespace_of(name), ns, "{name}");
        }
        assert_eq!(
            normalize_name("net/ipv4/conf/eno2.100/rp_filter"),
            "net.ipv4.conf.eno2/100.rp_filter"
        );
        assert_eq!(normalize_name("net.ipv4/x"), "net.ipv4/x");
    }
}
