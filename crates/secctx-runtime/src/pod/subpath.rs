//! A `subPath` made safe the kubelet's way (`subpath_linux.go`: `doSafeMakeDir`,
//! `doBindSubPath`), so that a container sharing the volume cannot make the mount land on a
//! host path (CVE-2017-1002101, the symlink swap):
//!
//! 1. the sub-path is refused when absolute or holding a `..` element (the kubelet checks
//!    again on the node, whatever the API server said);
//! 2. missing directories are created one at a time, each looked up with `openat2` and
//!    `RESOLVE_BENEATH` from the volume's root, with the volume root's mode;
//! 3. the sub-path is opened with `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)`: the
//!    kernel resolves every component, symlinks included, and fails (`EXDEV`) on anything that
//!    leaves the volume (an absolute symlink, `..` above the root) — in one atomic lookup, so
//!    swapping a directory for a symlink at any moment gives either the directory or an
//!    error, never the symlink's target;
//! 4. the opened file itself is bind-mounted, through `/proc/self/fd/N`, on the per-container
//!    bind point, which the container's spec names as the mount source; after the mount the
//!    bind point is checked to be the very inode that was opened.
//!
//! Symlinks that stay inside the volume are followed, as the kubelet does (`EvalSymlinks`,
//! then a within-volume check): a configMap key is `key -> ..data/key`.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use super::journal::{Entry, Journal};

/// Why a sub-path could not be prepared. The first two are what the kubelet tells the user;
/// the others the kubelet only logs, showing `failed to create subPath directory ...` or
/// `failed to prepare subPath ...` instead (see [`SubPathError::is_make_dir`]).
#[derive(Debug, thiserror::Error)]
pub enum SubPathError {
    /// An absolute sub-path.
    #[error("error SubPath `{0}` must not be an absolute path")]
    Absolute(String),
    /// A `..` element.
    #[error("unable to provision SubPath `{0}`: must not contain '..'")]
    Backstep(String),
    /// Creating a missing directory failed (or would have left the volume).
    #[error("creating {path:?} in volume {volume}: {message}")]
    MakeDir {
        /// The volume root.
        volume: PathBuf,
        /// The sub-path prefix.
        path: String,
        /// Why.
        message: String,
    },
    /// Opening or binding the sub-path failed (or it leaves the volume).
    #[error("subpath {path:?} of volume {volume}: {message}")]
    Prepare {
        /// The volume root.
        volume: PathBuf,
        /// The sub-path.
        path: String,
        /// Why.
        message: String,
    },
}

impl SubPathError {
    /// Whether the kubelet would report this as `failed to create subPath directory`.
    pub fn is_make_dir(&self) -> bool {
        matches!(self, SubPathError::MakeDir { .. })
    }
}

/// One sub-path to bind.
pub struct SubPathRequest<'a> {
    /// The volume's root on the host.
    pub volume_root: &'a Path,
    /// The sub-path (expanded already for `subPathExpr`).
    pub sub_path: &'a str,
    /// The bind point on the host (`<pod>/kubelet/volume-subpaths/<vol>/<ctr>/<index>`).
    pub bind_point: &'a Path,
    /// The directory holding every bind point of the pod, journalled for removal.
    pub bind_root: &'a Path,
    /// The pod's journal.
    pub journal: &'a Journal,
}

/// `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`: symlinks are followed only while they stay
/// under the directory fd; `/proc/<pid>/fd`-style links are refused outright.
fn beneath() -> ResolveFlags {
    ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS
}

/// `openat2` retried on `EAGAIN` (the kernel asks for a retry when a rename raced a
/// `RESOLVE_BENEATH` lookup).
fn open_beneath(root: &OwnedFd, path: &str, flags: OFlags) -> rustix::io::Result<OwnedFd> {
    let path = if path.is_empty() { "." } else { path };
    let mut tries = 0;
    loop {
        match rustix::fs::openat2(
            root,
            path,
            flags | OFlags::CLOEXEC,
            Mode::empty(),
            beneath(),
        ) {
            Err(Errno::AGAIN) if tries < 16 => tries += 1,
            r => return r,
        }
    }
}

/// The `/`-separated elements of a sub-path, without empty ones and `.`.
fn elements(sub_path: &str) -> Vec<&str> {
    sub_path
        .split('/')
        .filter(|e| !e.is_empty() && *e != ".")
        .collect()
}

