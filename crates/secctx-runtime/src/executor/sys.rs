//! The seam: every kernel call the executor makes goes through this file, so the unsafe
//! surface is one screen long and each call can be audited (and traced) in one place.
//!
//! Each function is a thin wrapper returning `io::Result`; no policy lives here.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn cstr(path: &Path) -> io::Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in path"))
}

/// The result of [`fork`].
pub enum Forked {
    /// We are the new process.
    Child,
    /// We are the caller; the child's pid.
    Parent(i32),
}

/// `fork(2)`. The caller must be single-threaded or only do async-signal-safe work in the
/// child until `exec`/`_exit` (see docs/executor.md).
pub fn fork() -> io::Result<Forked> {
    // SAFETY: fork has no memory-safety preconditions; the child-side restrictions are the
    // caller's contract, documented above.
    let pid = check(unsafe { libc::fork() } as libc::c_long)?;
    Ok(if pid == 0 {
        Forked::Child
    } else {
        Forked::Parent(pid as i32)
    })
}

/// `_exit(2)`: leaves without running destructors or atexit handlers (a forked child must not
/// flush the parent's buffers twice).
pub fn exit(code: i32) -> ! {
    // SAFETY: _exit never returns and has no preconditions.
    unsafe { libc::_exit(code) }
}

/// `waitpid(2)`; `Ok(None)` when `nohang` and the child has not changed state.
pub fn waitpid(pid: i32, nohang: bool) -> io::Result<Option<i32>> {
    let mut status = 0;
    let flags = if nohang { libc::WNOHANG } else { 0 };
    loop {
        // SAFETY: status is a valid out-pointer for the duration of the call.
        let r = unsafe { libc::waitpid(pid, &mut status, flags) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        return Ok(if r == 0 { None } else { Some(status) });
    }
}

/// Waits for any child; returns `(pid, status)`, `None` when there are no children left.
pub fn wait_any() -> io::Result<Option<(i32, i32)>> {
    let mut status = 0;
    loop {
        // SAFETY: status is a valid out-pointer.
        let r = unsafe { libc::waitpid(-1, &mut status, 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ECHILD) => return Ok(None),
                _ => return Err(e),
            }
        }
        return Ok(Some((r, status)));
    }
}

/// The shell convention for a wait status: the exit code, or 128 + the signal.
pub fn exit_code(status: i32) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        255
    }
}

/// `setsid(2)`.
pub fn setsid() -> io::Result<()> {
    // SAFETY: no arguments.
    check(unsafe { libc::setsid() } as libc::c_long).map(drop)
}

/// `kill(2)`.
pub fn kill(pid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: plain integers.
    check(unsafe { libc::kill(pid, sig) } as libc::c_long).map(drop)
}

/// `unshare(2)` with `CLONE_NEW*` flags.
pub fn unshare(flags: i32) -> io::Result<()> {
    // SAFETY: plain integer flags.
    check(unsafe { libc::unshare(flags) } as libc::c_long).map(drop)
}

/// `setns(2)`.
pub fn setns(fd: BorrowedFd<'_>, nstype: i32) -> io::Result<()> {
    // SAFETY: fd is a valid open descriptor for the duration of the call.
    check(unsafe { libc::setns(fd.as_raw_fd(), nstype) } as libc::c_long).map(drop)
}

