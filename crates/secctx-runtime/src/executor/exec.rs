//! `exec`: another process in a running container, with its own user, capabilities,
//! no_new_privs and the container's seccomp profile (not secctx's).

use std::os::fd::{AsFd, OwnedFd};

use oci_spec::runtime::Process;

use super::state::Status;
use super::{Embedded, ExecError, Executor, Stdio, process, seccomp, sys};

/// Namespaces joined, user first (it decides what the others may do), mount last (it changes
/// our root and cwd to the container's).
const ORDER: [(&str, i32); 7] = [
    ("user", libc::CLONE_NEWUSER),
    ("ipc", libc::CLONE_NEWIPC),
    ("uts", libc::CLONE_NEWUTS),
    ("net", libc::CLONE_NEWNET),
    ("pid", libc::CLONE_NEWPID),
    ("cgroup", libc::CLONE_NEWCGROUP),
    ("mnt", libc::CLONE_NEWNS),
];

/// Runs `process` in container `id`; returns its exit code.
pub fn exec(ex: &Embedded, id: &str, process: &Process, stdio: Stdio) -> Result<i32, ExecError> {
    join(ex, id, process, stdio, false)
}

/// Starts `process` in container `id` and returns its pid (host pid namespace) once it has
/// exec'd, without waiting for it: it is reparented to the nearest subreaper above the caller
/// (containerd's shim, for `runc exec --detach`), which reaps it.
pub fn exec_detached(
    ex: &Embedded,
    id: &str,
    process: &Process,
    stdio: Stdio,
) -> Result<i32, ExecError> {
    join(ex, id, process, stdio, true)
}

fn join(
    ex: &Embedded,
    id: &str,
    process: &Process,
    stdio: Stdio,
    detach: bool,
) -> Result<i32, ExecError> {
    // What create checks of its process, exec checks of this one (an AppArmor profile, a
    // scheduler: refused, never dropped).
    let host = crate::host::probe();
    for w in super::support::check_process(process, host.apparmor, host.selinux)? {
        ex.warn(&w);
    }
    let state = ex.state(id)?;
    if state.status != Status::Running {
        return Err(ExecError::WrongState {
            id: id.into(),
            status: state.status.to_string(),
            what: "exec needs a running container".into(),
        });
    }
    let bundle_spec =
        oci_spec::runtime::Spec::load(state.bundle.join("config.json")).map_err(|e| {
            ExecError::Bundle {
                path: state.bundle.join("config.json"),
                message: e.to_string(),
            }
        })?;
    if let Some(s) = bundle_spec
        .linux()
        .as_ref()
        .and_then(|l| l.seccomp().as_ref())
    {
        seccomp::check_notify(s, bundle_spec.annotations().as_ref())?;
    }
    let seccomp = bundle_spec
        .linux()
        .as_ref()
        .and_then(|l| l.seccomp().clone())
        .map(|s| seccomp::program(&s, &ex.root().join(".seccomp-cache")))
        .transpose()?;
    // Init pinned by descriptor and checked to be the process `create` started: its pid may
    // belong to a host process by now, whose namespaces (the host's) must not be joined.
    let init = state.init().ok_or_else(|| ExecError::WrongState {
        id: id.into(),
        status: Status::Stopped.to_string(),
        what: "exec needs a running container (its init has exited)".into(),
    })?;
    // Only the namespaces that differ from ours: setns into our own user namespace fails.
    let mut joins: Vec<(i32, OwnedFd)> = Vec::new();
    for (name, flag) in ORDER {
        let theirs = init
            .open_at(&format!("ns/{name}"), libc::O_RDONLY)
            .map_err(|e| ExecError::io(format!("/proc/{}/ns/{name}", state.pid), e))?;
        let ours = std::fs::File::open(format!("/proc/self/ns/{name}"))
            .map_err(|e| ExecError::io(format!("/proc/self/ns/{name}"), e))?;
        if sys::dev_ino(theirs.as_fd()).ok() == sys::dev_ino(ours.as_fd()).ok() {
            continue;
        }
        joins.push((flag, theirs));
    }
    // A container without a mount namespace of its own is chroot'ed (docs/executor.md):
    // joining nothing would leave the process at the host's `/`. It gets init's root.
    let root = if joins.iter().any(|(f, _)| *f == libc::CLONE_NEWNS) {
        None
    } else {
        Some(
            init.open_at("root", libc::O_PATH | libc::O_DIRECTORY)
                .map_err(|e| ExecError::io(format!("/proc/{}/root", state.pid), e))?,
        )
    };
    drop(init);
    let stdio = stdio.open()?;
    let (report_r, report_w) = sys::pipe().map_err(|e| ExecError::io("pipe", e))?;
    let child = match sys::fork().map_err(|e| ExecError::io("fork", e))? {
        sys::Forked::Child => {
            drop(report_r);
            // Before anything joins the container: nothing of ours may be reachable from it.
            if let Err(msg) = seal_self(&joins, root.as_ref(), &report_w, stdio.as_ref()) {
                super::init::send(&report_w, &format!("E{msg}"));
                sys::exit(127);
            }
            let msg = child(
                &state.cgroups,
                joins,
                root,
                process,
                seccomp.as_ref(),
                stdio,
                detach.then_some(&report_w),
            );
            super::init::send(&report_w, &format!("E{msg}"));
            sys::exit(127);
        }
        sys::Forked::Parent(pid) => pid,
    };
    drop(report_w);
    let mut text = String::new();
    use std::io::Read;
    let _ = std::fs::File::from(report_r).read_to_string(&mut text);
    let status = sys::waitpid(child, false)
        .map_err(|e| ExecError::io("waitpid", e))?
        .unwrap_or(0);
    if let Some(msg) = text.lines().find_map(|l| l.strip_prefix('E')) {
        return Err(ExecError::Init {
            id: id.into(),
            message: format!("exec: {msg}"),
        });
    }
    if detach {
        return text
            .lines()
            .find_map(|l| l.strip_prefix('P')?.parse().ok())
            .ok_or_else(|| ExecError::Init {
                id: id.into(),
                message: "exec: the process was not started".into(),
            });
    }
    Ok(sys::exit_code(status))
}

