//! The pod sandbox: a process that holds the pod's network, IPC and UTS namespaces (and the
//! PID namespace with `shareProcessNamespace`, the user namespace with `hostUsers: false`) so
//! containers started later, after init containers have exited, still join them. containerd
//! runs the `pause` image for this; secctx runs its own static pause program ([`PAUSE`], built
//! from `pause.c` by build.rs) alone in a read-only root: `/pause` and the empty mount points
//! `/proc`, `/dev`, `/sys`. Nothing of the host is bound in, so with `shareProcessNamespace`
//! a container's `/proc/1/root` and `/proc/1/exe` show only that (no host `/usr`, no secctx
//! binary), and the read-only root makes `/proc/1/exe` unchangeable.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use oci_spec::runtime::{LinuxCapabilities, Mount, Process, Spec, User};

/// The pause program: static, reaps children as PID 1, exits 0 on SIGINT and SIGTERM.
pub const PAUSE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/pause"));

/// Fills `rootfs` (an empty directory) with the pause program at `/pause` (mode 0555) and the
/// mount points `/proc`, `/dev`, `/sys`. The file is created, never opened if present, so a
/// planted symlink is not followed.
pub fn prepare_rootfs(rootfs: &Path) -> std::io::Result<()> {
    for d in ["proc", "dev", "sys"] {
        std::fs::create_dir_all(rootfs.join(d))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o555)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(rootfs.join("pause"))?;
    f.write_all(PAUSE)?;
    // Exactly 0555 whatever the umask: a user-namespaced sandbox runs it as another host uid.
    f.set_permissions(std::fs::Permissions::from_mode(0o555))?;
    f.sync_all()
}

/// The sandbox's spec from a container's rendered spec (rendered without a sandbox, so with
/// new namespaces, the pod's hostname and sysctls): every bind mount is dropped (only kernel
/// filesystems such as proc, sysfs and tmpfs stay), the root is `rootfs` read-only, and the
/// process is `/pause` as uid 0 with no capabilities, no_new_privs and no seccomp filter.
pub fn sandbox_spec(base: &Spec, rootfs: &Path) -> Spec {
    let mut spec = base.clone();
    let mounts: Vec<Mount> = spec
        .mounts()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m.typ().as_deref() != Some("bind")
                && !m
                    .options()
                    .iter()
                    .flatten()
                    .any(|o| o == "bind" || o == "rbind")
        })
        .collect();
    spec.set_mounts(Some(mounts));
    let mut root = spec.root().clone().unwrap_or_default();
    root.set_path(rootfs.to_path_buf());
    root.set_readonly(Some(true));
    spec.set_root(Some(root));
    let mut p = Process::default();
    p.set_terminal(Some(false));
    p.set_args(Some(vec!["/pause".into()]));
    p.set_env(Some(vec![]));
    p.set_cwd("/".into());
    let mut u = User::default();
    u.set_uid(0);
    u.set_gid(0);
    p.set_user(u);
    let mut caps = LinuxCapabilities::default();
    caps.set_bounding(Some(Default::default()));
    caps.set_effective(Some(Default::default()));
    caps.set_permitted(Some(Default::default()));
    caps.set_inheritable(Some(Default::default()));
    caps.set_ambient(Some(Default::default()));
    p.set_capabilities(Some(caps));
    p.set_no_new_privileges(Some(true));
    p.set_rlimits(None);
    spec.set_process(Some(p));
    if let Some(mut linux) = spec.linux().clone() {
        linux.set_seccomp(None);
        linux.set_mount_label(None);
        // The container's cpu and memory limits are its own: the pause process only sits in
        // the pod cgroup, under the pod's totals (as the kubelet's sandbox gets no limits).
        let devices = linux.resources().as_ref().and_then(|r| r.devices().clone());
        let mut res = oci_spec::runtime::LinuxResources::default();
        res.set_devices(devices);
        linux.set_resources(Some(res));
        spec.set_linux(Some(linux));
    }
    spec.set_annotations(None);
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_is_a_static_executable() {
        assert_eq!(&PAUSE[..4], b"\x7fELF");
        assert_eq!(PAUSE[4], 2, "64-bit ELF");
        // A static executable has no PT_INTERP program header (no loader to find).
        let u16_at = |o: usize| u16::from_le_bytes([PAUSE[o], PAUSE[o + 1]]) as usize;
        let phoff = u64::from_le_bytes(PAUSE[0x20..0x28].try_into().unwrap()) as usize;
        let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
        const PT_INTERP: u32 = 3;
        for i in 0..phnum {
            let o = phoff + i * phentsize;
            let p_type = u32::from_le_bytes(PAUSE[o..o + 4].try_into().unwrap());
            assert_ne!(p_type, PT_INTERP, "the pause program is dynamically linked");
        }
    }

    #[test]
    fn rootfs_holds_only_pause_and_mount_points() {
        let dir = tempfile::tempdir().unwrap();
        prepare_rootfs(dir.path()).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["dev", "pause", "proc", "sys"]);
        let meta = std::fs::metadata(dir.path().join("pause")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o7777, 0o555);
        assert_eq!(std::fs::read(dir.path().join("pause")).unwrap(), PAUSE);
        // A second preparation does not write through what is already there.
        assert!(prepare_rootfs(dir.path()).is_err());
    }
}
