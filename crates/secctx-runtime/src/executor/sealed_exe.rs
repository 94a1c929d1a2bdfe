//! The secctx binary as a container may see it: never the host's file.
//!
//! Every process that joins a container (the init stages of `create`, the process `exec`
//! forks) runs the secctx binary until its `execve`, and a process in the container can reach
//! that binary through `/proc/<pid>/exe`. Opened there, the host file could be made
//! setuid-root (`chmod /proc/self/fd/N 04755`) or, once nothing runs it any more, rewritten
//! (CVE-2019-5736). Non-dumpable joiners (`PR_SET_DUMPABLE 0`, set by [`ensure`] and again by
//! each stage) already keep a container without `CAP_SYS_PTRACE` out of `/proc/<pid>/exe`;
//! this module makes sure that even with that capability, what it reaches cannot be changed.
//!
//! [`ensure`] re-executes secctx, once, from a file that cannot be changed, as runc does
//! (libcontainer/exeseal):
//!
//! 1. a read-only overlayfs mount created with `fsopen`/`fsmount` and attached nowhere, whose
//!    layers are the binary's own directory and an empty one (two lower layers and no upper
//!    one: overlayfs has nowhere to write). No copy, the page cache is shared, and the mount
//!    cannot be "unwrapped" into a writable one the way a read-only bind mount can;
//! 2. if that fails (no overlayfs, a deleted binary), a memfd copy sealed against writes,
//!    growth, shrinking, further sealing and (Linux 6.3+) changes of its exec bits.
//!
//! A binary already on a read-only mount, or already a sealed memfd, is run as it is.

use std::ffi::{CString, OsString};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::mount::{
    FsMountFlags, FsOpenFlags, MountAttrFlags, fsconfig_create, fsconfig_set_string, fsmount,
    fsopen,
};

use super::{ExecError, sys};

/// Set in the environment of the re-executed secctx: a binary that still fails the check then
/// is an error, not a reason to re-execute again (no loop).
const MARKER: &str = "SECCTX_EXE_SEALED";

/// An empty directory: the second lower layer overlayfs needs for a read-only mount.
const EMPTY_LOWER: &str = "/run/secctx/exe-seal";

/// The seals of a memfd copy that nothing may write, resize, or reseal.
const MEMFD_SEALS: i32 =
    libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;

/// `F_SEAL_EXEC` (Linux 6.3): the exec bits can no longer change (best effort).
const F_SEAL_EXEC: i32 = 0x20;

/// How the running binary is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealed {
    /// It lives on a read-only mount (the overlay of step 1, or installed that way).
    ReadOnlyMount,
    /// It is a memfd with every write seal.
    SealedMemfd,
}

/// Whether `/proc/self/exe` is safe to expose: on a read-only mount, or a sealed memfd.
pub fn check() -> Result<Option<Sealed>, ExecError> {
    let exe = std::fs::File::open("/proc/self/exe")
        .map_err(|e| ExecError::io("open /proc/self/exe", e))?;
    if sys::get_seals(exe.as_fd()).is_ok_and(|s| s & MEMFD_SEALS == MEMFD_SEALS) {
        return Ok(Some(Sealed::SealedMemfd));
    }
    if sys::on_readonly_mount(exe.as_fd()).map_err(|e| ExecError::io("fstatvfs secctx", e))? {
        return Ok(Some(Sealed::ReadOnlyMount));
    }
    Ok(None)
}

/// Whether `create` of this bundle makes its init visible to existing container processes
/// before its `execve`, and so needs [`ensure`]: unless `config.json` asks for a new pid
/// namespace, init joins one (a pod's shared namespace) or the host's, where other processes
/// see it. In a new pid namespace nothing else exists until init's own children, which come
/// after its execve; the processes of the host's pid namespace that see it are not in a
/// container (a container sharing the host's pid namespace without CAP_SYS_PTRACE is kept
/// out by the non-dumpable flag, which every stage sets regardless). An unreadable config
/// answers yes (`create` reports the real error later).
pub fn bundle_needs_sealing(bundle: &Path) -> bool {
    let Ok(text) = std::fs::read(bundle.join("config.json")) else {
        return true;
    };
    let Ok(config) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return true;
    };
    let new_pid_ns = config["linux"]["namespaces"].as_array().is_some_and(|nss| {
        nss.iter()
            .any(|ns| ns["type"] == "pid" && ns["path"].as_str().is_none_or(|p| p.is_empty()))
    });
    !new_pid_ns
}

/// Makes the process non-dumpable and, unless the running binary is already sealed, re-executes
/// it from a sealed copy with the same arguments and environment (returns only when no
/// re-execution was needed). Call it first thing in `main`, while single-threaded, in every
/// command that creates or joins containers.
pub fn ensure() -> Result<Sealed, ExecError> {
    // Before anything else: from here until a container's execve, nothing of this process
    // (or of its children, which inherit the flag) is reachable through /proc by a container
    // process without CAP_SYS_PTRACE.
    sys::set_dumpable(false).map_err(|e| ExecError::io("PR_SET_DUMPABLE", e))?;
    if let Some(s) = check()? {
        return Ok(s);
    }
    if std::env::var_os(MARKER).is_some() {
        return Err(ExecError::io(
            "sealing the secctx binary",
            std::io::Error::other("re-executed, yet /proc/self/exe is still a writable file"),
        ));
    }
    let args = cstrings(std::env::args_os())?;
    let mut env = cstrings(
        std::env::vars_os()
            .filter(|(k, _)| k != MARKER)
            .map(|(k, v)| [k, "=".into(), v].into_iter().collect::<OsString>()),
    )?;
    env.push(CString::new(format!("{MARKER}=1")).expect("no NUL"));
    let overlay = overlay_exe();
    let fd = match overlay {
        Ok(fd) => fd,
        Err(_) => memfd_exe()?,
    };
    let err = sys::execveat_fd(fd.as_fd(), &args, &env);
    Err(ExecError::io("re-executing the sealed secctx binary", err))
}

