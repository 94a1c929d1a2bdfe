//! The container's filesystem view, built inside its new mount namespace: propagation,
//! the rootfs bind, `mounts`, `/dev`, `pivot_root`, then sysctls, read-only and masked paths,
//! and last the read-only root.

use std::io;
use std::path::{Component, Path, PathBuf};

use libc::c_ulong;
use oci_spec::runtime::{LinuxDeviceType, Mount, Spec};

use super::sys;

/// An error with the step that failed.
pub type StepResult = Result<(), String>;

fn ctx<T>(r: io::Result<T>, what: impl FnOnce() -> String) -> Result<T, String> {
    r.map_err(|e| format!("{}: {e}", what()))
}

/// Joins `path` under `root` resolving symlinks *inside* `root`, so an image's symlink
/// (`/proc -> /`) cannot make a mount land outside the rootfs.
pub fn secure_join(root: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    let mut pending: Vec<PathBuf> = vec![path.to_path_buf()];
    let mut hops = 0;
    while let Some(p) = pending.pop() {
        let mut comps: Vec<_> = p.components().collect();
        comps.reverse();
        while let Some(c) = comps.pop() {
            match c {
                Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
                Component::ParentDir => {
                    out.pop();
                }
                Component::Normal(name) => {
                    let candidate = out.join(name);
                    match std::fs::read_link(root.join(&candidate)) {
                        Ok(target) if hops < 255 => {
                            hops += 1;
                            if target.is_absolute() {
                                out = PathBuf::new();
                            }
                            let rest: PathBuf = comps.iter().rev().collect();
                            comps.clear();
                            pending.push(target.join(rest));
                            break;
                        }
                        _ => out = candidate,
                    }
                }
            }
        }
    }
    root.join(out)
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

/// Everything before `pivot_root` but the paths: runs in the container's new mount namespace.
pub fn prepare(spec: &Spec, rootfs: &Path, in_userns: bool) -> StepResult {
    // 1. Nothing we mount may propagate to the host: make the whole tree private (or slave,
    //    per rootfsPropagation) first. This must precede every other mount.
    let propagation = spec
        .linux()
        .as_ref()
        .and_then(|l| l.rootfs_propagation().clone())
        .unwrap_or_default();
    let root_flag = match propagation.as_str() {
        "slave" | "rslave" => libc::MS_SLAVE,
        "shared" | "rshared" => libc::MS_SLAVE, // shared is re-applied after pivot_root
        _ => libc::MS_PRIVATE,
    };
    ctx(
        sys::mount(None, Path::new("/"), None, libc::MS_REC | root_flag, None),
        || "make / private".into(),
    )?;
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
    // 3. The mounts, in the order given (later ones may land inside earlier ones).
    let mut dev_is_tmpfs = false;
    for m in spec.mounts().iter().flatten() {
        let is_dev = m.destination() == Path::new("/dev");
        let typ = m.typ().clone().unwrap_or_default();
        mount_one(rootfs, m, in_userns)?;
        if is_dev && typ == "tmpfs" {
            dev_is_tmpfs = true;
        }
    }
    // 4. Device nodes: the spec's default set plus linux.devices, only on a /dev we own.
    if dev_is_tmpfs {
        devices(spec, rootfs, in_userns)?;
    }
    Ok(())
}

fn mount_one(rootfs: &Path, m: &Mount, in_userns: bool) -> StepResult {
    // A mount with uidMappings/gidMappings: its source is already the id-mapped mount that
    // stage 1 moved over it (executor/idmap.rs), so the bind below takes the mapping.
    let typ = m.typ().clone().unwrap_or_default();
    let opts = parse_options(m.options().as_deref().unwrap_or(&[]))?;
    let dest = secure_join(rootfs, m.destination());
    let source = m.source().clone().unwrap_or_default();
    let bind = opts.bind || typ == "bind";
    // Create the mount point: a file for a bind mount of a file, else a directory.
    if bind && source.is_file() {
        if let Some(parent) = dest.parent() {
            ctx(std::fs::create_dir_all(parent), || {
                format!("mkdir {}", parent.display())
            })?;
        }
        if !dest.exists() {
            ctx(std::fs::File::create(&dest), || {
                format!("create {}", dest.display())
            })?;
        }
    } else {
        ctx(std::fs::create_dir_all(&dest), || {
            format!("mkdir {}", dest.display())
        })?;
    }
    let what = || format!("mount {} on {}", typ, m.destination().display());
    if bind {
        let rec = opts.flags & libc::MS_REC;
        ctx(
            sys::mount(Some(&source), &dest, None, libc::MS_BIND | rec, None),
            what,
        )?;
        // A bind mount ignores every flag but MS_REC: the others take a remount.
        let extra = opts.flags & !(libc::MS_BIND | libc::MS_REC | libc::MS_REMOUNT);
        if extra != 0 {
            remount(&dest, extra)?;
        }
    } else if typ == "cgroup" || typ == "cgroup2" {
        cgroup_mount(&dest, &opts)?;
    } else {
        let data = (!opts.data.is_empty()).then_some(opts.data.as_str());
        let src = if source.as_os_str().is_empty() {
            PathBuf::from(&typ)
        } else {
            source.clone()
        };
        // "ro" on a filesystem mount is applied per mount (a bind remount), leaving the
        // superblock writable, as crun does: mount first, then remount read-only.
        let ro = opts.flags & libc::MS_RDONLY;
        match sys::mount(Some(&src), &dest, Some(&typ), opts.flags & !ro, data) {
            Ok(()) if ro != 0 => remount(&dest, opts.flags & !libc::MS_REMOUNT)?,
            Ok(()) => {}
            // sysfs cannot be mounted in a user namespace that does not own the network
            // namespace: bind the host's read-only instead, as runc does.
            Err(e) if typ == "sysfs" && in_userns && e.raw_os_error() == Some(libc::EPERM) => {
                ctx(
                    sys::mount(
                        Some(Path::new("/sys")),
                        &dest,
                        None,
                        libc::MS_BIND | libc::MS_REC,
                        None,
                    ),
                    what,
                )?;
                remount(
                    &dest,
                    libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                )?;
            }
            Err(e) => return Err(format!("{}: {e}", what())),
        }
    }
    for p in &opts.propagation {
        ctx(sys::mount(None, &dest, None, *p, None), what)?;
    }
    Ok(())
}

/// Remounts a bind mount with `flags`, keeping the flags the kernel locked (in a user
/// namespace, nosuid/nodev/noexec/atime flags of the source cannot be cleared).
fn remount(dest: &Path, flags: c_ulong) -> StepResult {
    let base = libc::MS_BIND | libc::MS_REMOUNT | flags;
    match sys::mount(None, dest, None, base, None) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            let locked = statvfs_flags(dest).unwrap_or(0);
            ctx(sys::mount(None, dest, None, base | locked, None), || {
                format!("remount {} with flags {flags:#x}", dest.display())
            })
        }
        r => ctx(r, || {
            format!("remount {} with flags {flags:#x}", dest.display())
        }),
    }
}

