//! `mounts`: containerd's default mounts (`populateDefaultUnixSpec` without `/run`), minus any
//! a CRI mount overrides (and every `/dev/*` one when `/dev` itself is mounted), the read-only
//! cgroup mount, then the CRI mounts stably sorted by path depth (`WithMounts`) as `bind`
//! mounts with `rbind`, the propagation and `ro`/`rw`. Privileged: sysfs and cgroup `rw`.

use oci_spec::runtime::{LinuxIdMapping, Mount};

use super::options::{RenderOptions, VolumeMount};

/// The mounts and the `linux.rootfsPropagation` they imply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mounts {
    /// `mounts`.
    pub mounts: Vec<Mount>,
    /// `rslave` with a HostToContainer mount, `rshared` with a Bidirectional one.
    pub rootfs_propagation: Option<String>,
}

fn mount(dest: &str, typ: &str, source: &str, options: &[&str]) -> Mount {
    let mut m = Mount::default();
    m.set_destination(dest.into());
    m.set_typ(Some(typ.into()));
    m.set_source(Some(source.into()));
    m.set_options(Some(options.iter().map(|s| s.to_string()).collect()));
    m
}

/// containerd's default mounts (after `WithoutRunMount`).
pub fn default_mounts() -> Vec<Mount> {
    vec![
        mount("/proc", "proc", "proc", &["nosuid", "noexec", "nodev"]),
        mount(
            "/dev",
            "tmpfs",
            "tmpfs",
            &["nosuid", "strictatime", "mode=755", "size=65536k"],
        ),
        mount(
            "/dev/pts",
            "devpts",
            "devpts",
            &[
                "nosuid",
                "noexec",
                "newinstance",
                "ptmxmode=0666",
                "mode=0620",
                "gid=5",
            ],
        ),
        mount(
            "/dev/shm",
            "tmpfs",
            "shm",
            &["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        ),
        mount(
            "/dev/mqueue",
            "mqueue",
            "mqueue",
            &["nosuid", "noexec", "nodev"],
        ),
        mount(
            "/sys",
            "sysfs",
            "sysfs",
            &["nosuid", "noexec", "nodev", "ro"],
        ),
    ]
}

/// The cgroup mount containerd adds ("inherits docker's behavior").
pub fn cgroup_mount() -> Mount {
    mount(
        "/sys/fs/cgroup",
        "cgroup",
        "cgroup",
        &["nosuid", "noexec", "nodev", "relatime", "ro"],
    )
}

/// `filepath.Clean` for absolute container paths.
fn clean(p: &str) -> String {
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

fn depth(p: &str) -> usize {
    clean(p).split('/').count()
}

/// Every mount of the container. `ipc` is the pod's IPC mode (`host` binds the host's
/// `/dev/shm`).
/// `idmap`: the pod's uid/gid mappings (`hostUsers: false`), which containerd puts on every
/// CRI mount (idmapped mounts).
pub fn mounts(
    privileged: bool,
    ipc: &str,
    idmap: Option<&(Vec<LinuxIdMapping>, Vec<LinuxIdMapping>)>,
    opts: &RenderOptions,
) -> Mounts {
    // containerd's own CRI mounts (`containerMounts`: /etc/hostname, /etc/resolv.conf,
    // /dev/shm) come before the kubelet's; the stable sort by depth keeps that order.
    let containerd_own =
        |d: &str| matches!(clean(d).as_str(), "/etc/hostname" | "/etc/resolv.conf");
    let mut cri: Vec<VolumeMount> = opts
        .mounts
        .iter()
        .filter(|m| containerd_own(&m.destination))
        .cloned()
        .collect();
    let supplied = |d: &str| opts.mounts.iter().any(|m| clean(&m.destination) == d);
    if !supplied("/dev/shm") {
        let source = if ipc == "host" {
            Some("/dev/shm".to_string())
        } else {
            opts.sandbox_shm.clone()
        };
        if let Some(source) = source {
            cri.push(VolumeMount {
                destination: "/dev/shm".into(),
                source,
                read_only: false,
                propagation: None,
                recursive_read_only: false,
            });
        }
    }
    cri.extend(
        opts.mounts
            .iter()
            .filter(|m| !containerd_own(&m.destination))
            .cloned(),
    );
    cri.sort_by_key(|m| depth(&m.destination));

    let dev_mounted = cri.iter().any(|m| clean(&m.destination) == "/dev");
    let mut out: Vec<Mount> = default_mounts()
        .into_iter()
        .filter(|m| {
            let d = clean(&m.destination().to_string_lossy());
            let overridden = cri.iter().any(|v| clean(&v.destination) == d);
            let under_dev = dev_mounted && d.starts_with("/dev/");
            !overridden && !under_dev
        })
        .collect();
    out.push(cgroup_mount());

    let mut rootfs_propagation: Option<String> = None;
    for v in &cri {
        let mut options = vec!["rbind".to_string()];
        match v.propagation.as_deref() {
            Some("Bidirectional") => {
                options.push("rshared".into());
                rootfs_propagation = Some("rshared".into());
            }
            Some("HostToContainer") => {
                options.push("rslave".into());
                if rootfs_propagation.as_deref() != Some("rshared") {
                    rootfs_propagation = Some("rslave".into());
                }
            }
            _ => options.push("rprivate".into()),
        }
        options.push(if v.read_only { "ro" } else { "rw" }.into());
        // containerd's WithMounts appends "rro" after "ro" for a recursive read-only mount.
        if v.recursive_read_only {
            options.push("rro".into());
        }
        let mut m = Mount::default();
        m.set_destination(v.destination.clone().into());
        m.set_typ(Some("bind".into()));
        m.set_source(Some(v.source.clone().into()));
        m.set_options(Some(options));
        if let Some((u, g)) = idmap {
            m.set_uid_mappings(Some(u.clone()));
            m.set_gid_mappings(Some(g.clone()));
        }
        out.push(m);
    }
    if privileged {
        for m in &mut out {
            if matches!(m.typ().as_deref(), Some("sysfs" | "cgroup")) {
                let opts: Vec<String> = m
                    .options()
                    .iter()
                    .flatten()
                    .map(|o| {
                        if o == "ro" {
                            "rw".to_string()
                        } else {
                            o.clone()
                        }
                    })
                    .collect();
                m.set_options(Some(opts));
            }
        }
    }
    Mounts {
        mounts: out,
        rootfs_propagation,
    }
}
