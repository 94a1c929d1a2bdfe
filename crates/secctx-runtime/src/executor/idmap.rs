//! Id-mapped mounts (`mount_setattr(MOUNT_ATTR_IDMAP)`), as runc and containerd 2 make them
//! for a container in a user namespace: the rootfs and every mount that carries
//! `uidMappings`/`gidMappings` are seen through the pod's mapping, so an id `n` on disk shows
//! as container id `n` and nothing of the image or the volume is chowned or copied.
//!
//! The order is forced by the kernel:
//! 1. [`prepare`], in secctx (the host's user namespace): only a caller with `CAP_SYS_ADMIN`
//!    over the filesystem's owning namespace (the initial one for ext4, tmpfs) may set an
//!    idmap, and only on a detached mount. Each source is cloned with
//!    `open_tree(OPEN_TREE_CLONE)` and given the mapping of a user namespace that carries it
//!    (the one the container joins, or a throwaway one with the spec's mappings).
//! 2. [`enter`], in the child that is about to enter the container's user namespace: a new
//!    mount namespace (a slave of the host's, so nothing propagates back), and every detached
//!    tree is moved (`move_mount`) over its own source path. The container's mount namespace
//!    is copied from this one, so its ordinary binds of those paths (and of the rootfs) take
//!    the id-mapped mounts, while the host never sees them.
//!
//! A filesystem or kernel that cannot id-map refuses the container with the reason
//! ([`IdmapError`]); nothing falls back to shifting owners.
//!
//! The three mount-API calls have no libc wrapper; like `sys.rs`, this file makes raw
//! `syscall(2)`s, each with its safety argument.
#![allow(unsafe_code)]

use std::collections::BTreeMap;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use oci_spec::runtime::{LinuxIdMapping, LinuxNamespaceType, Mount, Spec};

use super::sys;

/// The annotation that asks for an id-mapped rootfs (the OCI spec has no field for it;
/// containerd mounts an id-mapped snapshot itself). Value `"true"`.
pub const ROOTFS_IDMAP_ANNOTATION: &str = "io.secctx.rootfs.idmap";

const OPEN_TREE_CLONE: libc::c_uint = 1;
const AT_RECURSIVE: libc::c_uint = 0x8000;
const MOUNT_ATTR_IDMAP: u64 = 0x0010_0000;

/// `struct mount_attr` (MOUNT_ATTR_SIZE_VER0).
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// Why an id-mapped mount could not be made.
#[derive(Debug, thiserror::Error)]
pub enum IdmapError {
    /// The filesystem (or this kernel) does not support id-mapped mounts.
    #[error(
        "{path}: a {fs} filesystem cannot be id-mapped on this kernel ({source}); hostUsers: false needs id-mapped mounts"
    )]
    Unsupported {
        /// The source that was to be id-mapped.
        path: PathBuf,
        /// Its filesystem type.
        fs: String,
        /// The kernel's answer.
        #[source]
        source: io::Error,
    },
    /// A mapping is missing or malformed.
    #[error("id-mapped mount of {path}: {message}")]
    Mapping {
        /// The mount source.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Another kernel call failed.
    #[error("id-mapped mount of {path}: {what}: {source}")]
    Io {
        /// The mount source.
        path: PathBuf,
        /// The step.
        what: &'static str,
        /// The error.
        #[source]
        source: io::Error,
    },
}

/// Detached id-mapped trees, each to be moved over its target path.
#[derive(Debug, Default)]
pub struct Trees {
    trees: Vec<(PathBuf, OwnedFd)>,
}

impl Trees {
    /// No id-mapped mount is needed.
    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }

    /// The descriptors of the detached trees (a joiner that closes every descriptor it does
    /// not hand over must keep these until stage 1 has moved them).
    pub fn fds(&self) -> impl Iterator<Item = std::os::fd::RawFd> + '_ {
        use std::os::fd::AsRawFd;
        self.trees.iter().map(|(_, fd)| fd.as_raw_fd())
    }

    /// The paths that will be id-mapped, in order.
    pub fn targets(&self) -> impl Iterator<Item = &Path> {
        self.trees.iter().map(|(p, _)| p.as_path())
    }
}

/// Whether the spec asks for an id-mapped rootfs.
pub fn wants_rootfs(spec: &Spec) -> bool {
    spec.annotations()
        .as_ref()
        .and_then(|a| a.get(ROOTFS_IDMAP_ANNOTATION))
        .is_some_and(|v| v == "true")
}