/// `mount(2)`.
pub fn mount(
    source: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> io::Result<()> {
    let source = source.map(cstr).transpose()?;
    let target = cstr(target)?;
    let fstype = fstype.map(CString::new).transpose()?;
    let data = data.map(CString::new).transpose()?;
    let p = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    // SAFETY: every pointer is a NUL-terminated string alive until the call returns, or null.
    let r = unsafe {
        libc::mount(
            p(&source),
            target.as_ptr(),
            p(&fstype),
            flags,
            p(&data).cast(),
        )
    };
    check(r as libc::c_long).map(drop)
}

/// `umount2(2)`.
pub fn umount2(target: &Path, flags: i32) -> io::Result<()> {
    let target = cstr(target)?;
    // SAFETY: target is a valid C string.
    check(unsafe { libc::umount2(target.as_ptr(), flags) } as libc::c_long).map(drop)
}

/// `chroot(2)`.
pub fn chroot(path: &Path) -> io::Result<()> {
    let path = cstr(path)?;
    // SAFETY: path is a valid C string.
    check(unsafe { libc::chroot(path.as_ptr()) } as libc::c_long).map(drop)
}

/// `pivot_root(2)` (no libc wrapper: raw syscall).
pub fn pivot_root(new_root: &Path, put_old: &Path) -> io::Result<()> {
    let new_root = cstr(new_root)?;
    let put_old = cstr(put_old)?;
    // SAFETY: both are valid C strings.
    check(unsafe { libc::syscall(libc::SYS_pivot_root, new_root.as_ptr(), put_old.as_ptr()) })
        .map(drop)
}

/// `chdir(2)`.
pub fn chdir(path: &Path) -> io::Result<()> {
    let path = cstr(path)?;
    // SAFETY: valid C string.
    check(unsafe { libc::chdir(path.as_ptr()) } as libc::c_long).map(drop)
}

/// `mkfifo(3)`.
pub fn mkfifo(path: &Path, mode: u32) -> io::Result<()> {
    let path = cstr(path)?;
    // SAFETY: valid C string.
    check(unsafe { libc::mkfifo(path.as_ptr(), mode) } as libc::c_long).map(drop)
}

/// `sethostname(2)`.
pub fn sethostname(name: &str) -> io::Result<()> {
    // SAFETY: pointer and length describe `name`.
    check(unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) } as libc::c_long).map(drop)
}

/// `setdomainname(2)`.
pub fn setdomainname(name: &str) -> io::Result<()> {
    // SAFETY: pointer and length describe `name`.
    check(unsafe { libc::setdomainname(name.as_ptr().cast(), name.len()) } as libc::c_long)
        .map(drop)
}

/// `setrlimit(2)` for a `RLIMIT_*` resource number.
pub fn setrlimit(resource: i32, soft: u64, hard: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: lim is a valid rlimit.
    check(unsafe { libc::setrlimit(resource as _, &lim) } as libc::c_long).map(drop)
}

/// `setgroups(2)`.
pub fn setgroups(gids: &[u32]) -> io::Result<()> {
    // SAFETY: pointer and length describe `gids`.
    check(unsafe { libc::setgroups(gids.len(), gids.as_ptr()) } as libc::c_long).map(drop)
}

/// `setresgid(2)` with all three ids equal (raw syscall: per-thread, no glibc broadcast).
pub fn setresgid(gid: u32) -> io::Result<()> {
    // SAFETY: plain integers.
    check(unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) }).map(drop)
}

/// `setresuid(2)` with all three ids equal (raw syscall: per-thread, no glibc broadcast).
pub fn setresuid(uid: u32) -> io::Result<()> {
    // SAFETY: plain integers.
    check(unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) }).map(drop)
}

/// `prctl(2)` with integer arguments.
pub fn prctl(option: i32, a2: u64, a3: u64, a4: u64, a5: u64) -> io::Result<i32> {
    // SAFETY: every option used by the executor takes integer arguments only.
    check(unsafe { libc::prctl(option, a2, a3, a4, a5) } as libc::c_long).map(|r| r as i32)
}