fn statvfs_flags(path: &Path) -> Option<c_ulong> {
    let st = rustix::fs::statvfs(path).ok()?;
    let f = st.f_flag;
    let mut out = 0;
    for (st_flag, ms) in [
        (rustix::fs::StatVfsMountFlags::NOSUID, libc::MS_NOSUID),
        (rustix::fs::StatVfsMountFlags::NODEV, libc::MS_NODEV),
        (rustix::fs::StatVfsMountFlags::NOEXEC, libc::MS_NOEXEC),
        (rustix::fs::StatVfsMountFlags::NOATIME, libc::MS_NOATIME),
        (
            rustix::fs::StatVfsMountFlags::NODIRATIME,
            libc::MS_NODIRATIME,
        ),
        (rustix::fs::StatVfsMountFlags::RELATIME, libc::MS_RELATIME),
    ] {
        if f.contains(st_flag) {
            out |= ms;
        }
    }
    Some(out)
}

/// `/sys/fs/cgroup` on this cgroup v1 host: a tmpfs with one cgroup mount per hierarchy the
/// host has (in a cgroup namespace each shows the container's own cgroup as its root).
fn cgroup_mount(dest: &Path, opts: &Options) -> StepResult {
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    ctx(
        sys::mount(
            Some(Path::new("tmpfs")),
            dest,
            Some("tmpfs"),
            flags,
            Some("mode=755"),
        ),
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
        let target = dest.join(&name);
        ctx(std::fs::create_dir_all(&target), || {
            format!("mkdir {}", target.display())
        })?;
        ctx(
            sys::mount(
                Some(Path::new("cgroup")),
                &target,
                Some("cgroup"),
                flags | (opts.flags & libc::MS_RDONLY),
                Some(&data),
            ),
            || format!("mount cgroup {name}"),
        )?;
    }
    if opts.flags & libc::MS_RDONLY != 0 {
        remount(dest, libc::MS_RDONLY | flags)?;
    }
    Ok(())
}