/// Whether a mount asks to be id-mapped.
pub fn wants(m: &Mount) -> bool {
    m.uid_mappings().is_some() || m.gid_mappings().is_some()
}

type Maps = (Vec<(u32, u32, u32)>, Vec<(u32, u32, u32)>);

fn triples(v: &Option<Vec<LinuxIdMapping>>) -> Vec<(u32, u32, u32)> {
    v.iter()
        .flatten()
        .map(|m| (m.container_id(), m.host_id(), m.size()))
        .collect()
}

/// Step 1 (see the module doc): clones and id-maps the rootfs (when annotated) and every
/// mount with mappings. `rootfs` is the resolved rootfs path.
pub fn prepare(spec: &Spec, rootfs: &Path) -> Result<Trees, IdmapError> {
    let linux = spec.linux().clone().unwrap_or_default();
    let spec_maps: Maps = (triples(linux.uid_mappings()), triples(linux.gid_mappings()));
    let joined = linux
        .namespaces()
        .iter()
        .flatten()
        .find(|n| n.typ() == LinuxNamespaceType::User)
        .and_then(|n| n.path().clone());
    let root_maps = spec_maps.clone();
    let mut userns: BTreeMap<Maps, OwnedFd> = BTreeMap::new();
    let mut out = Trees::default();
    let mut add = |source: &Path, maps: Maps, recursive: bool| -> Result<(), IdmapError> {
        if maps.0.is_empty() || maps.1.is_empty() {
            return Err(IdmapError::Mapping {
                path: source.to_path_buf(),
                message: "both uid and gid mappings are needed".into(),
            });
        }
        if !userns.contains_key(&maps) {
            // The user namespace the container joins carries exactly the pod's mapping:
            // use it when the mapping is the spec's, as runc does; else a throwaway one.
            let fd =
                match &joined {
                    Some(p) if maps == spec_maps => std::fs::File::open(p)
                        .map(OwnedFd::from)
                        .map_err(|e| IdmapError::Io {
                            path: p.clone(),
                            what: "open the user namespace",
                            source: e,
                        })?,
                    _ => userns_with(&maps).map_err(|e| IdmapError::Io {
                        path: source.to_path_buf(),
                        what: "a user namespace for the mapping",
                        source: e,
                    })?,
                };
            userns.insert(maps.clone(), fd);
        }
        let fd = tree(source, userns[&maps].as_fd(), recursive)?;
        out.trees.push((source.to_path_buf(), fd));
        Ok(())
    };
    // Mount sources first, the rootfs last: none lies inside the rootfs, and the order of
    // `enter` follows this one.
    for m in spec.mounts().iter().flatten().filter(|m| wants(m)) {
        let source = m.source().clone().unwrap_or_default();
        let maps = (triples(m.uid_mappings()), triples(m.gid_mappings()));
        let recursive = m.options().iter().flatten().any(|o| o == "rbind");
        add(&source, maps, recursive)?;
    }
    if wants_rootfs(spec) {
        add(rootfs, root_maps, false)?;
    }
    Ok(out)
}

/// Step 2: runs in a forked child, in the host's user namespace, before it joins the
/// container's. Only kernel calls (safe after `fork`).
pub fn enter(trees: &Trees) -> io::Result<()> {
    if trees.is_empty() {
        return Ok(());
    }
    // A mount namespace of our own, a slave of the host's: the moves below must not
    // propagate to the host.
    sys::unshare(libc::CLONE_NEWNS)?;
    sys::mount(
        None,
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_SLAVE,
        None,
    )?;
    for (target, fd) in &trees.trees {
        move_mount(fd.as_fd(), target)?;
    }
    Ok(())
}