fn cstrings(items: impl Iterator<Item = OsString>) -> Result<Vec<CString>, ExecError> {
    items
        .map(|s| {
            CString::new(s.as_bytes()).map_err(|_| {
                ExecError::io(
                    "re-executing secctx",
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in argument"),
                )
            })
        })
        .collect()
}

/// overlayfs lowerdir syntax: `:` separates layers and `\` escapes.
fn escape_lower(p: &Path) -> Result<String, ExecError> {
    let s = p.to_str().ok_or_else(|| {
        ExecError::io(
            "sealing the secctx binary",
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "path is not UTF-8"),
        )
    })?;
    Ok(s.replace('\\', "\\\\").replace(':', "\\:"))
}

/// Step 1: `O_PATH` descriptor of the binary through a detached read-only overlay.
fn overlay_exe() -> Result<OwnedFd, ExecError> {
    let io = |what: &str| {
        let what = what.to_string();
        move |e| ExecError::io(what, e)
    };
    let path: PathBuf =
        std::fs::read_link("/proc/self/exe").map_err(io("readlink /proc/self/exe"))?;
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(ExecError::io(
            "sealing the secctx binary",
            std::io::Error::other("no directory"),
        ));
    };
    // Root-only and empty; its content could only shadow names other than ours (the binary's
    // own directory is the upper of the two lower layers).
    std::fs::create_dir_all(EMPTY_LOWER).map_err(io(EMPTY_LOWER))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(EMPTY_LOWER, std::fs::Permissions::from_mode(0o700))
        .map_err(io(EMPTY_LOWER))?;
    let ctx = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)
        .map_err(|e| io("fsopen overlay")(e.into()))?;
    let lower = format!(
        "{}:{}",
        escape_lower(dir)?,
        escape_lower(Path::new(EMPTY_LOWER))?
    );
    fsconfig_set_string(ctx.as_fd(), "lowerdir", lower.as_str())
        .map_err(|e| io("overlay lowerdir")(e.into()))?;
    // Inode number mapping is of no use here and only logs warnings when the layers are on
    // different filesystems; failing to turn it off changes nothing.
    let _ = fsconfig_set_string(ctx.as_fd(), "xino", "off");
    fsconfig_create(ctx.as_fd()).map_err(|e| io("overlay create")(e.into()))?;
    let mnt = fsmount(
        ctx.as_fd(),
        FsMountFlags::FSMOUNT_CLOEXEC,
        MountAttrFlags::MOUNT_ATTR_RDONLY
            | MountAttrFlags::MOUNT_ATTR_NOSUID
            | MountAttrFlags::MOUNT_ATTR_NODEV,
    )
    .map_err(|e| io("fsmount overlay")(e.into()))?;
    sys::open_path_at(mnt.as_fd(), Path::new(name)).map_err(io("open secctx in the overlay"))
}

/// Step 2: a sealed memfd copy of the binary.
fn memfd_exe() -> Result<OwnedFd, ExecError> {
    let io = |what: &'static str| move |e| ExecError::io(what, e);
    let fd = sys::memfd_sealable("secctx").map_err(io("memfd_create"))?;
    let mut src = std::fs::File::open("/proc/self/exe").map_err(io("open /proc/self/exe"))?;
    let mut dst = std::fs::File::from(fd);
    std::io::copy(&mut src, &mut dst).map_err(io("copying the secctx binary"))?;
    use std::os::unix::fs::PermissionsExt;
    dst.set_permissions(std::fs::Permissions::from_mode(0o511))
        .map_err(io("chmod memfd"))?;
    let fd = OwnedFd::from(dst);
    let _ = sys::add_seals(fd.as_fd(), F_SEAL_EXEC);
    sys::add_seals(fd.as_fd(), MEMFD_SEALS).map_err(io("sealing the memfd"))?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(config: &str) -> bool {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), config).unwrap();
        bundle_needs_sealing(dir.path())
    }

    #[test]
    fn only_a_new_pid_namespace_skips_sealing() {
        assert!(!needs(
            r#"{"linux":{"namespaces":[{"type":"mount"},{"type":"pid"}]}}"#
        ));
        assert!(!needs(
            r#"{"linux":{"namespaces":[{"type":"pid","path":""}]}}"#
        ));
        // Joining a pod's pid namespace, or staying in the host's: sealed.
        assert!(needs(
            r#"{"linux":{"namespaces":[{"type":"pid","path":"/proc/1/ns/pid"}]}}"#
        ));
        assert!(needs(r#"{"linux":{"namespaces":[{"type":"mount"}]}}"#));
        assert!(needs(r#"{"linux":{}}"#));
        assert!(needs("not json"));
        assert!(bundle_needs_sealing(Path::new("/nonexistent/bundle")));
    }

    #[test]
    fn lowerdir_escapes_separators() {
        assert_eq!(
            escape_lower(Path::new("/a:b\\c")).unwrap(),
            "/a\\:b\\\\c".to_string()
        );
    }
}
