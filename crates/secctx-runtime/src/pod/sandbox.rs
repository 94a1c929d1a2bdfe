//! The pod sandbox: a process that holds the pod's network, IPC and UTS namespaces (and the
//! PID namespace with `shareProcessNamespace`, the user namespace with `hostUsers: false`) so
//! containers started later, after init containers have exited, still join them. containerd
//! runs the `pause` image for this; secctx runs its own binary (`secctx __pause`) from a
//! read-only rootfs that binds the host's `/usr` (and `/lib*` when they are not symlinks into
//! it) so the dynamic loader finds the C library.

use std::path::Path;

use oci_spec::runtime::{LinuxCapabilities, Mount, Process, Spec, User};

/// Top-level host entries the sandbox needs for the loader and the C library.
const HOST_DIRS: [&str; 6] = ["usr", "lib", "lib64", "lib32", "libx32", "bin"];

fn bind(dest: &str, source: &Path) -> Mount {
    let mut m = Mount::default();
    m.set_destination(dest.into());
    m.set_typ(Some("bind".into()));
    m.set_source(Some(source.to_path_buf()));
    m.set_options(Some(vec![
        "rbind".into(),
        "ro".into(),
        "nosuid".into(),
        "nodev".into(),
    ]));
    m
}

/// Prepares `rootfs` (an empty directory) and returns the extra mounts: host directories
/// (symlinks mirrored as symlinks) and `exe` at `/pause`.
pub fn prepare_rootfs(rootfs: &Path, exe: &Path) -> std::io::Result<Vec<Mount>> {
    let mut mounts = Vec::new();
    for d in HOST_DIRS {
        let host = Path::new("/").join(d);
        let Ok(meta) = std::fs::symlink_metadata(&host) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&host)?;
            std::os::unix::fs::symlink(target, rootfs.join(d))?;
        } else if meta.is_dir() {
            std::fs::create_dir_all(rootfs.join(d))?;
            mounts.push(bind(&format!("/{d}"), &host));
        }
    }
    for d in ["proc", "dev", "sys"] {
        std::fs::create_dir_all(rootfs.join(d))?;
    }
    std::fs::write(rootfs.join("pause"), b"")?;
    mounts.push(bind("/pause", exe));
    Ok(mounts)
}

/// The sandbox's spec from a container's rendered spec (rendered without a sandbox, so with
/// new namespaces, the pod's hostname and sysctls): the bind mounts are replaced by `extra`,
/// the process is `/pause __pause` as uid 0 with no capabilities, no_new_privs and no seccomp
/// filter, and the root is read-only.
pub fn sandbox_spec(base: &Spec, rootfs: &Path, extra: Vec<Mount>) -> Spec {
    let mut spec = base.clone();
    let mut mounts: Vec<Mount> = spec
        .mounts()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.typ().as_deref() != Some("bind"))
        .collect();
    mounts.extend(extra);
    spec.set_mounts(Some(mounts));
    let mut root = spec.root().clone().unwrap_or_default();
    root.set_path(rootfs.to_path_buf());
    root.set_readonly(Some(true));
    spec.set_root(Some(root));
    let mut p = Process::default();
    p.set_terminal(Some(false));
    p.set_args(Some(vec!["/pause".into(), "__pause".into()]));
    p.set_env(Some(vec!["PATH=/usr/bin:/bin".into()]));
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
        spec.set_linux(Some(linux));
    }
    spec.set_annotations(None);
    spec
}