/// `doSafeMakeDir`: creates what is missing of `sub_path` under `root`, one element at a time,
/// each with `mode`.
fn make_dirs(root: &OwnedFd, volume: &Path, sub_path: &str, mode: u32) -> Result<(), SubPathError> {
    let fail = |path: &str, message: String| SubPathError::MakeDir {
        volume: volume.to_path_buf(),
        path: path.to_string(),
        message,
    };
    let elems = elements(sub_path);
    for i in 0..elems.len() {
        let prefix = elems[..=i].join("/");
        match open_beneath(root, &prefix, OFlags::PATH) {
            Ok(_) => continue,
            Err(Errno::NOENT) => {}
            Err(e) => return Err(fail(&prefix, e.to_string())),
        }
        // The parent is looked up again from the root, beneath it: whatever the container
        // did to it since, it is inside the volume.
        let parent = open_beneath(
            root,
            &elems[..i].join("/"),
            OFlags::PATH | OFlags::DIRECTORY,
        )
        .map_err(|e| fail(&prefix, e.to_string()))?;
        match rustix::fs::mkdirat(&parent, elems[i], Mode::from_bits_truncate(mode)) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(fail(&prefix, e.to_string())),
        }
        // The umask took bits off: set the mode on what is there now (inside the volume, even
        // if it was swapped meanwhile).
        let dir = open_beneath(root, &prefix, OFlags::RDONLY | OFlags::DIRECTORY)
            .map_err(|e| fail(&prefix, e.to_string()))?;
        rustix::fs::fchmod(&dir, Mode::from_bits_truncate(mode))
            .map_err(|e| fail(&prefix, e.to_string()))?;
    }
    Ok(())
}

/// Makes an empty bind point of the right type (a directory for a directory, a file for
/// anything else), replacing a stale mount left on it.
fn bind_point(path: &Path, is_dir: bool) -> std::io::Result<()> {
    if path.exists() {
        // A container restarted: detach what was bound here before binding afresh.
        let _ = rustix::mount::unmount(path, rustix::mount::UnmountFlags::DETACH);
        let meta = std::fs::symlink_metadata(path)?;
        if meta.is_dir() == is_dir {
            return Ok(());
        }
        if meta.is_dir() {
            std::fs::remove_dir(path)?;
        } else {
            std::fs::remove_file(path)?;
        }
    }
    if is_dir {
        std::fs::create_dir(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o750))
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o640))
    }
}

/// Prepares one sub-path: after `Ok`, `req.bind_point` is a bind mount of the sub-path that
/// was inside the volume when it was opened.
pub fn bind_sub_path(req: &SubPathRequest<'_>) -> Result<(), SubPathError> {
    let sub = req.sub_path;
    if sub.starts_with('/') {
        return Err(SubPathError::Absolute(sub.to_string()));
    }
    if sub.split('/').any(|e| e == "..") {
        return Err(SubPathError::Backstep(sub.to_string()));
    }
    let prepare = |message: String| SubPathError::Prepare {
        volume: req.volume_root.to_path_buf(),
        path: sub.to_string(),
        message,
    };
    // The volume root is the node's own path (a plugin directory, or a hostPath the pod
    // author named); it is opened once and everything below is resolved from this fd.
    let root = rustix::fs::open(
        req.volume_root,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| prepare(format!("opening the volume: {e}")))?;
    let root_mode = rustix::fs::fstat(&root)
        .map_err(|e| prepare(e.to_string()))?
        .st_mode
        & 0o7777;

    // Create the sub-path when missing (the kubelet does so before binding, with the volume
    // root's mode, so the directory gets the right permissions rather than root's).
    let rel = elements(sub).join("/");
    let target = match open_beneath(&root, &rel, OFlags::PATH) {
        Err(Errno::NOENT) => {
            make_dirs(&root, req.volume_root, &rel, root_mode)?;
            open_beneath(&root, &rel, OFlags::PATH)
        }
        r => r,
    }
    .map_err(|e| prepare(format!("opening beneath the volume: {e}")))?;
    let st = rustix::fs::fstat(&target).map_err(|e| prepare(e.to_string()))?;
    let is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;

    // The bind point lives in the pod's directory, which only root can write.
    let parent = req
        .bind_point
        .parent()
        .ok_or_else(|| prepare("bind point has no parent".into()))?;
    req.journal
        .record(&Entry::Dir {
            path: req.bind_root.to_path_buf(),
        })
        .map_err(|e| prepare(e.to_string()))?;
    std::fs::create_dir_all(parent).map_err(|e| prepare(format!("{}: {e}", parent.display())))?;
    bind_point(req.bind_point, is_dir)
        .map_err(|e| prepare(format!("{}: {e}", req.bind_point.display())))?;
    req.journal
        .record(&Entry::Mount {
            path: req.bind_point.to_path_buf(),
        })
        .map_err(|e| prepare(e.to_string()))?;
    // Bind the opened file itself: /proc/self/fd/N is the object `target` holds, whatever the
    // path now names.
    let source = format!("/proc/self/fd/{}", target.as_fd().as_raw_fd());
    rustix::mount::mount_bind(source.as_str(), req.bind_point).map_err(|e| {
        prepare(format!(
            "bind {source} on {}: {e}",
            req.bind_point.display()
        ))
    })?;
    let bound = rustix::fs::stat(req.bind_point).map_err(|e| prepare(e.to_string()))?;
    if (bound.st_dev, bound.st_ino) != (st.st_dev, st.st_ino) {
        let _ = rustix::mount::unmount(req.bind_point, rustix::mount::UnmountFlags::DETACH);
        return Err(prepare(format!(
            "{} is not the opened sub-path after binding",
            req.bind_point.display()
        )));
    }
    Ok(())
}
