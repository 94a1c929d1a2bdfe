//! The processes between `create` and the container's `execve`:
//!
//! ```text
//! secctx (create) ──fork──▶ monitor (setsid, child subreaper; waits, writes `exit`)
//!                              └─fork──▶ stage 1: joins cgroups, user namespace (+ maps by
//!                                        the monitor), other namespaces; unshares the rest
//!                                           └─fork──▶ init (pid 1 of a new pid namespace):
//!                                                     rootfs, pivot_root, hostname; reports
//!                                                     "ready", blocks on exec.fifo; then
//!                                                     credentials, caps, NNP, seccomp, exec
//! ```
//!
//! Stage 1 exists because a new pid namespace only applies to children, and must be created
//! *after* the user namespace so the user namespace owns it (else `/proc` cannot be mounted).
//! Init is reparented to the monitor (a child subreaper) when stage 1 exits.
//!
//! Messages (one line each) on the report pipe to secctx: `P<pid>` from the monitor, then
//! `R` (ready) or `E<message>` from stage 1 or init.

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

use oci_spec::runtime::Spec;

use super::namespaces::Namespaces;
use super::seccomp::Program;
use super::{cgroup, hooks, process, rootfs, sys};

/// Everything the child processes need, prepared by secctx before the first fork.
pub struct Context {
    /// The parsed config.
    pub spec: Spec,
    /// Absolute rootfs path.
    pub rootfs: PathBuf,
    /// Namespaces.
    pub ns: Namespaces,
    /// Opened namespace files to join.
    pub join: Vec<(i32, OwnedFd)>,
    /// Cgroup directories to enter.
    pub cgroups: Vec<PathBuf>,
    /// Compiled seccomp program.
    pub seccomp: Option<Program>,
    /// `O_PATH` descriptor of exec.fifo.
    pub fifo: OwnedFd,
    /// Report pipe, write end.
    pub report: OwnedFd,
    /// The container's stdin/stdout/stderr (None: inherit).
    pub stdio: Option<[OwnedFd; 3]>,
    /// Where init leaves the error of a failed start (after the exec fifo), readable by the
    /// monitor even when a seccomp filter denied every system call (see `started`).
    pub start_error: sys::SharedPage,
    /// Detached id-mapped trees (rootfs, mounts with mappings), moved into place by stage 1.
    pub idmapped: super::idmap::Trees,
    /// The container id (for the state the `startContainer` hooks read).
    pub id: String,
    /// The bundle directory (same).
    pub bundle: PathBuf,
}

/// Writes one message line to a pipe (a single write: atomic below PIPE_BUF).
pub fn send(fd: &OwnedFd, msg: &str) {
    let mut line = msg.replace('\n', " ");
    line.truncate(3000);
    line.push('\n');
    let _ = std::fs::File::from(fd.try_clone().expect("dup")).write_all(line.as_bytes());
}

