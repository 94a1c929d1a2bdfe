//! The container's filesystem view, built inside its new mount namespace: propagation,
//! the rootfs bind, `mounts`, `/dev`, `pivot_root`, then sysctls, read-only and masked paths,
//! and last the read-only root.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use libc::c_ulong;
use oci_spec::runtime::{LinuxDeviceType, Mount, Spec};

use super::in_root::Root;
use super::{mount_fd, sys};

/// An error with the step that failed.
pub type StepResult = Result<(), String>;

fn ctx<T>(r: io::Result<T>, what: impl FnOnce() -> String) -> Result<T, String> {
    r.map_err(|e| format!("{}: {e}", what()))
}

/// Mount flags and the remaining filesystem data of an options list.
#[derive(Debug, Default)]
pub struct Options {
    /// `MS_*` flags.
    pub flags: c_ulong,
    /// Propagation flags, applied in a second call.
    pub propagation: Vec<c_ulong>,
    /// Comma-joined filesystem options.
    pub data: String,
    /// `bind` or `rbind` was given.
    pub bind: bool,
    /// `rro`: the mount and every mount below it read-only (`mount_setattr` with
    /// `AT_RECURSIVE`), as containerd renders `recursiveReadOnly` for runc and crun.
    pub recursive_readonly: bool,
}

/// Parses OCI mount options as `mount(8)` does.
pub fn parse_options(options: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut data = Vec::new();
    for opt in options {
        let (set, clear): (c_ulong, c_ulong) = match opt.as_str() {
            "ro" => (libc::MS_RDONLY, 0),
            "rw" => (0, libc::MS_RDONLY),
            "nosuid" => (libc::MS_NOSUID, 0),
            "suid" => (0, libc::MS_NOSUID),
            "nodev" => (libc::MS_NODEV, 0),
            "dev" => (0, libc::MS_NODEV),
            "noexec" => (libc::MS_NOEXEC, 0),
            "exec" => (0, libc::MS_NOEXEC),
            "sync" => (libc::MS_SYNCHRONOUS, 0),
            "async" => (0, libc::MS_SYNCHRONOUS),
            "dirsync" => (libc::MS_DIRSYNC, 0),
            "remount" => (libc::MS_REMOUNT, 0),
            "mand" => (libc::MS_MANDLOCK, 0),
            "nomand" => (0, libc::MS_MANDLOCK),
            "atime" => (0, libc::MS_NOATIME),
            "noatime" => (libc::MS_NOATIME, 0),
            "diratime" => (0, libc::MS_NODIRATIME),
            "nodiratime" => (libc::MS_NODIRATIME, 0),
            "relatime" => (libc::MS_RELATIME, 0),
            "norelatime" => (0, libc::MS_RELATIME),
            "strictatime" => (libc::MS_STRICTATIME, 0),
            "nostrictatime" => (0, libc::MS_STRICTATIME),
            "bind" => {
                o.bind = true;
                (libc::MS_BIND, 0)
            }
            "rbind" => {
                o.bind = true;
                (libc::MS_BIND | libc::MS_REC, 0)
            }
            "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" | "unbindable"
            | "runbindable" => {
                let rec = if opt.starts_with('r') {
                    libc::MS_REC
                } else {
                    0
                };
                let p = match opt.trim_start_matches('r') {
                    "private" => libc::MS_PRIVATE,
                    "shared" => libc::MS_SHARED,
                    "slave" => libc::MS_SLAVE,
                    _ => libc::MS_UNBINDABLE,
                };
                o.propagation.push(p | rec);
                (0, 0)
            }
            "rro" => {
                o.recursive_readonly = true;
                (libc::MS_RDONLY, 0)
            }
            "tmpcopyup" | "idmap" | "ridmap" => {
                return Err(format!("mount option {opt:?} is not supported"));
            }
            other => {
                data.push(other.to_string());
                (0, 0)
            }
        };
        o.flags = (o.flags | set) & !clear;
    }
    o.data = data.join(",");
    Ok(o)
}

