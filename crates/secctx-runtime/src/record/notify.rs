//! System calls by seccomp user notification: every call of the container (its init's own
//! calls after the filter is installed included) is held, noted as `(arch, nr)` and let
//! through with `SECCOMP_USER_NOTIF_FLAG_CONTINUE`.
//!
//! The embedded executor loads the notifying filter with `NEW_LISTENER` and leaves the
//! listener fd in the init ([`crate::executor::seccomp::NOTIFY_ANNOTATION`]); the init then
//! blocks in its next call until a supervisor answers, so nothing runs unobserved. The
//! supervisor ([`spawn`]) finds that fd in `/proc/<pid>/fd` and takes it with `pidfd_getfd`.
//! The same notifications give the identity: each thread's uids and gids on its first call
//! and after each `execve`, and a uid or gid change across an exec (a setuid/setgid binary).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::os::fd::{AsFd, OwnedFd};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use libseccomp::{ScmpArch, ScmpSyscall};
use rustix::event::{PollFd, PollFlags, poll};
use rustix::process::{Pid, PidfdFlags, PidfdGetfdFlags, pidfd_getfd, pidfd_open};

use crate::executor::sys;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
const X32_BIT: i32 = 0x4000_0000;

/// What the notifications showed.
#[derive(Debug, Default)]
pub struct SyscallLog {
    /// Names by `SCMP_ARCH_*`.
    pub syscalls: BTreeMap<String, BTreeSet<String>>,
    /// Number of notifications answered.
    pub calls: u64,
    /// Real and effective uids seen.
    pub uids: BTreeSet<u32>,
    /// Real and effective gids seen.
    pub gids: BTreeSet<u32>,
    /// Executables that ran with an effective id other than the real one.
    pub escalations: BTreeSet<String>,
    /// What went wrong or could not be seen.
    pub notes: Vec<String>,
}

/// `(arch, nr)` → (`SCMP_ARCH_*`, name).
pub fn name(arch: u32, nr: i32) -> (String, String) {
    let (a, label) = match arch {
        AUDIT_ARCH_X86_64 if nr & X32_BIT != 0 => (ScmpArch::X32, "SCMP_ARCH_X32"),
        AUDIT_ARCH_X86_64 => (ScmpArch::X8664, "SCMP_ARCH_X86_64"),
        AUDIT_ARCH_I386 => (ScmpArch::X86, "SCMP_ARCH_X86"),
        AUDIT_ARCH_AARCH64 => (ScmpArch::Aarch64, "SCMP_ARCH_AARCH64"),
        _ => return (format!("0x{arch:x}"), format!("nr{nr}")),
    };
    let n = ScmpSyscall::from_raw_syscall(nr)
        .get_name_by_arch(a)
        .unwrap_or_else(|_| format!("nr{nr}"));
    (label.to_string(), n)
}

/// `Uid:`/`Gid:` of `/proc/<pid>/status`: (real, effective) each.
fn ids(pid: u32) -> Option<((u32, u32), (u32, u32))> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |key: &str| -> Option<(u32, u32)> {
        let line = s.lines().find(|l| l.starts_with(key))?;
        let mut it = line[key.len()..].split_whitespace();
        Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
    };
    Some((field("Uid:")?, field("Gid:")?))
}

