//! The last steps before `execve`: rlimits, cwd, credentials, capabilities, no_new_privs,
//! seccomp. Used by the container's init and by `exec`.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use oci_spec::runtime::{PosixRlimitType, Process};

use super::seccomp::Program;
use super::{caps, sys};

/// Everything resolved before the order-sensitive part starts.
pub struct Prepared {
    exe: CString,
    args: Vec<CString>,
    env: Vec<CString>,
    cwd: PathBuf,
}

fn cstring(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("NUL byte in {s:?}"))
}

/// Resolves the executable in the container's `PATH` and builds argv/envp (run after
/// `pivot_root`, so paths are the container's).
pub fn prepare(process: &Process) -> Result<Prepared, String> {
    let args = process.args().clone().unwrap_or_default();
    let Some(arg0) = args.first() else {
        return Err("process.args is empty".into());
    };
    let mut env = process.env().clone().unwrap_or_default();
    let path_var = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .to_string();
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", home_of(process.user().uid())));
    }
    let exe = if arg0.contains('/') {
        // Checked here, before "ready", so a missing binary fails `create` (as runc does).
        let p = PathBuf::from(arg0);
        if !is_executable(&process.cwd().join(&p)) {
            return Err(format!(
                "executable file {arg0:?} not found or not executable"
            ));
        }
        p
    } else {
        path_var
            .split(':')
            .map(|d| Path::new(d).join(arg0))
            .find(|p| is_executable(p))
            .ok_or_else(|| format!("executable file {arg0:?} not found in $PATH"))?
    };
    Ok(Prepared {
        exe: cstring(&exe.to_string_lossy())?,
        args: args.iter().map(|a| cstring(a)).collect::<Result<_, _>>()?,
        env: env.iter().map(|a| cstring(a)).collect::<Result<_, _>>()?,
        cwd: process.cwd().clone(),
    })
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The home directory of `uid` in the container's `/etc/passwd`, else `/`.
fn home_of(uid: u32) -> String {
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() >= 6 && f[2].parse() == Ok(uid)).then(|| f[5].to_string())
            })
        })
        .unwrap_or_else(|| "/".into())
}

fn rlimit_resource(t: PosixRlimitType) -> i32 {
    (match t {
        PosixRlimitType::RlimitCpu => libc::RLIMIT_CPU,
        PosixRlimitType::RlimitFsize => libc::RLIMIT_FSIZE,
        PosixRlimitType::RlimitData => libc::RLIMIT_DATA,
        PosixRlimitType::RlimitStack => libc::RLIMIT_STACK,
        PosixRlimitType::RlimitCore => libc::RLIMIT_CORE,
        PosixRlimitType::RlimitRss => libc::RLIMIT_RSS,
        PosixRlimitType::RlimitNproc => libc::RLIMIT_NPROC,
        PosixRlimitType::RlimitNofile => libc::RLIMIT_NOFILE,
        PosixRlimitType::RlimitMemlock => libc::RLIMIT_MEMLOCK,
        PosixRlimitType::RlimitAs => libc::RLIMIT_AS,
        PosixRlimitType::RlimitLocks => libc::RLIMIT_LOCKS,
        PosixRlimitType::RlimitSigpending => libc::RLIMIT_SIGPENDING,
        PosixRlimitType::RlimitMsgqueue => libc::RLIMIT_MSGQUEUE,
        PosixRlimitType::RlimitNice => libc::RLIMIT_NICE,
        PosixRlimitType::RlimitRtprio => libc::RLIMIT_RTPRIO,
        PosixRlimitType::RlimitRttime => libc::RLIMIT_RTTIME,
    }) as i32
}

/// rlimits: while still privileged (raising a hard limit needs CAP_SYS_RESOURCE).
pub fn limits(process: &Process) -> Result<(), String> {
    for r in process.rlimits().iter().flatten() {
        sys::setrlimit(rlimit_resource(r.typ()), r.soft(), r.hard())
            .map_err(|e| format!("setrlimit {:?}: {e}", r.typ()))?;
    }
    Ok(())
}

/// oom_score_adj: from the host's user namespace (inside a new one, lowering it is refused);
/// it is inherited across fork and exec.
pub fn oom_score_adj(process: &Process) -> Result<(), String> {
    if let Some(adj) = process.oom_score_adj() {
        std::fs::write("/proc/self/oom_score_adj", adj.to_string())
            .map_err(|e| format!("oom_score_adj: {e}"))?;
    }
    Ok(())
}

/// The order-sensitive tail: credentials, capabilities, no_new_privs, seccomp, execve.
/// Returns only on failure.
pub fn finalize(process: &Process, p: &Prepared, seccomp: Option<&Program>) -> String {
    match finalize_inner(process, p, seccomp) {
        Ok(never) => match never {},
        Err(e) => e,
    }
}

enum Never {}

fn e(what: &str) -> impl FnOnce(std::io::Error) -> String + '_ {
    move |err| format!("{what}: {err}")
}

