//! The kernel seam: every system call the ownership walk makes. All entry calls are relative
//! to an open directory fd and never follow a symlink in the last component, so a name that is
//! swapped for a symlink can at worst make a call fail, never reach outside the directory.

use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{self, AtFlags, Gid, Mode, OFlags, RawDir, Stat};
use rustix::io::Errno;
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// `st_mode` file-type bits.
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;

/// The raw `st_mode`.
pub(crate) fn raw_mode(st: &Stat) -> u32 {
    st.st_mode
}

/// A directory, by `st_mode`.
pub(crate) fn is_dir(st: &Stat) -> bool {
    st.st_mode & S_IFMT == S_IFDIR
}

/// A symlink, by `st_mode`.
pub(crate) fn is_symlink(st: &Stat) -> bool {
    st.st_mode & S_IFMT == S_IFLNK
}

/// `stat(path)`, following symlinks (`os.Stat` of `requiresPermissionChange`).
pub(crate) fn stat_path(path: &Path) -> Result<Stat, Errno> {
    fs::statat(fs::CWD, path, AtFlags::empty())
}

/// `lstat(path)`.
pub(crate) fn lstat_path(path: &Path) -> Result<Stat, Errno> {
    fs::statat(fs::CWD, path, AtFlags::SYMLINK_NOFOLLOW)
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOCTTY);

/// Opens `path` as a directory; a symlink in the last component fails (`ELOOP`/`ENOTDIR`).
pub(crate) fn open_dir_path(path: &Path) -> Result<OwnedFd, Errno> {
    fs::openat(fs::CWD, path, DIR_FLAGS, Mode::empty())
}

/// Opens the directory holding a non-directory root (following symlinks: it is the caller's
/// path, not volume content).
pub(crate) fn open_parent_dir(path: &Path) -> Result<OwnedFd, Errno> {
    fs::openat(
        fs::CWD,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// Opens the directory `name` inside `dir`, never following a symlink.
pub(crate) fn open_subdir(dir: BorrowedFd<'_>, name: &CStr) -> Result<OwnedFd, Errno> {
    fs::openat(dir, name, DIR_FLAGS, Mode::empty())
}

/// `fstatat(dir, name, AT_SYMLINK_NOFOLLOW)`.
pub(crate) fn lstat_at(dir: BorrowedFd<'_>, name: &CStr) -> Result<Stat, Errno> {
    fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
}

/// `fstat(fd)`.
pub(crate) fn fstat(fd: BorrowedFd<'_>) -> Result<Stat, Errno> {
    fs::fstat(fd)
}

/// `fchownat(dir, name, -1, gid, AT_SYMLINK_NOFOLLOW)`: the kubelet's `os.Lchown(path, -1, gid)`.
pub(crate) fn lchown_at(dir: BorrowedFd<'_>, name: &CStr, gid: u32) -> Result<(), Errno> {
    fs::chownat(
        dir,
        name,
        None,
        Some(Gid::from_raw(gid)),
        AtFlags::SYMLINK_NOFOLLOW,
    )
}

/// `fchown(fd, -1, gid)`.
pub(crate) fn fchown(fd: BorrowedFd<'_>, gid: u32) -> Result<(), Errno> {
    fs::fchown(fd, None, Some(Gid::from_raw(gid)))
}

/// `fchmod(fd, mode)`.
pub(crate) fn fchmod(fd: BorrowedFd<'_>, mode: u32) -> Result<(), Errno> {
    fs::fchmod(fd, Mode::from_raw_mode(mode))
}

static NO_FCHMODAT2: AtomicBool = AtomicBool::new(false);

/// `chmod` of `name` inside `dir` without following a symlink: `fchmodat2(..,
/// AT_SYMLINK_NOFOLLOW)` (Linux 6.6+; a symlink gives `EOPNOTSUPP`), else through an `O_PATH`
/// fd of the entry itself, re-checked not to be a symlink.
pub(crate) fn chmod_at_nofollow(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> Result<(), Errno> {
    if !NO_FCHMODAT2.load(Ordering::Relaxed) {
        match fchmodat2_nofollow(dir, name, mode) {
            Err(Errno::NOSYS) => NO_FCHMODAT2.store(true, Ordering::Relaxed),
            other => return other,
        }
    }
    let fd = fs::openat(
        dir,
        name,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    if is_symlink(&fs::fstat(&fd)?) {
        return Err(Errno::OPNOTSUPP);
    }
    // The magic link names the inode this fd holds, whatever happens to `name` meanwhile.
    let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
    fs::chmod(proc_path.as_str(), Mode::from_raw_mode(mode))
}

#[allow(unsafe_code)]
fn fchmodat2_nofollow(dir: BorrowedFd<'_>, name: &CStr, mode: u32) -> Result<(), Errno> {
    // SAFETY: fchmodat2(int dirfd, const char *path, mode_t mode, unsigned int flags): `dir` is
    // a live fd borrowed for the call, `name` a NUL-terminated string that outlives it; the
    // kernel reads nothing else and writes no memory.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_fchmodat2,
            dir.as_raw_fd(),
            name.as_ptr(),
            mode as libc::c_uint,
            libc::AT_SYMLINK_NOFOLLOW as libc::c_uint,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(Errno::from_raw_os_error(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO),
        ))
    }
}

/// Reads every entry of `dir` except `.` and `..`, in readdir order, into `f` as (inode
/// number, name). Uses one fixed buffer; nothing is collected.
pub(crate) fn for_each_entry(
    dir: BorrowedFd<'_>,
    mut f: impl FnMut(u64, &CStr) -> bool,
) -> Result<(), Errno> {
    let mut buf = vec![MaybeUninit::<u8>::uninit(); 32 * 1024];
    let mut it = RawDir::new(dir.as_fd(), &mut buf);
    while let Some(entry) = it.next() {
        let entry = entry?;
        let name = entry.file_name();
        let bytes = name.to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        if !f(entry.ino(), name) {
            break;
        }
    }
    Ok(())
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit: the walk holds one fd per directory
/// level per worker.
pub(crate) fn raise_nofile_limit() {
    let lim = getrlimit(Resource::Nofile);
    if lim.current < lim.maximum {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: lim.maximum,
                maximum: lim.maximum,
            },
        );
    }
}