/// Waits (up to `limit`) for `pid` to hold a seccomp listener, and takes a copy of it.
fn listener(pid: i32, limit: Duration) -> Result<OwnedFd, String> {
    let p = Pid::from_raw(pid).ok_or("no pid")?;
    let pidfd = pidfd_open(p, PidfdFlags::empty()).map_err(|e| format!("pidfd_open {pid}: {e}"))?;
    let start = Instant::now();
    loop {
        let dir = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map_err(|e| format!("/proc/{pid}/fd: {e}"))?;
        for entry in dir.flatten() {
            let link = std::fs::read_link(entry.path()).unwrap_or_default();
            if link.as_os_str() != "anon_inode:seccomp notify" {
                continue;
            }
            let Some(n) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            return pidfd_getfd(&pidfd, n, PidfdGetfdFlags::empty())
                .map_err(|e| format!("pidfd_getfd {pid}/{n}: {e}"));
        }
        if start.elapsed() > limit {
            return Err(format!(
                "pid {pid} installed no notifying seccomp filter within {limit:?}"
            ));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Supervises the container whose init is `pid` until every task under the filter is gone.
pub fn spawn(pid: i32) -> JoinHandle<SyscallLog> {
    std::thread::spawn(move || {
        let mut log = SyscallLog::default();
        let fd = match listener(pid, Duration::from_secs(30)) {
            Ok(fd) => fd,
            Err(e) => {
                log.notes.push(format!("syscalls not recorded: {e}"));
                return log;
            }
        };
        if let Err(e) = sys::notif_sync_wake_up(fd.as_fd()) {
            log.notes.push(format!(
                "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP refused ({e}): recording is slower"
            ));
        }
        serve(&fd, &mut log);
        log
    })
}

fn serve(fd: &OwnedFd, log: &mut SyscallLog) {
    let mut seen: HashSet<(u32, i32)> = HashSet::new();
    let mut known_pids: HashSet<u32> = HashSet::new();
    let mut after_exec: HashSet<u32> = HashSet::new();
    loop {
        let mut fds = [PollFd::new(fd, PollFlags::IN)];
        match poll(&mut fds, None) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => {
                log.notes.push(format!("poll on the seccomp listener: {e}"));
                return;
            }
        }
        let ev = fds[0].revents();
        if !ev.contains(PollFlags::IN) {
            return; // POLLHUP: no task is left under the filter
        }
        let n = match sys::notif_recv(fd.as_fd()) {
            Ok(n) => n,
            // The caller died between poll and recv.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            Err(e) => {
                log.notes.push(format!("SECCOMP_IOCTL_NOTIF_RECV: {e}"));
                return;
            }
        };
        log.calls += 1;
        let fresh = known_pids.insert(n.pid);
        if (fresh || after_exec.remove(&n.pid))
            && let Some(((ruid, euid), (rgid, egid))) = ids(n.pid)
        {
            log.uids.extend([ruid, euid]);
            log.gids.extend([rgid, egid]);
            if !fresh && (ruid != euid || rgid != egid) {
                let exe = std::fs::read_link(format!("/proc/{}/exe", n.pid))
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| format!("pid {}", n.pid));
                log.escalations.insert(exe);
            }
        }
        if seen.insert((n.arch, n.nr)) {
            let (arch, name) = name(n.arch, n.nr);
            log.syscalls.entry(arch).or_default().insert(name);
        }
        if n.arch == AUDIT_ARCH_X86_64
            && (n.nr == libc::SYS_execve as i32 || n.nr == libc::SYS_execveat as i32)
        {
            after_exec.insert(n.pid);
        }
        // ENOENT: the caller was killed meanwhile; nothing to answer.
        let _ = sys::notif_continue(fd.as_fd(), n.id);
    }
}

/// Processes that join the container later (`exec`, probes) load the container's notifying
/// filter themselves and block until someone answers: this watches the pid namespace of
/// `init` for new holders of a seccomp listener and supervises each, until `stop` is set and
/// every one of them is gone. Their calls and identities are merged into one log.
pub fn watch(
    init: i32,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> JoinHandle<SyscallLog> {
    use std::sync::atomic::Ordering;
    std::thread::spawn(move || {
        let mut log = SyscallLog::default();
        let Ok(ns) = std::fs::read_link(format!("/proc/{init}/ns/pid")) else {
            return log;
        };
        let mut taken: HashSet<i32> = HashSet::from([init]);
        let mut served: Vec<JoinHandle<SyscallLog>> = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            if let Ok(dir) = std::fs::read_dir("/proc") {
                for e in dir.flatten() {
                    let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok())
                    else {
                        continue;
                    };
                    if taken.contains(&pid)
                        || std::fs::read_link(format!("/proc/{pid}/ns/pid"))
                            .ok()
                            .as_ref()
                            != Some(&ns)
                    {
                        continue;
                    }
                    if let Ok(fd) = listener(pid, Duration::ZERO) {
                        taken.insert(pid);
                        served.push(std::thread::spawn(move || {
                            let mut l = SyscallLog::default();
                            let _ = sys::notif_sync_wake_up(fd.as_fd());
                            serve(&fd, &mut l);
                            l
                        }));
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        for h in served {
            if let Ok(l) = h.join() {
                for (arch, names) in l.syscalls {
                    log.syscalls.entry(arch).or_default().extend(names);
                }
                log.calls += l.calls;
                log.uids.extend(l.uids);
                log.gids.extend(l.gids);
                log.escalations.extend(l.escalations);
                log.notes.extend(l.notes);
            }
        }
        log
    })
}
