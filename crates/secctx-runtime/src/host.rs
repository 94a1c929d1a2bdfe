//! What this machine's kernel offers: AppArmor, SELinux, the highest capability, the version.

/// The probe's findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// AppArmor is enabled (`/sys/module/apparmor/parameters/enabled` is `Y`).
    pub apparmor: bool,
    /// SELinux is enabled (`/sys/fs/selinux/enforce` exists).
    pub selinux: bool,
    /// `/proc/sys/kernel/cap_last_cap`.
    pub cap_last_cap: u8,
    /// Kernel `(major, minor)`.
    pub kernel: (u32, u32),
    /// This process's effective capabilities (`CapEff` in `/proc/self/status`): what a
    /// container runtime started from here can hand out.
    pub cap_eff: secctx_core::caps::CapSet,
}

/// Reads the facts from `/sys`, `/proc` and `uname`.
pub fn probe() -> Host {
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .map(|s| s.trim() == "Y")
        .unwrap_or(false);
    let selinux = std::path::Path::new("/sys/fs/selinux/enforce").exists();
    let cap_last_cap = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(secctx_core::caps::LAST_CAP);
    let release = rustix::system::uname()
        .release()
        .to_string_lossy()
        .into_owned();
    let cap_eff = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| parse_cap_eff(&s))
        .unwrap_or(secctx_core::caps::CapSet::all(cap_last_cap));
    Host {
        apparmor,
        selinux,
        cap_last_cap,
        kernel: parse_release(&release),
        cap_eff,
    }
}

/// The `CapEff:` line of a `/proc/<pid>/status` text.
pub fn parse_cap_eff(status: &str) -> Option<secctx_core::caps::CapSet> {
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(hex.trim(), 16)
        .ok()
        .map(secctx_core::caps::CapSet)
}

/// `6.1.0-18-amd64` → `(6, 1)`.
pub fn parse_release(release: &str) -> (u32, u32) {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor)
}

#[cfg(test)]
mod tests {
    #[test]
    fn release() {
        assert_eq!(super::parse_release("6.18.44-fc-v657"), (6, 18));
        assert_eq!(super::parse_release("5.4.0"), (5, 4));
    }

    #[test]
    fn cap_eff() {
        let status = "Name:\tx\nCapPrm:\t000001ffffffffff\nCapEff:\t000001fffeffffff\n";
        assert_eq!(super::parse_cap_eff(status).unwrap().0, 0x1fffeffffff);
        assert_eq!(super::parse_cap_eff("Name:\tx\n"), None);
    }
}