/// Everything before `pivot_root` but the paths: runs in the container's new mount namespace
/// (`own_mount`), or in the runtime's when the config has none (then the host's propagation
/// is left alone and the mounts land on the host, under the rootfs).
pub fn prepare(spec: &Spec, rootfs: &Path, in_userns: bool, own_mount: bool) -> StepResult {
    // 1. Nothing we mount may propagate to the host: make the whole tree private (slave for
    //    slave and shared, whose own peer group is made after pivot_root) first. This must
    //    precede every other mount. rootfsPropagation itself is applied to "/" by `finish`.
    let propagation = spec
        .linux()
        .as_ref()
        .and_then(|l| l.rootfs_propagation().clone())
        .unwrap_or_default();
    let root_flag = match propagation.as_str() {
        "slave" | "rslave" | "shared" | "rshared" => libc::MS_SLAVE,
        _ => libc::MS_PRIVATE,
    };
    if own_mount {
        ctx(
            sys::mount(None, Path::new("/"), None, libc::MS_REC | root_flag, None),
            || "make / private".into(),
        )?;
    }
    // 2. pivot_root needs the new root to be a mount point: bind the rootfs onto itself.
    ctx(
        sys::mount(
            Some(rootfs),
            rootfs,
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
        ),
        || format!("bind rootfs {}", rootfs.display()),
    )?;
    // 3. The root every later path is resolved in, opened *after* step 2: a descriptor
    //    opened before would name the directory under the bind, and mounts made through it
    //    would be hidden by the bind (and lost at pivot_root).
    let root = ctx(Root::open(rootfs), || {
        format!("open rootfs {}", rootfs.display())
    })?;
    // 4. The mounts, in the order given (later ones may land inside earlier ones).
    let mut dev_is_tmpfs = false;
    let label = spec.linux().as_ref().and_then(|l| l.mount_label().clone());
    let mount_label = label
        .as_deref()
        .filter(|l| !l.is_empty() && Path::new("/sys/fs/selinux/enforce").exists());
    for m in spec.mounts().iter().flatten() {
        let is_dev = m.destination() == Path::new("/dev");
        let typ = m.typ().clone().unwrap_or_default();
        mount_one(&root, m, in_userns, mount_label)?;
        if is_dev && typ == "tmpfs" {
            dev_is_tmpfs = true;
        }
    }
    // 5. Device nodes: the spec's default set plus linux.devices, only on a /dev we own.
    if dev_is_tmpfs {
        devices(spec, &root, in_userns)?;
    }
    Ok(())
}

/// The mount point for `m`: a file for a bind mount of a file, else a directory; created
/// inside the root if missing (an image symlink on the way is followed inside the root).
fn mount_point(root: &Root, m: &Mount, file: bool) -> Result<OwnedFd, String> {
    let dest = m.destination();
    if file {
        ctx(root.create_file(dest, 0o644), || {
            format!("create mount point {}", dest.display())
        })
    } else {
        ctx(root.mkdir_all(dest, 0o755), || {
            format!("mkdir mount point {}", dest.display())
        })
    }
}