/// The first steps of the forked child, before it joins anything (CVE-2019-5736,
/// CVE-2016-9962, CVE-2024-21626):
///
/// 1. non-dumpable (inherited from `sealed_exe::ensure` already; set again so this function
///    alone is enough): a container process without CAP_SYS_PTRACE cannot open our
///    `/proc/<pid>/exe`, `fd/*` or `cwd`, which stay visible until our `execve`;
/// 2. every descriptor closed except the namespaces to join, the report pipe and the stdio to
///    hand over: whatever our caller left open (a host directory, a socket) is gone before we
///    enter the container, not merely marked close-on-exec for after it;
/// 3. cwd `/`: the caller's working directory is a host directory; joining the mount
///    namespace moves it too, but a container sharing the host's would keep it.
fn seal_self(
    joins: &[(i32, OwnedFd)],
    root: Option<&OwnedFd>,
    report: &OwnedFd,
    stdio: Option<&[OwnedFd; 3]>,
) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    sys::set_dumpable(false).map_err(|e| format!("PR_SET_DUMPABLE: {e}"))?;
    let keep: Vec<i32> = joins
        .iter()
        .map(|(_, fd)| fd.as_raw_fd())
        .chain(root.map(|fd| fd.as_raw_fd()))
        .chain(std::iter::once(report.as_raw_fd()))
        .chain(stdio.into_iter().flatten().map(|fd| fd.as_raw_fd()))
        .collect();
    sys::close_fds_except(&keep).map_err(|e| format!("close_range: {e}"))?;
    sys::chdir(std::path::Path::new("/")).map_err(|e| format!("chdir /: {e}"))
}

fn child(
    cgroups: &[std::path::PathBuf],
    joins: Vec<(i32, OwnedFd)>,
    root: Option<OwnedFd>,
    process: &Process,
    seccomp: Option<&seccomp::Program>,
    stdio: Option<[OwnedFd; 3]>,
    detached: Option<&OwnedFd>,
) -> String {
    if let Err(e) = super::cgroup::join_self(cgroups) {
        return format!("join cgroup: {e}");
    }
    if let Err(e) = process::oom_score_adj(process) {
        return e;
    }
    for (flag, fd) in &joins {
        if let Err(e) = sys::setns(fd.as_fd(), *flag) {
            return format!("setns {flag:#x}: {e}");
        }
    }
    // The namespace descriptors are not handed over either.
    drop(joins);
    // No mount namespace joined: into init's root (by descriptor), as init itself is.
    if let Some(root) = root {
        let entered = sys::fchdir(root.as_fd())
            .and_then(|()| sys::chroot(std::path::Path::new(".")))
            .and_then(|()| sys::chdir(std::path::Path::new("/")));
        if let Err(e) = entered {
            return format!("enter the container's root: {e}");
        }
    }
    // The pid namespace applies to children: fork once more, and pass the exit status on
    // (detached: report the pid and leave; the process is reparented to a subreaper).
    match sys::fork() {
        Ok(sys::Forked::Parent(pid)) => {
            if let Some(report) = detached {
                super::init::send(report, &format!("P{pid}"));
                sys::exit(0);
            }
            let code = match sys::waitpid(pid, false) {
                Ok(Some(s)) => sys::exit_code(s),
                _ => 127,
            };
            sys::exit(code);
        }
        Err(e) => return format!("fork: {e}"),
        Ok(sys::Forked::Child) => {}
    }
    if let Some(stdio) = &stdio {
        for (i, fd) in stdio.iter().enumerate() {
            if let Err(e) = sys::dup2(fd.as_fd(), i as i32) {
                return format!("stdio: {e}");
            }
        }
    }
    if let Err(e) = sys::cloexec_from(3) {
        return format!("close_range: {e}");
    }
    if let Err(e) = process::limits(process) {
        return e;
    }
    let prepared = match process::prepare(process) {
        Ok(p) => p,
        Err(e) => return e,
    };
    process::finalize(process, &prepared, seccomp)
}