fn read_line(fd: &OwnedFd) -> Option<String> {
    let mut f = std::fs::File::from(fd.try_clone().ok()?);
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match f.read(&mut b) {
            Ok(0) => return (!out.is_empty()).then(|| String::from_utf8_lossy(&out).into()),
            Ok(_) if b[0] == b'\n' => return Some(String::from_utf8_lossy(&out).into()),
            Ok(_) => out.push(b[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// The monitor: runs in the child of secctx's fork. Never returns.
/// `handoff`: leave once init has exec'd (see [`super::Embedded::handing_off`]).
pub fn monitor(ctx: Context, exit_file: PathBuf, handoff: bool) -> ! {
    // Before stage 1 and init inherit anything from us: nothing of secctx may be reachable
    // from the container they join (CVE-2019-5736, CVE-2016-9962). Init is visible in the pid
    // namespace it creates or joins (a pod's shared one) from `create` until its execve.
    if let Err(msg) = seal_self(&ctx, true, &[]) {
        send(&ctx.report, &format!("E{msg}"));
        sys::exit(1);
    }
    // Our own session: a signal to secctx's process group (Ctrl-C, kill of the CLI) must not
    // reach the container's monitor.
    let _ = sys::setsid();
    // Orphans (init, once stage 1 exits) are reparented to us, so we can wait for init.
    let _ = sys::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    let (to_mon_r, to_mon_w) = sys::pipe().unwrap_or_else(|_| sys::exit(1));
    let (to_stage_r, to_stage_w) = sys::pipe().unwrap_or_else(|_| sys::exit(1));
    let stage = match sys::fork() {
        Ok(sys::Forked::Child) => {
            drop(to_mon_r);
            drop(to_stage_w);
            let msg = match stage1(&ctx, &to_mon_w, &to_stage_r) {
                Ok(()) => sys::exit(0),
                Err(m) => m,
            };
            send(&ctx.report, &format!("E{msg}"));
            sys::exit(1);
        }
        Ok(sys::Forked::Parent(pid)) => pid,
        Err(e) => {
            send(&ctx.report, &format!("Efork: {e}"));
            sys::exit(1);
        }
    };
    drop(to_mon_w);
    drop(to_stage_r);
    // The monitor itself must not hold secctx's stdout/stderr: a caller reading them to EOF
    // (`secctx bundle create` in a pipe) would otherwise wait for the container to exit.
    // Stage 1 and init already have their own copies.
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        for fd in 0..3 {
            let _ = sys::dup2(std::os::fd::AsFd::as_fd(&null), fd);
        }
    }
    let mut init_pid = 0;
    while let Some(line) = read_line(&to_mon_r) {
        if line == "U" {
            // Stage 1 is in its new user namespace: write its maps from here (the parent
            // namespace), then let it continue.
            let r = write_maps(&ctx.spec, stage);
            send(&to_stage_w, if r.is_ok() { "M" } else { "X" });
            if let Err(e) = r {
                send(&ctx.report, &format!("E{e}"));
            }
        } else if let Some(pid) = line.strip_prefix('P') {
            init_pid = pid.parse().unwrap_or(0);
            send(&ctx.report, &line);
        }
    }
    // Init has exec'd or died: both close its copy of to_mon_w, ending the loop above. A
    // failure after the exec fifo left its message in the shared page; publish which it was
    // for `start`, before the exit status.
    started(&ctx, &exit_file);
    drop(ctx);
    if handoff {
        // Init (exec'd, or already a zombie) is reparented to the nearest subreaper above
        // us, which reaps it and learns its exit status.
        sys::exit(0);
    }
    let mut code = 1;
    while let Ok(Some((pid, status))) = sys::wait_any() {
        if pid == init_pid {
            code = sys::exit_code(status);
            break;
        }
    }
    let tmp = exit_file.with_extension("tmp");
    if std::fs::write(&tmp, format!("{code}\n")).is_ok() {
        let _ = std::fs::rename(&tmp, &exit_file);
    }
    sys::exit(code)
}

/// Writes `start-error` (init's message) or `started` next to the exit file, atomically.
fn started(ctx: &Context, exit_file: &std::path::Path) {
    let (name, text) = match ctx.start_error.read() {
        Some(m) => ("start-error", m),
        None => ("started", Vec::new()),
    };
    let path = exit_file.with_file_name(name);
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, &path);
    }
}

/// Non-dumpable (already inherited from `sealed_exe::ensure`; set again so the executor is
/// safe when used as a library too), and every descriptor closed except the ones in `ctx`:
/// the caller's other descriptors (a host directory, a socket, secctx's own state files) are
/// gone before anything joins the container, not merely marked close-on-exec for after it.
/// The flag survives the forks; credential changes in stage 1 only ever clear it again.
/// `keep_idmapped`: the detached id-mapped trees stay open until stage 1 has moved them; init,
/// forked after that, closes them too. `extra`: descriptors the caller still needs (init keeps
/// its copy of the monitor's pipe: the monitor learns that init exec'd or died when the last
/// copy closes, which is how a start failure under any seccomp filter is told apart).
fn seal_self(ctx: &Context, keep_idmapped: bool, extra: &[RawFd]) -> Result<(), String> {
    sys::set_dumpable(false).map_err(|e| format!("PR_SET_DUMPABLE: {e}"))?;
    let keep: Vec<i32> = ctx
        .join
        .iter()
        .map(|(_, fd)| fd.as_raw_fd())
        .chain([ctx.fifo.as_raw_fd(), ctx.report.as_raw_fd()])
        .chain(ctx.stdio.iter().flatten().map(|fd| fd.as_raw_fd()))
        .chain(ctx.idmapped.fds().filter(|_| keep_idmapped))
        .chain(extra.iter().copied())
        .collect();
    sys::close_fds_except(&keep).map_err(|e| format!("close_range: {e}"))
}

fn write_maps(spec: &Spec, pid: i32) -> Result<(), String> {
    let linux = spec.linux().clone().unwrap_or_default();
    let fmt = |maps: &Option<Vec<oci_spec::runtime::LinuxIdMapping>>| {
        maps.iter()
            .flatten()
            .map(|m| format!("{} {} {}\n", m.container_id(), m.host_id(), m.size()))
            .collect::<String>()
    };
    // gid_map is written by root of the parent namespace, so setgroups stays allowed.
    std::fs::write(format!("/proc/{pid}/uid_map"), fmt(linux.uid_mappings()))
        .map_err(|e| format!("uid_map: {e}"))?;
    std::fs::write(format!("/proc/{pid}/gid_map"), fmt(linux.gid_mappings()))
        .map_err(|e| format!("gid_map: {e}"))
}

fn stage1(ctx: &Context, to_mon: &OwnedFd, from_mon: &OwnedFd) -> Result<(), String> {
    // 1. Cgroups first, from the host's view: every later process inherits them, and a new
    //    cgroup namespace (step 4) takes the cgroup we are in as its root.
    cgroup::join_self(&ctx.cgroups).map_err(|e| format!("join cgroup: {e}"))?;
    // oom_score_adj while still in the host's user namespace.
    process::oom_score_adj(&ctx.spec.process().clone().unwrap_or_default())?;
    // 1b. Id-mapped mounts over their sources, in a mount namespace of our own: still in the
    //     host's user namespace (moving them in needs no more, but it must precede step 4,
    //     whose mount namespace is copied from this one).
    super::idmap::enter(&ctx.idmapped).map_err(|e| format!("id-mapped mounts: {e}"))?;
    // 2. The user namespace before any other: the namespaces created after it are owned by
    //    it (so its root may mount /proc, sysfs, ...).
    let mut joins = ctx.join.iter().peekable();
    if let Some((f, fd)) = joins.peek()
        && *f == libc::CLONE_NEWUSER
    {
        sys::setns(fd.as_fd(), *f).map_err(|e| format!("setns user: {e}"))?;
        joins.next();
    }
    if ctx.ns.new_user {
        sys::unshare(libc::CLONE_NEWUSER).map_err(|e| format!("unshare user: {e}"))?;
        send(to_mon, "U");
        if read_line(from_mon).as_deref() != Some("M") {
            return Err("user namespace maps were not written".into());
        }
    }
    if ctx.ns.new_user
        || ctx
            .join
            .first()
            .is_some_and(|(f, _)| *f == libc::CLONE_NEWUSER)
    {
        // Become root of the user namespace (gid first: afterwards we could not).
        sys::setresgid(0).map_err(|e| format!("setresgid 0 in user namespace: {e}"))?;
        sys::setresuid(0).map_err(|e| format!("setresuid 0 in user namespace: {e}"))?;
        // A change of credentials resets the dumpable flag to fs.suid_dumpable, which a host
        // may have set to 1: non-dumpable again, before init is forked and becomes visible.
        sys::set_dumpable(false).map_err(|e| format!("PR_SET_DUMPABLE: {e}"))?;
    }
    // 3. Join the namespaces given by path.
    for (f, fd) in joins {
        sys::setns(fd.as_fd(), *f).map_err(|e| format!("setns {f:#x}: {e}"))?;
    }
    // 4. Create the rest. CLONE_NEWPID applies to our children only: init, forked next.
    sys::unshare(ctx.ns.new_flags).map_err(|e| format!("unshare {:#x}: {e}", ctx.ns.new_flags))?;
    match sys::fork().map_err(|e| format!("fork init: {e}"))? {
        sys::Forked::Child => {
            let msg = init(ctx, to_mon);
            send(&ctx.report, &format!("E{msg}"));
            sys::exit(127);
        }
        sys::Forked::Parent(pid) => {
            send(to_mon, &format!("P{pid}"));
            Ok(())
        }
    }
}

/// The container's init: returns only with an error message.
fn init(ctx: &Context, to_mon: &OwnedFd) -> String {
    match init_inner(ctx, to_mon) {
        Ok(()) => unreachable!("init_inner returns only errors"),
        Err(e) => e,
    }
}

fn init_inner(ctx: &Context, to_mon: &OwnedFd) -> Result<(), String> {
    // Again for init itself: the stage 1 pipes are not handed over either; its copy of the
    // monitor's pipe stays open until execve (close-on-exec, below) or death.
    seal_self(ctx, false, &[to_mon.as_raw_fd()])?;
    let spec = &ctx.spec;
    let process = spec.process().clone().unwrap_or_default();
    if let Some(stdio) = &ctx.stdio {
        for (i, fd) in stdio.iter().enumerate() {
            sys::dup2(fd.as_fd(), i as i32).map_err(|e| format!("stdio: {e}"))?;
        }
    }
    // Its own session, as crun gives it: detached from secctx's terminal and process group.
    let _ = sys::setsid();
    // Anything inherited from secctx's caller must not reach the container.
    sys::cloexec_from(3).map_err(|e| format!("close_range: {e}"))?;
    if ctx.ns.new_net {
        sys::loopback_up().map_err(|e| format!("loopback up: {e}"))?;
    }
    // Our pid as the host sees it, for the startContainer hooks' state: the first NSpid
    // entry of the host's /proc, still reachable before pivot_root.
    let has_start_hooks = spec
        .hooks()
        .as_ref()
        .is_some_and(|h| !hooks::Point::StartContainer.of(h).is_empty());
    let host_pid = if has_start_hooks { host_pid() } else { 0 };
    let in_userns = ctx.ns.new_user || ctx.join.iter().any(|(f, _)| *f == libc::CLONE_NEWUSER);
    rootfs::prepare(spec, &ctx.rootfs, in_userns, ctx.ns.own_mount)?;
    rootfs::paths(spec, &ctx.rootfs)?;
    if ctx.ns.own_mount {
        rootfs::pivot(&ctx.rootfs)?;
    } else {
        rootfs::chroot(&ctx.rootfs)?;
    }
    rootfs::finish(spec, ctx.ns.own_mount)?;
    if let Some(h) = spec.hostname().as_deref().filter(|h| !h.is_empty()) {
        sys::sethostname(h).map_err(|e| format!("sethostname: {e}"))?;
    }
    if let Some(d) = spec.domainname().as_deref().filter(|h| !h.is_empty()) {
        sys::setdomainname(d).map_err(|e| format!("setdomainname: {e}"))?;
    }
    process::limits(&process)?;
    let prepared = process::prepare(&process)?;
    // Ready: tell secctx, then block until `start` opens the fifo's read side. The fifo was
    // opened O_PATH before pivot_root; reopening through /proc/self/fd works from here.
    send(&ctx.report, "R");
    let fifo = format!("/proc/self/fd/{}", ctx.fifo.as_raw_fd());
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .map_err(|e| format!("open exec fifo: {e}"))?;
    f.write_all(b"0")
        .map_err(|e| format!("write exec fifo: {e}"))?;
    drop(f);
    // From here, errors go to the container's stderr (secctx has returned from create).
    // startContainer hooks: in the container, after start, before the user process; their
    // paths resolve in the container. A failure fails `start`.
    let start_hooks = spec
        .hooks()
        .as_ref()
        .map(|h| hooks::Point::StartContainer.of(h))
        .unwrap_or_default();
    let msg = if start_hooks.is_empty() {
        process::finalize(&process, &prepared, ctx.seccomp.as_ref())
    } else {
        let state = hooks::state_json(
            spec.version(),
            &ctx.id,
            "created",
            host_pid,
            &ctx.bundle,
            &spec.annotations().clone().unwrap_or_default(),
        );
        match hooks::run(hooks::Point::StartContainer, &start_hooks, &state) {
            Ok(()) => process::finalize(&process, &prepared, ctx.seccomp.as_ref()),
            Err(e) => e,
        }
    };
    // Memory first: under a filter that denies everything, the write below fails.
    ctx.start_error.write(msg.as_bytes());
    let _ = writeln!(std::io::stderr(), "secctx init: {msg}");
    sys::exit(127);
}

/// This process's pid in the host's pid namespace (the first `NSpid` entry of
/// `/proc/self/status` while `/proc` is still the host's); 0 when unknown.
fn host_pid() -> i32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("NSpid:"))
                .and_then(|v| v.split_whitespace().next().and_then(|p| p.parse().ok()))
        })
        .unwrap_or(0)
}