/// `mount_label`: `linux.mountLabel` on a kernel with SELinux, given to every filesystem
/// that takes a `context=` option (runc's and crun's rule: not binds, not proc/sysfs/cgroup).
fn mount_one(root: &Root, m: &Mount, in_userns: bool, mount_label: Option<&str>) -> StepResult {
    // A mount with uidMappings/gidMappings: its source is already the id-mapped mount that
    // stage 1 moved over it (executor/idmap.rs), so the bind below takes the mapping.
    let typ = m.typ().clone().unwrap_or_default();
    let opts = parse_options(m.options().as_deref().unwrap_or(&[]))?;
    let source = m.source().clone().unwrap_or_default();
    let bind = opts.bind || typ == "bind";
    let what = || format!("mount {} on {}", typ, m.destination().display());
    if opts.recursive_readonly && !bind {
        return Err(format!("{}: \"rro\" needs a bind mount", what()));
    }
    let target = mount_point(root, m, bind && source.is_file())?;
    let mnt = if bind {
        // A bind takes the flags but MS_REC through `set_exact` on the detached tree.
        let rec = opts.flags & libc::MS_REC != 0;
        let tree = ctx(mount_fd::clone_tree(&source, None, rec), what)?;
        let flags = opts.flags & !(libc::MS_BIND | libc::MS_REC | libc::MS_REMOUNT);
        ctx(mount_fd::bind(tree, flags, target.as_fd()), what)?
    } else if typ == "cgroup" || typ == "cgroup2" {
        cgroup_mount(root, m.destination(), target.as_fd(), &opts)?
    } else {
        let src = if source.as_os_str().is_empty() {
            typ.clone()
        } else {
            source.to_string_lossy().into_owned()
        };
        // "ro" on a filesystem mount is a per-mount flag (fsmount's attributes), leaving
        // the superblock writable, as crun does.
        let flags = opts.flags & !libc::MS_REMOUNT;
        let mut data = opts.data.clone();
        if let Some(label) = mount_label
            && !matches!(typ.as_str(), "proc" | "sysfs" | "mqueue")
        {
            if !data.is_empty() {
                data.push(',');
            }
            data.push_str(&format!("context=\"{label}\""));
        }
        match mount_fd::filesystem(&typ, &src, &data, flags, target.as_fd()) {
            Ok(fd) => fd,
            // sysfs cannot be mounted in a user namespace that does not own the network
            // namespace: bind the host's read-only instead, as runc does.
            Err(e) if typ == "sysfs" && in_userns && e.raw_os_error() == Some(libc::EPERM) => {
                let tree = ctx(mount_fd::clone_tree(Path::new("/sys"), None, true), what)?;
                let ro = libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
                ctx(mount_fd::bind(tree, ro, target.as_fd()), what)?
            }
            Err(e) => return Err(format!("{}: {e}", what())),
        }
    };
    // `rro` after the top mount's flags: every submount of the source read-only too.
    if opts.recursive_readonly {
        ctx(mount_fd::recursive_readonly(mnt.as_fd()), || {
            format!("{}: recursive read-only", what())
        })?;
    }
    for p in &opts.propagation {
        ctx(mount_fd::propagate(mnt.as_fd(), *p), what)?;
    }
    Ok(())
}

/// `/sys/fs/cgroup` on this cgroup v1 host: a tmpfs with one cgroup mount per hierarchy the
/// host has (in a cgroup namespace each shows the container's own cgroup as its root).
fn cgroup_mount(
    root: &Root,
    dest: &Path,
    target: BorrowedFd<'_>,
    opts: &Options,
) -> Result<OwnedFd, String> {
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    let tmpfs = ctx(
        mount_fd::filesystem("tmpfs", "tmpfs", "mode=755", flags, target),
        || "mount tmpfs on /sys/fs/cgroup".into(),
    )?;
    let host = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut hierarchies = Vec::new();
    for line in host.lines() {
        let Some((_, after)) = line.split_once(" - ") else {
            continue;
        };
        let mut f = after.split_whitespace();
        if f.next() != Some("cgroup") {
            continue;
        }
        let super_opts = f.nth(1).unwrap_or_default();
        let mount_point = line.split_whitespace().nth(4).unwrap_or_default();
        let Some(name) = mount_point.strip_prefix("/sys/fs/cgroup/") else {
            continue;
        };
        let sub: Vec<&str> = super_opts
            .split(',')
            .filter(|o| *o != "rw" && *o != "ro")
            .collect();
        hierarchies.push((name.to_string(), sub.join(",")));
    }
    for (name, data) in hierarchies {
        // Through the root again: the tmpfs just mounted is on top at `dest`.
        let sub = dest.join(&name);
        let dir = ctx(root.mkdir_all(&sub, 0o755), || {
            format!("mkdir {}", sub.display())
        })?;
        ctx(
            mount_fd::filesystem(
                "cgroup",
                "cgroup",
                &data,
                flags | (opts.flags & libc::MS_RDONLY),
                dir.as_fd(),
            ),
            || format!("mount cgroup {name}"),
        )?;
    }
    if opts.flags & libc::MS_RDONLY != 0 {
        ctx(
            mount_fd::set_exact(tmpfs.as_fd(), libc::MS_RDONLY | flags),
            || "remount /sys/fs/cgroup read-only".into(),
        )?;
    }
    Ok(tmpfs)
}

