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
    Host {
        apparmor,
        selinux,
        cap_last_cap,
        kernel: parse_release(&release),
    }
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
}
