//! Mounting by file descriptor with the new mount API: a mount is built *detached*
//! (`fsopen`/`fsmount` for a filesystem, `open_tree(OPEN_TREE_CLONE)` for a bind), gets its
//! flags while nobody else can see it, and is attached with `move_mount` onto an `O_PATH`
//! descriptor that [`super::in_root::Root`] resolved. No path is looked up twice, so a
//! container swapping the destination for a symlink (CVE-2021-30465) can at most move the
//! *directory* we hold, inside the mount it already lives in; it cannot redirect the mount.
//!
//! Later changes (a read-only remount, propagation) go through the descriptor of the mount
//! itself ([`set_exact`], [`propagate`], [`recursive_readonly`]), never through its path.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use libc::c_ulong;
use rustix::mount::{
    FsMountFlags, FsOpenFlags, MountAttrFlags, MoveMountFlags, OpenTreeFlags, fsconfig_create,
    fsconfig_set_flag, fsconfig_set_string, fsmount, fsopen, move_mount, open_tree,
};

use super::sys::{self, MountAttr};

const ATTR_RDONLY: u64 = 0x1;
const ATTR_NOSUID: u64 = 0x2;
const ATTR_NODEV: u64 = 0x4;
const ATTR_NOEXEC: u64 = 0x8;
const ATTR_ATIME_MASK: u64 = 0x70;
const ATTR_NOATIME: u64 = 0x10;
const ATTR_STRICTATIME: u64 = 0x20;
const ATTR_NODIRATIME: u64 = 0x80;

/// The per-mount `MOUNT_ATTR_*` flags of a set of `MS_*` flags (relatime when neither
/// noatime nor strictatime is given, as `mount(2)` defaults).
pub fn attrs(flags: c_ulong) -> u64 {
    let mut a = 0;
    for (ms, attr) in [
        (libc::MS_RDONLY, ATTR_RDONLY),
        (libc::MS_NOSUID, ATTR_NOSUID),
        (libc::MS_NODEV, ATTR_NODEV),
        (libc::MS_NOEXEC, ATTR_NOEXEC),
        (libc::MS_NOATIME, ATTR_NOATIME),
        (libc::MS_STRICTATIME, ATTR_STRICTATIME),
        (libc::MS_NODIRATIME, ATTR_NODIRATIME),
    ] {
        if flags & ms != 0 {
            a |= attr;
        }
    }
    if a & ATTR_NOATIME != 0 {
        a &= !ATTR_STRICTATIME;
    }
    a
}

/// The per-mount flags a mount has now (`fstatvfs`), as `MOUNT_ATTR_*`.
fn current(mnt: BorrowedFd<'_>) -> u64 {
    use rustix::fs::StatVfsMountFlags as F;
    let Ok(st) = rustix::fs::fstatvfs(mnt) else {
        return 0;
    };
    let mut a = 0;
    for (f, attr) in [
        (F::RDONLY, ATTR_RDONLY),
        (F::NOSUID, ATTR_NOSUID),
        (F::NODEV, ATTR_NODEV),
        (F::NOEXEC, ATTR_NOEXEC),
        (F::NOATIME, ATTR_NOATIME),
        (F::NODIRATIME, ATTR_NODIRATIME),
    ] {
        if st.f_flag.contains(f) {
            a |= attr;
        }
    }
    a
}

/// Gives the mount `mnt` exactly the per-mount flags `flags` (what `MS_BIND|MS_REMOUNT`
/// does), top mount only. In a user namespace the kernel locks the nosuid/nodev/noexec/
/// atime flags a mount came with: on `EPERM` the flags it has now are kept.
pub fn set_exact(mnt: BorrowedFd<'_>, flags: c_ulong) -> io::Result<()> {
    let all = ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV | ATTR_NOEXEC | ATTR_ATIME_MASK;
    let mut attr = MountAttr {
        attr_set: attrs(flags),
        attr_clr: all | ATTR_NODIRATIME,
        ..MountAttr::default()
    };
    match sys::mount_setattr(mnt, false, &attr) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            let locked = current(mnt) & !ATTR_RDONLY;
            attr.attr_set |= locked;
            if locked & ATTR_NOATIME != 0 {
                attr.attr_set &= !ATTR_STRICTATIME;
            }
            sys::mount_setattr(mnt, false, &attr)
        }
        r => r,
    }
}