fn finalize_inner(
    process: &Process,
    p: &Prepared,
    seccomp: Option<&Program>,
) -> Result<Never, String> {
    let last = caps::last_cap();
    let c = process.capabilities().clone().unwrap_or_default();
    let bounding = caps::mask(c.bounding().as_ref(), last);
    let effective = caps::mask(c.effective().as_ref(), last);
    let permitted = caps::mask(c.permitted().as_ref(), last);
    let inheritable = caps::mask(c.inheritable().as_ref(), last);
    let ambient = caps::mask(c.ambient().as_ref(), last);
    // A capability secctx itself does not have cannot be given: fail like crun, naming it.
    let have = (0..=last)
        .filter(|b| sys::prctl(libc::PR_CAPBSET_READ, *b as u64, 0, 0, 0).is_ok_and(|r| r == 1))
        .fold(0u64, |m, b| m | (1 << b));
    let missing = (bounding | permitted | effective | inheritable) & !have;
    if missing != 0 {
        let names: Vec<&str> = (0..=last)
            .filter(|b| missing & (1 << b) != 0)
            .map(|b| caps::NAMES[b as usize])
            .collect();
        return Err(format!(
            "capabilities not in secctx's own bounding set: {}",
            names.join(", ")
        ));
    }
    let nnp = process.no_new_privileges() == Some(true);
    let user = process.user();

    sys::umask(user.umask().unwrap_or(0o022));
    // Signal dispositions and mask as a fresh process has them (secctx ignores SIGPIPE).
    sys::reset_signals().map_err(e("reset signals"))?;
    // cwd first, while still root: a directory only root may enter is still entered, as
    // runc and crun do.
    sys::chdir(&p.cwd).map_err(e(&format!("chdir {}", p.cwd.display())))?;
    // The cwd must be inside the container's root (CVE-2024-21626: a cwd reached through a
    // leaked host descriptor is outside it, and the kernel reports it as "(unreachable)...").
    let cwd = sys::getcwd().map_err(e("getcwd"))?;
    if !cwd.is_absolute() {
        return Err(format!(
            "working directory {} is outside the container's root",
            cwd.display()
        ));
    }
    // 1. Keep the permitted set across the uid change below (setresuid to a non-zero uid
    //    would otherwise clear it).
    sys::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0).map_err(e("PR_SET_KEEPCAPS"))?;
    // 2. Shrink the bounding set: needs CAP_SETPCAP, which we lose at step 6.
    for bit in 0..=last {
        if bounding & (1 << bit) == 0 {
            sys::prctl(libc::PR_CAPBSET_DROP, bit as u64, 0, 0, 0)
                .map_err(e(&format!("drop bounding {}", caps::NAMES[bit as usize])))?;
        }
    }
    // 3. Without no_new_privs, installing a filter needs CAP_SYS_ADMIN: load it now, while
    //    we still have it. The credential calls below then go through the filter (the
    //    profiles runc/crun accept allow them).
    if let (Some(prog), false) = (seccomp, nnp) {
        sys::seccomp_set_filter(&prog.bpf, prog.flags).map_err(e("seccomp"))?;
    }
    // 4. Supplementary groups before the gid/uid change: setgroups needs CAP_SETGID.
    let groups = user.additional_gids().clone().unwrap_or_default();
    sys::setgroups(&groups).map_err(e("setgroups"))?;
    // 5. gid before uid: after the uid leaves 0 we can no longer change the gid.
    sys::setresgid(user.gid()).map_err(e("setresgid"))?;
    // 6. uid: the effective set is cleared for a non-zero uid; KEEPCAPS kept the permitted.
    sys::setresuid(user.uid()).map_err(e("setresuid"))?;
    // 7. KEEPCAPS is no longer needed (and must not leak into the process).
    sys::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0).map_err(e("PR_SET_KEEPCAPS 0"))?;
    // 8. The three sets: permitted may only shrink, effective must be within permitted.
    sys::capset(sys::CapSets {
        effective,
        permitted,
        inheritable,
    })
    .map_err(e("capset"))?;
    // 9. Ambient after capset: a capability may only be raised when it is permitted and
    //    inheritable.
    sys::prctl(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL as u64,
        0,
        0,
        0,
    )
    .map_err(e("clear ambient"))?;
    for bit in 0..=last {
        if ambient & permitted & inheritable & (1 << bit) != 0 {
            sys::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_RAISE as u64,
                bit as u64,
                0,
                0,
            )
            .map_err(e(&format!("raise ambient {}", caps::NAMES[bit as usize])))?;
        }
    }
    // 9b. The SELinux label of the process, applied by the execve below; only on a kernel with
    //     SELinux (create warned that it is not applied elsewhere).
    if let Some(label) = process.selinux_label().as_deref().filter(|l| !l.is_empty())
        && std::path::Path::new("/sys/fs/selinux/enforce").exists()
    {
        std::fs::write("/proc/thread-self/attr/exec", label)
            .map_err(e(&format!("selinuxLabel {label:?}")))?;
    }
    // 10. no_new_privs, then the filter as the very last step before execve, so that as few
    //     of our own syscalls as possible have to pass it.
    if nnp {
        sys::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0).map_err(e("PR_SET_NO_NEW_PRIVS"))?;
        if let Some(prog) = seccomp {
            sys::seccomp_set_filter(&prog.bpf, prog.flags).map_err(e("seccomp"))?;
        }
    }
    let err = sys::execve(&p.exe, &p.args, &p.env);
    Err(format!("exec {:?}: {err}", p.exe))
}