/// One device node to create.
struct Node {
    path: PathBuf,
    kind: u32,
    major: u32,
    minor: u32,
    mode: u32,
    uid: u32,
    gid: u32,
}

/// The runtime-spec default devices (`/dev/null`, `zero`, `full`, `random`, `urandom`,
/// `tty`), the spec's `linux.devices`, and the `/dev` symlinks. Every path is resolved in
/// the root: an image's `dev -> /somewhere` symlink was already followed inside the root
/// when `/dev` was mounted, and is followed the same way here.
fn devices(spec: &Spec, root: &Root, in_userns: bool) -> StepResult {
    let defaults: [(&str, u32, u32); 6] = [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("full", 1, 7),
        ("tty", 5, 0),
        ("random", 1, 8),
        ("urandom", 1, 9),
    ];
    let mut nodes: Vec<Node> = defaults
        .iter()
        .map(|(n, maj, min)| Node {
            path: PathBuf::from("/dev").join(n),
            kind: libc::S_IFCHR,
            major: *maj,
            minor: *min,
            mode: 0o666,
            uid: 0,
            gid: 0,
        })
        .collect();
    for d in spec
        .linux()
        .as_ref()
        .and_then(|l| l.devices().clone())
        .unwrap_or_default()
    {
        let kind = match d.typ() {
            LinuxDeviceType::B => libc::S_IFBLK,
            LinuxDeviceType::P => libc::S_IFIFO,
            _ => libc::S_IFCHR,
        };
        nodes.retain(|n| n.path != *d.path());
        nodes.push(Node {
            path: d.path().clone(),
            kind,
            major: d.major() as u32,
            minor: d.minor() as u32,
            mode: d.file_mode().unwrap_or(0o666) & 0o7777,
            uid: d.uid().unwrap_or(0),
            gid: d.gid().unwrap_or(0),
        });
    }
    for n in nodes {
        let path = &n.path;
        if in_userns {
            // mknod is not allowed in a user namespace: bind the host's node instead.
            let target = ctx(root.create_file(path, 0o644), || {
                format!("create {}", path.display())
            })?;
            let bind = || format!("bind device {}", path.display());
            let tree = ctx(mount_fd::clone_tree(path, None, false), bind)?;
            ctx(
                mount_fd::bind(tree, libc::MS_NOSUID | libc::MS_NOEXEC, target.as_fd()),
                bind,
            )?;
        } else {
            let devno = libc::makedev(n.major, n.minor);
            ctx(
                root.mknod(path, n.kind, n.mode, devno, (n.uid, n.gid)),
                || format!("mknod {}", path.display()),
            )?;
        }
    }
    for (link, target) in [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ] {
        // An existing entry (the image's own) is kept, as before.
        let _ = root.symlink(Path::new(target), Path::new(link));
    }
    if root.resolve(Path::new("/dev/pts/ptmx")).is_ok() {
        let _ = root.unlink(Path::new("/dev/ptmx"));
        let _ = root.symlink(Path::new("pts/ptmx"), Path::new("/dev/ptmx"));
    }
    Ok(())
}

/// `pivot_root` into the rootfs and drop the old root.
pub fn pivot(rootfs: &Path) -> StepResult {
    // pivot_root(".", ".") stacks the old root on top of the new one at "/": no put_old
    // directory is needed in the image. Order matters:
    // 1. chdir into the new root so "." names it;
    ctx(sys::chdir(rootfs), || format!("chdir {}", rootfs.display()))?;
    // 2. swap roots;
    ctx(sys::pivot_root(Path::new("."), Path::new(".")), || {
        "pivot_root".into()
    })?;
    // 3. make the old root a slave before unmounting it, so the unmount cannot propagate
    //    back to the host's mounts;
    ctx(
        sys::mount(
            None,
            Path::new("."),
            None,
            libc::MS_SLAVE | libc::MS_REC,
            None,
        ),
        || "make old root rslave".into(),
    )?;
    // 4. lazily detach the old root, which now sits on top of the new one;
    ctx(sys::umount2(Path::new("."), libc::MNT_DETACH), || {
        "unmount old root".into()
    })?;
    // 5. and settle at the new "/".
    ctx(sys::chdir(Path::new("/")), || "chdir /".into())
}