/// The runtime-spec default devices (`/dev/null`, `zero`, `full`, `random`, `urandom`,
/// `tty`), the spec's `linux.devices`, and the `/dev` symlinks.
fn devices(spec: &Spec, rootfs: &Path, in_userns: bool) -> StepResult {
    let dev = rootfs.join("dev");
    let defaults: [(&str, u32, u32); 6] = [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("full", 1, 7),
        ("tty", 5, 0),
        ("random", 1, 8),
        ("urandom", 1, 9),
    ];
    let mut nodes: Vec<(PathBuf, u32, u32, u32, u32, u32, u32)> = defaults
        .iter()
        .map(|(n, maj, min)| {
            (
                PathBuf::from("/dev").join(n),
                libc::S_IFCHR,
                *maj,
                *min,
                0o666,
                0,
                0,
            )
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
        nodes.retain(|n| n.0 != *d.path());
        nodes.push((
            d.path().clone(),
            kind,
            d.major() as u32,
            d.minor() as u32,
            d.file_mode().unwrap_or(0o666) & 0o7777,
            d.uid().unwrap_or(0),
            d.gid().unwrap_or(0),
        ));
    }
    for (path, kind, major, minor, mode, uid, gid) in nodes {
        let target = secure_join(rootfs, &path);
        if let Some(parent) = target.parent() {
            ctx(std::fs::create_dir_all(parent), || {
                format!("mkdir {}", parent.display())
            })?;
        }
        if in_userns {
            // mknod is not allowed in a user namespace: bind the host's node instead.
            if !target.exists() {
                ctx(std::fs::File::create(&target), || {
                    format!("create {}", target.display())
                })?;
            }
            ctx(
                sys::mount(Some(&path), &target, None, libc::MS_BIND, None),
                || format!("bind device {}", path.display()),
            )?;
            remount(&target, libc::MS_NOSUID | libc::MS_NOEXEC)?;
        } else {
            let _ = std::fs::remove_file(&target);
            let devno = libc::makedev(major, minor);
            ctx(sys::mknod(&target, kind | mode, devno), || {
                format!("mknod {}", path.display())
            })?;
            // mknod applies the umask: set the mode exactly.
            use std::os::unix::fs::PermissionsExt;
            ctx(
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode)),
                || format!("chmod {}", path.display()),
            )?;
            ctx(
                std::os::unix::fs::chown(&target, Some(uid), Some(gid)),
                || format!("chown {}", path.display()),
            )?;
        }
    }
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        let _ = std::os::unix::fs::symlink(target, dev.join(link));
    }
    if dev.join("pts").join("ptmx").exists() {
        let _ = std::fs::remove_file(dev.join("ptmx"));
        let _ = std::os::unix::fs::symlink("pts/ptmx", dev.join("ptmx"));
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

/// Before `pivot_root` (the host's /dev/null is still reachable for masking files): sysctls,
/// then masked paths, then read-only paths. Sysctls come first because the read-only paths
/// include `/proc/sys`.
pub fn paths(spec: &Spec, rootfs: &Path) -> StepResult {
    let linux = spec.linux().clone().unwrap_or_default();
    let mut sysctls: Vec<_> = linux
        .sysctl()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    sysctls.sort();
    for (key, value) in sysctls {
        // Through the container's own /proc (it is in the container's namespaces).
        let path = secure_join(rootfs, &Path::new("/proc/sys").join(key.replace('.', "/")));
        ctx(std::fs::write(&path, &value), || {
            format!("sysctl {key}={value}")
        })?;
    }
    // Masked paths before read-only paths (crun's order; the two lists do not overlap in
    // practice, and when they do the mask must win: a read-only bind of /proc/sys would
    // otherwise hide a mask below it).
    let null = Path::new("/dev/null");
    for p in linux.masked_paths().iter().flatten() {
        mask_path(&secure_join(rootfs, Path::new(p)), null)?;
    }
    for p in linux.readonly_paths().iter().flatten() {
        readonly_path(&secure_join(rootfs, Path::new(p)))?;
    }
    Ok(())
}

/// After `pivot_root`: propagation of "/" and the read-only root.
pub fn finish(spec: &Spec) -> StepResult {
    if spec
        .linux()
        .as_ref()
        .and_then(|l| l.rootfs_propagation().clone())
        .is_some_and(|p| p == "shared" || p == "rshared")
    {
        ctx(
            sys::mount(
                None,
                Path::new("/"),
                None,
                libc::MS_SHARED | libc::MS_REC,
                None,
            ),
            || "make / shared".into(),
        )?;
    }
    if spec.root().as_ref().and_then(|r| r.readonly()) == Some(true) {
        // Last: every mount point the steps above needed has been created by now.
        remount(Path::new("/"), libc::MS_RDONLY)?;
    }
    Ok(())
}

fn readonly_path(path: &Path) -> StepResult {
    match sys::mount(Some(path), path, None, libc::MS_BIND | libc::MS_REC, None) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("readonly path {}: {e}", path.display())),
    }
    remount(path, libc::MS_RDONLY | libc::MS_REC)
}

/// A directory is hidden under an empty read-only tmpfs, a file under the host's
/// `/dev/null` (opened before pivot_root), read-only.
fn mask_path(path: &Path, null: &Path) -> StepResult {
    let what = || format!("mask {}", path.display());
    match std::fs::metadata(path) {
        Err(_) => return Ok(()),
        Ok(md) if md.is_dir() => ctx(
            sys::mount(
                Some(Path::new("tmpfs")),
                path,
                Some("tmpfs"),
                0,
                Some("size=0k"),
            ),
            what,
        )?,
        Ok(_) => ctx(
            sys::mount(Some(null), path, None, libc::MS_BIND, None),
            what,
        )?,
    }
    remount(path, libc::MS_RDONLY)
}