/// Makes `mnt` and every mount below it read-only (`rro`: what runc and crun do with
/// `mount_setattr(AT_RECURSIVE, MOUNT_ATTR_RDONLY)`).
pub fn recursive_readonly(mnt: BorrowedFd<'_>) -> io::Result<()> {
    let attr = MountAttr {
        attr_set: ATTR_RDONLY,
        ..MountAttr::default()
    };
    sys::mount_setattr(mnt, true, &attr)
}

/// Applies one propagation option (`MS_PRIVATE`, `MS_SLAVE`, `MS_SHARED`, `MS_UNBINDABLE`,
/// each possibly with `MS_REC`) to the mount `mnt`.
pub fn propagate(mnt: BorrowedFd<'_>, p: c_ulong) -> io::Result<()> {
    let attr = MountAttr {
        propagation: p & !libc::MS_REC,
        ..MountAttr::default()
    };
    sys::mount_setattr(mnt, p & libc::MS_REC != 0, &attr)
}

/// Attaches the detached mount `tree` onto the object `target` names.
fn attach(tree: &OwnedFd, target: BorrowedFd<'_>) -> io::Result<()> {
    move_mount(
        tree,
        "",
        target,
        "",
        MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_EMPTY_PATH,
    )
    .map_err(io::Error::from)
}

/// A detached copy of the mount tree at `source` (a host path, or `source_fd` when given):
/// the mount alone, or with every mount below it when `recursive` (`rbind`).
pub fn clone_tree(
    source: &Path,
    source_fd: Option<BorrowedFd<'_>>,
    recursive: bool,
) -> io::Result<OwnedFd> {
    let mut flags = OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC;
    if recursive {
        flags |= OpenTreeFlags::AT_RECURSIVE;
    }
    match source_fd {
        Some(fd) => open_tree(fd, "", flags | OpenTreeFlags::AT_EMPTY_PATH),
        None => open_tree(rustix::fs::CWD, source, flags),
    }
    .map_err(io::Error::from)
}

/// Bind-mounts the detached tree `tree` (from [`clone_tree`]) onto `target`, first giving
/// its top mount exactly `flags` when any are asked for (a bind ignores them otherwise).
/// Returns the mount's descriptor, now attached.
pub fn bind(tree: OwnedFd, flags: c_ulong, target: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    // Flags before attaching: there is no moment at which the mount is visible with the
    // source's flags (e.g. writable when "ro" was asked for).
    if attrs(flags) != 0 {
        set_exact(tree.as_fd(), flags)?;
    }
    attach(&tree, target)?;
    Ok(tree)
}

/// Mounts a new `typ` filesystem (`source` as its source name, `data` its comma-separated
/// options, `flags` its `MS_*` flags) onto `target`; its descriptor, attached.
pub fn filesystem(
    typ: &str,
    source: &str,
    data: &str,
    flags: c_ulong,
    target: BorrowedFd<'_>,
) -> io::Result<OwnedFd> {
    let fs = fsopen(typ, FsOpenFlags::FSOPEN_CLOEXEC)?;
    if !source.is_empty() {
        fsconfig_set_string(&fs, "source", source)?;
    }
    // Superblock flags that are no per-mount attribute.
    for (ms, key) in [
        (libc::MS_SYNCHRONOUS, "sync"),
        (libc::MS_DIRSYNC, "dirsync"),
    ] {
        if flags & ms != 0 {
            fsconfig_set_flag(&fs, key)?;
        }
    }
    for opt in data.split(',').filter(|o| !o.is_empty()) {
        match opt.split_once('=') {
            Some((k, v)) => fsconfig_set_string(&fs, k, v)?,
            None => fsconfig_set_flag(&fs, opt)?,
        }
    }
    fsconfig_create(&fs)?;
    let tree = fsmount(
        &fs,
        FsMountFlags::FSMOUNT_CLOEXEC,
        MountAttrFlags::from_bits_retain(attrs(flags) as u32),
    )?;
    attach(&tree, target)?;
    Ok(tree)
}