/// `PROC_SUPER_MAGIC` of statfs(2).
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

/// The container's own procfs: `/proc` resolved in the root must be a proc filesystem (the
/// one `mounts` put there), so a sysctl is never written through an image's directory or
/// symlink that only looks like it.
fn container_proc(root: &Root) -> Result<Root, String> {
    let fd = ctx(root.resolve(Path::new("/proc")), || {
        "sysctl: open the container's /proc".into()
    })?;
    let st = ctx(rustix::fs::fstatfs(&fd).map_err(io::Error::from), || {
        "sysctl: statfs /proc".into()
    })?;
    if st.f_type as i64 != PROC_SUPER_MAGIC {
        return Err("sysctl: the container's /proc is not a proc filesystem".into());
    }
    Ok(Root::from_fd(fd, Path::new("/proc")))
}

/// Before `pivot_root` (the host's /dev/null is still reachable for masking files): sysctls,
/// then masked paths, then read-only paths. Sysctls come first because the read-only paths
/// include `/proc/sys`. Every path is resolved in the root by descriptor.
pub fn paths(spec: &Spec, rootfs: &Path) -> StepResult {
    // The rootfs path names the bind of step 2 of `prepare` (the top mount at that path).
    let root = ctx(Root::open(rootfs), || {
        format!("open rootfs {}", rootfs.display())
    })?;
    let linux = spec.linux().clone().unwrap_or_default();
    let mut sysctls: Vec<_> = linux
        .sysctl()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    sysctls.sort();
    if !sysctls.is_empty() {
        // Through the container's own /proc (it is in the container's namespaces), with no
        // symlink and no other mount allowed below it.
        let proc = container_proc(&root)?;
        for (key, value) in sysctls {
            let rel = Path::new("sys").join(key.replace('.', "/"));
            let what = || format!("sysctl {key}={value}");
            let fd = ctx(proc.beneath(&rel, rustix::fs::OFlags::WRONLY), what)?;
            use std::io::Write;
            ctx(std::fs::File::from(fd).write_all(value.as_bytes()), what)?;
        }
    }
    // Masked paths before read-only paths (crun's order; the two lists do not overlap in
    // practice, and when they do the mask must win: a read-only bind of /proc/sys would
    // otherwise hide a mask below it).
    for p in linux.masked_paths().iter().flatten() {
        mask_path(&root, Path::new(p))?;
    }
    for p in linux.readonly_paths().iter().flatten() {
        readonly_path(&root, Path::new(p))?;
    }
    Ok(())
}

/// The `MS_*` propagation flags of a `rootfsPropagation` value (`r*`: recursive).
pub fn propagation_flags(value: &str) -> Result<libc::c_ulong, String> {
    let (rec, base) = match value {
        "rshared" | "rslave" | "rprivate" | "runbindable" => (libc::MS_REC, &value[1..]),
        _ => (0, value),
    };
    let flag = match base {
        "shared" => libc::MS_SHARED,
        "slave" => libc::MS_SLAVE,
        "private" => libc::MS_PRIVATE,
        "unbindable" => libc::MS_UNBINDABLE,
        _ => {
            return Err(format!(
                "linux.rootfsPropagation {value:?}: use shared, slave, private, unbindable or their r* forms"
            ));
        }
    };
    Ok(flag | rec)
}

/// A container without a mount namespace: `chroot` into the rootfs (the bind of `prepare`),
/// as runc and crun do; `pivot_root` would change the runtime's own root.
pub fn chroot(rootfs: &Path) -> StepResult {
    ctx(sys::chdir(rootfs), || format!("chdir {}", rootfs.display()))?;
    ctx(sys::chroot(Path::new(".")), || "chroot".into())?;
    ctx(sys::chdir(Path::new("/")), || "chdir /".into())
}