/// The three capability sets as 64-bit masks.
#[derive(Clone, Copy, Debug, Default)]
pub struct CapSets {
    /// Effective.
    pub effective: u64,
    /// Permitted.
    pub permitted: u64,
    /// Inheritable.
    pub inheritable: u64,
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

/// `capset(2)` for the calling thread (version 3: two 32-bit words per set).
pub fn capset(sets: CapSets) -> io::Result<()> {
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let word = |m: u64, i: usize| (m >> (32 * i)) as u32;
    let data: [CapData; 2] = std::array::from_fn(|i| CapData {
        effective: word(sets.effective, i),
        permitted: word(sets.permitted, i),
        inheritable: word(sets.inheritable, i),
    });
    // SAFETY: header and data are valid, correctly sized v3 structures.
    check(unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) }).map(drop)
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)` with a compiled BPF program (`sock_filter`
/// array as bytes, 8 bytes per instruction).
pub fn seccomp_set_filter(bpf: &[u8], flags: u32) -> io::Result<()> {
    if !bpf.len().is_multiple_of(8) || bpf.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "BPF program is not a whole number of instructions",
        ));
    }
    // Copy into properly aligned instructions.
    let filters: Vec<libc::sock_filter> = bpf
        .chunks_exact(8)
        .map(|c| libc::sock_filter {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect();
    let prog = libc::sock_fprog {
        len: filters.len() as u16,
        filter: filters.as_ptr().cast_mut(),
    };
    // SAFETY: prog points at `filters`, which outlives the call.
    check(unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &prog as *const libc::sock_fprog,
        )
    })
    .map(drop)
}

/// Brings the loopback interface of the current network namespace up
/// (`SIOCGIFFLAGS`/`SIOCSIFFLAGS` on `lo`).
pub fn loopback_up() -> io::Result<()> {
    // SAFETY: plain integers.
    let fd = check(
        unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) }
            as libc::c_long,
    )? as RawFd;
    // SAFETY: fd was just returned by socket and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: ifreq is plain data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: req is a valid ifreq for these ioctls.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) } as libc::c_long)?;
    // SAFETY: reading the union member SIOCGIFFLAGS filled in.
    unsafe { req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
    // SAFETY: as above.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCSIFFLAGS, &mut req) } as libc::c_long)
        .map(drop)
}

/// `dup2(2)` onto a target number (used for stdio 0, 1, 2).
pub fn dup2(fd: BorrowedFd<'_>, target: RawFd) -> io::Result<()> {
    // SAFETY: fd is valid; target is a plain number the caller owns (0..=2).
    check(unsafe { libc::dup2(fd.as_raw_fd(), target) } as libc::c_long).map(drop)
}

/// `pipe2(O_CLOEXEC)`: `(read, write)`.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid 2-element out array.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } as libc::c_long)?;
    // SAFETY: both descriptors were just created and are owned by us alone.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `execve(2)`; returns only on failure.
pub fn execve(path: &CStr, args: &[CString], env: &[CString]) -> io::Error {
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    // SAFETY: argv/envp are NUL-terminated arrays of valid C strings alive across the call.
    unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    io::Error::last_os_error()
}

/// Marks every descriptor from `from` up close-on-exec (`close_range(2)` with
/// `CLOSE_RANGE_CLOEXEC`), so nothing inherited from the caller leaks into the container.
pub fn cloexec_from(from: u32) -> io::Result<()> {
    const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;
    // SAFETY: plain integers.
    check(unsafe { libc::syscall(libc::SYS_close_range, from, u32::MAX, CLOSE_RANGE_CLOEXEC) })
        .map(drop)
}

/// `umask(2)`.
pub fn umask(mask: u32) {
    // SAFETY: plain integer.
    unsafe { libc::umask(mask) };
}

/// Every signal back to its default disposition and an empty signal mask: a Rust program
/// ignores SIGPIPE, and an ignored signal would survive `execve` into the container.
pub fn reset_signals() -> io::Result<()> {
    for sig in 1..libc::SIGRTMAX() {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: SIG_DFL is always a valid disposition; errors for reserved numbers are
        // ignored.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
    // SAFETY: an empty set is a valid mask; the old-mask pointer may be null.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: set is a valid sigset_t.
    unsafe { libc::sigemptyset(&mut set) };
    // SAFETY: as above.
    check(
        unsafe { libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut()) } as libc::c_long,
    )
    .map(drop)
}

/// `struct mount_attr` of `mount_setattr(2)` (`MOUNT_ATTR_SIZE_VER0`, 32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct MountAttr {
    /// `MOUNT_ATTR_*` flags to set.
    pub attr_set: u64,
    /// `MOUNT_ATTR_*` flags to clear.
    pub attr_clr: u64,
    /// `MS_PRIVATE`, `MS_SHARED`, `MS_SLAVE` or `MS_UNBINDABLE`; 0 leaves it.
    pub propagation: u64,
    /// User namespace descriptor for `MOUNT_ATTR_IDMAP`.
    pub userns_fd: u64,
}

/// `mount_setattr(2)` on the mount `fd` names (`AT_EMPTY_PATH`), `recursive` adding
/// `AT_RECURSIVE` (the whole tree below it).
pub fn mount_setattr(fd: BorrowedFd<'_>, recursive: bool, attr: &MountAttr) -> io::Result<()> {
    let mut flags = libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= 0x8000; // AT_RECURSIVE
    }
    // SAFETY: the path is a valid empty C string, attr points at a live MountAttr whose size
    // is passed alongside.
    check(unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_raw_fd(),
            c"".as_ptr(),
            flags,
            attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    })
    .map(drop)
}

/// One page of anonymous memory shared (`MAP_SHARED`) with every process forked after it
/// was mapped. Init stores its last error there with plain memory writes, no system call:
/// a seccomp filter that denies everything (even `write` and `exit_group`) cannot stop that
/// report, and the monitor reads it once init is gone.
pub struct SharedPage {
    ptr: *mut u8,
}

const SHARED_PAGE: usize = 4096;

impl SharedPage {
    /// Maps a zeroed page (zero: nothing reported).
    pub fn new() -> io::Result<SharedPage> {
        // SAFETY: an anonymous mapping with no address hint; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                SHARED_PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(SharedPage { ptr: p.cast() })
    }

    /// Stores `msg` (truncated to the page): the bytes first, then their length + 1, so a
    /// reader never sees a length without its bytes.
    pub fn write(&self, msg: &[u8]) {
        let n = msg.len().min(SHARED_PAGE - 8);
        // SAFETY: the page is mapped for our lifetime and 8 + n <= SHARED_PAGE.
        unsafe {
            std::ptr::copy_nonoverlapping(msg.as_ptr(), self.ptr.add(8), n);
            std::ptr::write_volatile(self.ptr.cast::<u64>(), n as u64 + 1);
        }
    }

    /// What was stored, if anything.
    pub fn read(&self) -> Option<Vec<u8>> {
        // SAFETY: the page is mapped for our lifetime; the length is bounded below.
        unsafe {
            let n = std::ptr::read_volatile(self.ptr.cast::<u64>());
            if n == 0 {
                return None;
            }
            let n = ((n - 1) as usize).min(SHARED_PAGE - 8);
            Some(std::slice::from_raw_parts(self.ptr.add(8), n).to_vec())
        }
    }
}

impl Drop for SharedPage {
    fn drop(&mut self) {
        // SAFETY: ptr is the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.ptr.cast(), SHARED_PAGE) };
    }
}

/// `fcntl(F_ADD_SEALS)`.
pub fn add_seals(fd: BorrowedFd<'_>, seals: i32) -> io::Result<()> {
    // SAFETY: plain integers on an open descriptor.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } as libc::c_long)
        .map(drop)
}

/// Closes every descriptor from 3 up except those in `keep` (`close_range(2)` over the gaps).
/// Closing, not close-on-exec: a descriptor is reachable through `/proc/<pid>/fd` until the
/// process execs, so whatever a joining process does not hand over must be gone before it
/// joins.
pub fn close_fds_except(keep: &[RawFd]) -> io::Result<()> {
    let mut keep: Vec<u32> = keep
        .iter()
        .filter(|fd| **fd >= 3)
        .map(|fd| *fd as u32)
        .collect();
    keep.sort_unstable();
    keep.dedup();
    let mut from = 3u32;
    for fd in keep.iter().copied().chain(std::iter::once(u32::MAX)) {
        if fd > from {
            // SAFETY: plain integers; the descriptors in [from, fd) are not used by anyone
            // after this call (the caller lists every one it still needs in `keep`).
            check(unsafe { libc::syscall(libc::SYS_close_range, from, fd - 1, 0u32) })?;
        }
        from = fd.saturating_add(1);
    }
    Ok(())
}

/// `execveat(fd, "", argv, envp, AT_EMPTY_PATH)`: executes the file `fd` refers to; returns
/// only on failure.
pub fn execveat_fd(fd: BorrowedFd<'_>, args: &[CString], env: &[CString]) -> io::Error {
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    // SAFETY: argv/envp are NUL-terminated arrays of valid C strings alive across the call;
    // the path is the empty C string, as AT_EMPTY_PATH requires.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            fd.as_raw_fd(),
            c"".as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        )
    };
    io::Error::last_os_error()
}

/// `fcntl(F_GET_SEALS)`.
pub fn get_seals(fd: BorrowedFd<'_>) -> io::Result<i32> {
    // SAFETY: plain integers on an open descriptor.
    check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) } as libc::c_long)
        .map(|s| s as i32)
}

/// `getcwd(3)`: the kernel prefixes a directory outside the process's root with
/// `(unreachable)`, which this returns as is (the caller checks).
pub fn getcwd() -> io::Result<std::path::PathBuf> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    // SAFETY: buf is writable for buf.len() bytes; the raw syscall returns the length written
    // (no glibc rewriting of "(unreachable)" paths into ENOENT).
    let n = check(unsafe { libc::syscall(libc::SYS_getcwd, buf.as_mut_ptr(), buf.len()) })?;
    buf.truncate((n as usize).saturating_sub(1));
    use std::os::unix::ffi::OsStringExt;
    Ok(std::ffi::OsString::from_vec(buf).into())
}

/// `memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC)`; without `MFD_EXEC` on
/// kernels before 6.3, which do not know it (and where every memfd is executable).
pub fn memfd_sealable(name: &str) -> io::Result<OwnedFd> {
    const MFD_EXEC: u32 = 0x10;
    let name = CString::new(name)?;
    let create = |flags: u32| {
        // SAFETY: name is a valid C string.
        check(unsafe { libc::memfd_create(name.as_ptr(), flags) } as libc::c_long)
    };
    let base = libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING;
    let fd = match create(base | MFD_EXEC) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => create(base)?,
        r => r?,
    };
    // SAFETY: fd was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Whether the mount `fd` lives on is read-only (`fstatvfs(3)`, `ST_RDONLY`).
pub fn on_readonly_mount(fd: BorrowedFd<'_>) -> io::Result<bool> {
    // SAFETY: statvfs is plain data; all-zero is a valid value.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: st is a valid out-pointer; fd is open.
    check(unsafe { libc::fstatvfs(fd.as_raw_fd(), &mut st) } as libc::c_long)?;
    Ok(st.f_flag & libc::ST_RDONLY != 0)
}

/// `openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)`.
pub fn open_path_at(dir: BorrowedFd<'_>, name: &Path) -> io::Result<OwnedFd> {
    let name = cstr(name)?;
    // SAFETY: name is a valid C string; dir is open.
    let fd = check(unsafe {
        libc::openat(
            dir.as_raw_fd(),
            name.as_ptr(),
            libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    } as libc::c_long)?;
    // SAFETY: fd was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `prctl(PR_SET_DUMPABLE)`. A non-dumpable process's `/proc/<pid>` entries (`exe`, `fd/*`,
/// `cwd`, `root`, `mem`) are owned by root of the host and need `CAP_SYS_PTRACE` over it to
/// open: what keeps a container process away from a runtime process that joins it.
pub fn set_dumpable(dumpable: bool) -> io::Result<()> {
    prctl(libc::PR_SET_DUMPABLE, u64::from(dumpable), 0, 0, 0).map(drop)
}

/// `openat(dir, name, flags | O_CLOEXEC)` (no `O_CREAT`: no mode).
pub fn openat(dir: BorrowedFd<'_>, name: &Path, flags: i32) -> io::Result<OwnedFd> {
    let name = cstr(name)?;
    // SAFETY: name is a valid C string; dir is open.
    let fd = check(
        unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags | libc::O_CLOEXEC) }
            as libc::c_long,
    )?;
    // SAFETY: fd was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `pidfd_open(2)` (no libc wrapper: raw syscall).
pub fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: plain integers.
    let fd = check(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: fd was just returned by the kernel and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `pidfd_send_signal(2)` with no siginfo (as `kill(2)` would send it).
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> io::Result<()> {
    // SAFETY: pidfd is open; a null siginfo is allowed; flags 0.
    check(unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    })
    .map(drop)
}

/// `fchdir(2)`.
pub fn fchdir(dir: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: dir is open.
    check(unsafe { libc::fchdir(dir.as_raw_fd()) } as libc::c_long).map(drop)
}

/// `(st_dev, st_ino)` of an open file (namespace files compare equal by these).
pub fn dev_ino(fd: BorrowedFd<'_>) -> io::Result<(u64, u64)> {
    // SAFETY: stat is plain data; all-zero is a valid value.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: st is a valid out-pointer; fd is open.
    check(unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } as libc::c_long)?;
    Ok((st.st_dev, st.st_ino))
}

/// One seccomp user notification (`struct seccomp_notif`), as `record` keeps it.
#[derive(Clone, Copy, Debug)]
pub struct Notification {
    /// The cookie [`notif_continue`] answers.
    pub id: u64,
    /// The calling thread (in the supervisor's pid namespace).
    pub pid: u32,
    /// `AUDIT_ARCH_*` of the call.
    pub arch: u32,
    /// The system call number for that architecture.
    pub nr: i32,
}

/// `SECCOMP_IOCTL_NOTIF_RECV`: waits for the next notification on listener `fd`.
pub fn notif_recv(fd: BorrowedFd<'_>) -> io::Result<Notification> {
    // SAFETY: an all-zero seccomp_notif is valid (the kernel requires it zeroed).
    let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
    // SAFETY: `n` is a valid, writable seccomp_notif for the duration of the call.
    check(unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_RECV as _,
            &mut n as *mut libc::seccomp_notif,
        )
    } as libc::c_long)?;
    Ok(Notification {
        id: n.id,
        pid: n.pid,
        arch: n.data.arch,
        nr: n.data.nr,
    })
}

/// `SECCOMP_IOCTL_NOTIF_SEND` with `SECCOMP_USER_NOTIF_FLAG_CONTINUE`: lets the call run.
pub fn notif_continue(fd: BorrowedFd<'_>, id: u64) -> io::Result<()> {
    let mut resp = libc::seccomp_notif_resp {
        id,
        val: 0,
        error: 0,
        flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
    };
    // SAFETY: `resp` is a valid seccomp_notif_resp for the duration of the call.
    check(unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SEND as _,
            &mut resp as *mut libc::seccomp_notif_resp,
        )
    } as libc::c_long)
    .map(drop)
}

/// `SECCOMP_IOCTL_NOTIF_SET_FLAGS(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP)` (Linux 6.6): the
/// supervisor runs on the caller's CPU, about 8× cheaper per call (docs/record.md).
pub fn notif_sync_wake_up(fd: BorrowedFd<'_>) -> io::Result<()> {
    const SYNC_WAKE_UP: u64 = 1;
    // SAFETY: the flag is passed by value.
    check(unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS as _,
            SYNC_WAKE_UP,
        )
    } as libc::c_long)
    .map(drop)
}