fn cpath(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

fn check(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// `open_tree(OPEN_TREE_CLONE)` of `source` (its last component not followed), then
/// `mount_setattr(MOUNT_ATTR_IDMAP)` with `userns`.
fn tree(source: &Path, userns: BorrowedFd<'_>, recursive: bool) -> Result<OwnedFd, IdmapError> {
    let io_err = |what, source_err| IdmapError::Io {
        path: source.to_path_buf(),
        what,
        source: source_err,
    };
    let c = cpath(source).map_err(|e| io_err("path", e))?;
    let rec = if recursive { AT_RECURSIVE } else { 0 };
    // SAFETY: a valid C string; the flags are plain integers; the returned fd is owned here.
    let fd = check(unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            c.as_ptr(),
            OPEN_TREE_CLONE
                | libc::O_CLOEXEC as libc::c_uint
                | libc::AT_SYMLINK_NOFOLLOW as libc::c_uint
                | rec,
        )
    })
    .map_err(|e| io_err("open_tree", e))?;
    // SAFETY: open_tree returned a new descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    let attr = MountAttr {
        attr_set: MOUNT_ATTR_IDMAP,
        attr_clr: 0,
        propagation: 0,
        userns_fd: userns.as_raw_fd() as u64,
    };
    let empty = c"";
    // SAFETY: fd and userns are open; attr is a live struct of the size given.
    let r = check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_EMPTY_PATH as libc::c_uint | rec,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    });
    match r {
        Ok(_) => Ok(fd),
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
            ) =>
        {
            Err(IdmapError::Unsupported {
                path: source.to_path_buf(),
                fs: fs_name(source),
                source: e,
            })
        }
        Err(e) => Err(io_err("mount_setattr MOUNT_ATTR_IDMAP", e)),
    }
}

fn move_mount(from: BorrowedFd<'_>, target: &Path) -> io::Result<()> {
    rustix::mount::move_mount(
        from,
        "",
        rustix::fs::CWD,
        target,
        rustix::mount::MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
    )
    .map_err(io::Error::from)
}

/// The filesystem type of `p` for a message.
fn fs_name(p: &Path) -> String {
    match rustix::fs::statfs(p) {
        Ok(st) => match st.f_type {
            0xEF53 => "ext4".into(),
            0x0102_1994 => "tmpfs".into(),
            0x794c_7630 => "overlay".into(),
            0x5846_5342 => "xfs".into(),
            0x9123_683E => "btrfs".into(),
            0x6969 => "nfs".into(),
            0x6573_5546 => "fuse".into(),
            other => format!("type {other:#x}"),
        },
        Err(_) => "unknown".into(),
    }
}

/// A user namespace that carries `maps`, for `mount_setattr` only: a child unshares it and
/// waits; we write its maps (root of the parent namespace, so `setgroups` stays allowed),
/// open `/proc/<child>/ns/user`, then kill the child. The namespace lives on through the fd.
pub fn userns_with(maps: &Maps) -> io::Result<OwnedFd> {
    let (ready_r, ready_w) = sys::pipe()?;
    let (go_r, go_w) = sys::pipe()?;
    let pid = match sys::fork()? {
        sys::Forked::Child => {
            // Only raw kernel calls until _exit.
            drop(ready_r);
            drop(go_w);
            let ok: u8 = if sys::unshare(libc::CLONE_NEWUSER).is_ok() {
                1
            } else {
                0
            };
            // SAFETY: a one-byte buffer on the stack; fds are open.
            unsafe {
                libc::write(ready_w.as_raw_fd(), (&ok as *const u8).cast(), 1);
                let mut b = 0u8;
                libc::read(go_r.as_raw_fd(), (&mut b as *mut u8).cast(), 1);
            }
            sys::exit(0);
        }
        sys::Forked::Parent(pid) => pid,
    };
    drop(ready_w);
    drop(go_r);
    let result = (|| {
        let mut b = [0u8; 1];
        let n = rustix::io::read(&ready_r, &mut b).map_err(io::Error::from)?;
        if n != 1 || b[0] != 1 {
            return Err(io::Error::other(
                "unshare(CLONE_NEWUSER) failed in the helper",
            ));
        }
        let fmt = |v: &[(u32, u32, u32)]| {
            v.iter()
                .map(|(c, h, s)| format!("{c} {h} {s}\n"))
                .collect::<String>()
        };
        std::fs::write(format!("/proc/{pid}/uid_map"), fmt(&maps.0))?;
        std::fs::write(format!("/proc/{pid}/gid_map"), fmt(&maps.1))?;
        Ok(OwnedFd::from(std::fs::File::open(format!(
            "/proc/{pid}/ns/user"
        ))?))
    })();
    // Let the helper go whatever happened, and reap it.
    drop(go_w);
    let _ = sys::kill(pid, libc::SIGKILL);
    let _ = sys::waitpid(pid, false);
    result
}