/// After `pivot_root`: `rootfsPropagation` on "/" (every value, as runc applies it after
/// pivot_root; shared gets a peer group of its own, not the host's) and the read-only root.
pub fn finish(spec: &Spec, own_mount: bool) -> StepResult {
    if let Some(p) = spec
        .linux()
        .as_ref()
        .and_then(|l| l.rootfs_propagation().clone())
        .filter(|p| !p.is_empty())
        && own_mount
    {
        let flags = propagation_flags(&p)?;
        ctx(sys::mount(None, Path::new("/"), None, flags, None), || {
            format!("rootfsPropagation {p}")
        })?;
    }
    if spec.root().as_ref().and_then(|r| r.readonly()) == Some(true) {
        // Last: every mount point the steps above needed has been created by now.
        let what = || "remount / read-only".to_string();
        let slash = ctx(Root::open(Path::new("/")), what)?;
        ctx(mount_fd::set_exact(slash.fd(), libc::MS_RDONLY), what)?;
    }
    Ok(())
}

/// A masked or read-only path: its descriptor, or `None` when it does not exist in this
/// rootfs (`ENOENT`, or a component that is not a directory), which runc and crun skip.
fn existing(root: &Root, path: &Path, what: &str) -> Result<Option<OwnedFd>, String> {
    match root.resolve(path) {
        Ok(fd) => Ok(Some(fd)),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => Ok(None),
        Err(e) => Err(format!("{what} {}: {e}", path.display())),
    }
}

/// A read-only path: a recursive bind of the path onto itself, its top mount read-only.
fn readonly_path(root: &Root, path: &Path) -> StepResult {
    let Some(fd) = existing(root, path, "readonly path")? else {
        return Ok(());
    };
    let what = || format!("readonly path {}", path.display());
    let tree = ctx(mount_fd::clone_tree(path, Some(fd.as_fd()), true), what)?;
    ctx(mount_fd::bind(tree, libc::MS_RDONLY, fd.as_fd()), what).map(drop)
}

/// A directory is hidden under an empty read-only tmpfs, a file under the host's
/// `/dev/null` (reachable before pivot_root), read-only.
fn mask_path(root: &Root, path: &Path) -> StepResult {
    let Some(fd) = existing(root, path, "mask")? else {
        return Ok(());
    };
    let what = || format!("mask {}", path.display());
    let st = ctx(rustix::fs::fstat(&fd).map_err(io::Error::from), what)?;
    if st.st_mode & libc::S_IFMT == libc::S_IFDIR {
        ctx(
            mount_fd::filesystem("tmpfs", "tmpfs", "size=0k", libc::MS_RDONLY, fd.as_fd()),
            what,
        )?;
    } else {
        let null = ctx(
            mount_fd::clone_tree(Path::new("/dev/null"), None, false),
            what,
        )?;
        ctx(mount_fd::bind(null, libc::MS_RDONLY, fd.as_fd()), what)?;
    }
    Ok(())
}

/// Detaches what a container without a mount namespace of its own left on the host under
/// its rootfs `dir`: every mount strictly below it, deepest first, then one mount at `dir`
/// itself (the bind of `prepare`; a mount that was there before, such as the overlay
/// containerd mounts at `<bundle>/rootfs`, stays). Returns the mount points detached.
/// `UMOUNT_NOFOLLOW`: a mount point's last component is never followed if it has become a
/// symlink.
pub fn unmount_under(dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")?;
    let mut points: Vec<std::path::PathBuf> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| std::path::PathBuf::from(unescape_mountinfo(p)))
        .filter(|p| p.starts_with(dir) && p != dir)
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    points.dedup();
    let flags = libc::MNT_DETACH | libc::UMOUNT_NOFOLLOW;
    for p in &points {
        // A mount may be stacked several times on one point: detach until none is left.
        while sys::umount2(p, flags).is_ok() {}
    }
    if sys::umount2(dir, flags).is_ok() {
        points.push(dir.to_path_buf());
    }
    Ok(points)
}

/// Undoes mountinfo's octal escapes (`\040` for a space, `\011`, `\012`, `\134`).
fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
