//! The embedded executor: secctx's own OCI runtime (no external binary).

use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oci_spec::runtime::{Process, Spec};

use super::init::{self, Context};
use super::state::{State, StateDir, Status, pid_alive};
use super::{ExecError, Executor, Stdio, cgroup, hooks, namespaces, seccomp, support, sys};

/// secctx's own executor; state under `root` (default [`Embedded::DEFAULT_ROOT`]).
///
/// `create` forks: call it from a single-threaded process (the `secctx` CLI is), see
/// docs/executor.md.
#[derive(Clone, Debug)]
pub struct Embedded {
    root: PathBuf,
    handoff: bool,
    warn: fn(&str),
}

/// The default warning sink: one line on stderr.
fn warn_stderr(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "warning: {message}");
}

impl Embedded {
    /// The default state root.
    pub const DEFAULT_ROOT: &'static str = "/run/secctx/containers";

    /// An executor keeping container state under `root`.
    pub fn new(root: PathBuf) -> Embedded {
        Embedded {
            root,
            handoff: false,
            warn: warn_stderr,
        }
    }

    /// Where warnings go (default: stderr): fields accepted but not applied on this host
    /// (SELinux labels without SELinux), failed poststart and poststop hooks.
    pub fn warning_sink(mut self, warn: fn(&str)) -> Embedded {
        self.warn = warn;
        self
    }

    /// The runc command line's mode: the caller of `create` is (a child of) a subreaper that
    /// reaps the container's init itself, as containerd's runc shim does. The monitor then
    /// leaves as soon as init has exec'd (or failed), so init is reparented to that subreaper;
    /// no `exit` file is written and a stopped container's exit code is unknown to `wait`.
    pub fn handing_off(mut self) -> Embedded {
        self.handoff = true;
        self
    }

    /// Starts `process` in running container `id` without waiting for it; its host pid
    /// (`runc exec --detach`).
    pub fn exec_detached(
        &self,
        id: &str,
        process: &Process,
        stdio: Stdio,
    ) -> Result<i32, ExecError> {
        super::exec::exec_detached(self, id, process, stdio)
    }

    /// Sends `signal` to every process of container `id` (its cgroups; init when they are
    /// empty): `runc kill --all`.
    pub fn kill_all(&self, id: &str, signal: i32) -> Result<(), ExecError> {
        let state = self.state(id)?;
        let pids = cgroup::procs(&state.cgroups);
        if pids.is_empty() {
            // Init by descriptor: never a later process that got its pid.
            if let Some(init) = state.init() {
                let _ = init.signal(signal);
            }
        }
        for p in pids {
            // A process may exit between the listing and the signal.
            let _ = sys::kill(p, signal);
        }
        Ok(())
    }

    /// The state root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every container in the state root, sorted by id.
    pub fn list(&self) -> Result<Vec<State>, ExecError> {
        let mut out = Vec::new();
        crate::private::check_root(&self.root)
            .map_err(|e| ExecError::io(self.root.display().to_string(), e))?;
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(ExecError::io(self.root.display().to_string(), e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if let Ok(s) = self.state(&name) {
                out.push(s);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// Reports a field accepted but not applied to this executor's warning sink.
    pub(super) fn warn(&self, message: &str) {
        (self.warn)(message);
    }

    /// The state directory of `id`, in a root nobody but us could have written: its
    /// `state.json` names the pids `kill` and `delete` signal, the cgroups `delete` empties
    /// and removes, and the process whose namespaces `exec` joins.
    fn dir(&self, id: &str) -> Result<StateDir, ExecError> {
        let sd = StateDir::new(&self.root, id)?;
        crate::private::check_root(&self.root)
            .map_err(|e| ExecError::io(self.root.display().to_string(), e))?;
        Ok(sd)
    }
}

fn load_spec(bundle: &Path) -> Result<Spec, ExecError> {
    let path = bundle.join("config.json");
    Spec::load(&path).map_err(|e| {
        // oci-spec's error does not say which field: name it when it is a capability.
        let named = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| super::caps::unknown_in_json(&v));
        ExecError::Bundle {
            path,
            message: named.unwrap_or_else(|| e.to_string()),
        }
    })
}

/// Reads the report pipe until init is ready or something failed: `(pid, error)`.
fn read_report(fd: OwnedFd) -> (i32, Option<String>) {
    let mut text = String::new();
    let mut f = std::fs::File::from(fd);
    let mut pid = 0;
    let mut buf = [0u8; 4096];
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => return (pid, Some(error_or_eof(&text))),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (pid, Some(e.to_string())),
        };
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
        for line in text.lines() {
            if let Some(p) = line.strip_prefix('P') {
                pid = p.parse().unwrap_or(0);
            } else if let Some(e) = line.strip_prefix('E') {
                return (pid, Some(e.to_string()));
            }
        }
        if pid != 0 && text.lines().any(|l| l == "R") {
            return (pid, None);
        }
    }
}

fn error_or_eof(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix('E'))
        .unwrap_or("init exited without reporting")
        .to_string()
}

impl Executor for Embedded {
    fn create(&self, id: &str, bundle: &Path, stdio: Stdio) -> Result<(), ExecError> {
        let sd = self.dir(id)?;
        let bundle = std::fs::canonicalize(bundle)
            .map_err(|e| ExecError::io(bundle.display().to_string(), e))?;
        let spec = load_spec(&bundle)?;
        let host = crate::host::probe();
        for w in support::check(&spec, host.apparmor, host.selinux)? {
            (self.warn)(&w);
        }
        let root_path = spec
            .root()
            .as_ref()
            .map(|r| r.path().clone())
            .unwrap_or_default();
        let rootfs = std::fs::canonicalize(bundle.join(&root_path))
            .map_err(|e| ExecError::io(format!("rootfs {}", root_path.display()), e))?;
        let linux = spec.linux().clone().unwrap_or_default();
        let ns = namespaces::plan(&linux)?;
        let join = namespaces::open_joins(&ns, &self.root)?;
        if let Some(s) = linux.seccomp() {
            seccomp::check_notify(s, spec.annotations().as_ref())?;
        }
        let seccomp = linux
            .seccomp()
            .as_ref()
            .map(|s| seccomp::program(s, &self.root.join(".seccomp-cache")))
            .transpose()?;
        // Before anything is created: a filesystem that cannot be id-mapped refuses here.
        let idmapped = super::idmap::prepare(&spec, &rootfs)
            .map_err(|e| ExecError::Unsupported(e.to_string()))?;
        let stdio = stdio.open()?;
        // Root-only from creation (0700): state.json names the bundle, the exit file and
        // fifo live here; a lax existing root is tightened or refused.
        crate::private::ensure_root(&self.root)
            .map_err(|e| ExecError::io(self.root.display().to_string(), e))?;
        match crate::private::create_dir(&sd.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(ExecError::Exists(id.to_string()));
            }
            Err(e) => return Err(ExecError::io(sd.dir.display().to_string(), e)),
        }
        let hooks = spec.hooks().clone().unwrap_or_default();
        let annotations = spec.annotations().clone().unwrap_or_default();
        let oci_version = spec.version().clone();
        let host_mounts = (!ns.own_mount).then(|| rootfs.clone());
        let result = self.spawn(
            id, &sd, &bundle, spec, rootfs, ns, join, seccomp, stdio, idmapped,
        );
        if result.is_err() {
            // Without a mount namespace of its own, init made its mounts on the host, under
            // the rootfs: a failed create must not leave them there (init is gone by now).
            if let Some(rootfs) = &host_mounts {
                let _ = super::rootfs::unmount_under(rootfs);
            }
            let _ = std::fs::remove_dir_all(&sd.dir);
        }
        result?;
        // The environment exists (namespaces, mounts, cgroups); init waits for `start`.
        // A failing hook here fails `create` and destroys the container.
        let points = [
            hooks::Point::Prestart,
            hooks::Point::CreateRuntime,
            hooks::Point::CreateContainer,
        ];
        if points.iter().all(|p| p.of(&hooks).is_empty()) {
            return Ok(());
        }
        let pid = self.state(id)?.pid;
        let state = hooks::state_json(&oci_version, id, "created", pid, &bundle, &annotations);
        for point in points {
            if let Err(message) = hooks::run(point, &point.of(&hooks), &state) {
                let _ = self.delete(id, true);
                return Err(ExecError::Init {
                    id: id.into(),
                    message,
                });
            }
        }
        Ok(())
    }

    fn start(&self, id: &str) -> Result<(), ExecError> {
        let sd = self.dir(id)?;
        let state = sd.read_state(id)?;
        if state.status != Status::Created {
            return Err(ExecError::WrongState {
                id: id.into(),
                status: state.status.to_string(),
                what: "only a created container can be started".into(),
            });
        }
        // Opening the read side releases init, blocked opening the write side. Non-blocking,
        // so a dead init cannot hang us: poll until its byte arrives.
        let fifo = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(sd.fifo())
            .map_err(|e| ExecError::io("open exec.fifo", e))?;
        let _ = std::fs::remove_file(sd.fifo());
        let mut fifo = std::fs::File::from(OwnedFd::from(fifo));
        let mut b = [0u8; 1];
        loop {
            match fifo.read(&mut b) {
                Ok(1) => {
                    started(id, &sd, &state)?;
                    self.poststart(&state);
                    return Ok(());
                }
                Ok(_) | Err(_) if !state.init_alive() => {
                    return Err(ExecError::Init {
                        id: id.into(),
                        message: "init exited before start".into(),
                    });
                }
                _ => std::thread::sleep(Duration::from_micros(50)),
            }
        }
    }

    fn state(&self, id: &str) -> Result<State, ExecError> {
        self.dir(id)?.read_state(id)
    }

    fn wait(&self, id: &str) -> Result<i32, ExecError> {
        let sd = self.dir(id)?;
        let state = sd.read_state(id)?;
        // When the monitor is our own child, block on it; else poll for its `exit` file.
        if state.monitor_pid > 0
            && let Ok(Some(status)) = sys::waitpid(state.monitor_pid, false)
        {
            return Ok(sd.exit_code().unwrap_or_else(|| sys::exit_code(status)));
        }
        loop {
            if let Some(code) = sd.exit_code() {
                return Ok(code);
            }
            if !pid_alive(state.monitor_pid) && !state.init_alive() {
                return sd.exit_code().ok_or_else(|| ExecError::Init {
                    id: id.into(),
                    message: "the monitor died without recording an exit status".into(),
                });
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn kill(&self, id: &str, signal: i32) -> Result<(), ExecError> {
        let state = self.state(id)?;
        if state.status == Status::Stopped {
            return Err(ExecError::WrongState {
                id: id.into(),
                status: state.status.to_string(),
                what: "cannot signal a stopped container".into(),
            });
        }
        // By descriptor: init may exit, and its pid go to a host process, after the check.
        let init = state.init().ok_or_else(|| ExecError::WrongState {
            id: id.into(),
            status: Status::Stopped.to_string(),
            what: "cannot signal a stopped container".into(),
        })?;
        init.signal(signal)
            .map_err(|e| ExecError::io(format!("kill {}", state.pid), e))
    }

    fn delete(&self, id: &str, force: bool) -> Result<(), ExecError> {
        let sd = self.dir(id)?;
        let state = match sd.read_state(id) {
            Ok(s) => s,
            // A crash between mkdir and the intent record: nothing else exists yet.
            Err(ExecError::NotFound(_)) if force && sd.dir.is_dir() => {
                return std::fs::remove_dir_all(&sd.dir)
                    .map_err(|e| ExecError::io(sd.dir.display().to_string(), e));
            }
            // runc and crun: `delete --force` of an id that does not exist succeeds.
            Err(ExecError::NotFound(_)) if force => return Ok(()),
            Err(e) => return Err(e),
        };
        if state.creating && !force {
            return Err(ExecError::WrongState {
                id: id.into(),
                status: "creating".into(),
                what: "an unfinished create is deleted only with force".into(),
            });
        }
        if state.creating
            && state.monitor_pid > 0
            && state.monitor_start != 0
            && proc_start(state.monitor_pid) == state.monitor_start
        {
            // The creating process died: its monitor (outside the cgroups) goes first, so it
            // cannot write into the directory removed below.
            let _ = sys::kill(state.monitor_pid, libc::SIGKILL);
            let deadline = Instant::now() + Duration::from_secs(5);
            while pid_alive(state.monitor_pid) && Instant::now() < deadline {
                let _ = sys::waitpid(state.monitor_pid, true);
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        if state.status != Status::Stopped && !force {
            return Err(ExecError::WrongState {
                id: id.into(),
                status: state.status.to_string(),
                what: "delete a live container only with force".into(),
            });
        }
        // Kill init (with a pid namespace the kernel then kills the rest), and every process
        // left in the container's cgroups (host pid namespace).
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let pids = cgroup::procs(&state.cgroups);
            // Init by descriptor, and only while it is this very process: its pid may have
            // gone to a host process.
            let init = state.init();
            if pids.is_empty() && init.is_none() {
                break;
            }
            if let Some(init) = init {
                let _ = init.signal(libc::SIGKILL);
            }
            for p in pids {
                let _ = sys::kill(p, libc::SIGKILL);
            }
            if Instant::now() > deadline {
                return Err(ExecError::Init {
                    id: id.into(),
                    message: "processes survived SIGKILL for 5 s".into(),
                });
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if state.monitor_pid > 0 {
            // Reap it when it is ours. The monitor writes what became of init into the state
            // directory (`exit`, `start-error`): let it finish first, or the directory can
            // gain a file while it is being removed (ENOTEMPTY).
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let _ = sys::waitpid(state.monitor_pid, true);
                let same = state.monitor_start != 0
                    && proc_start(state.monitor_pid) == state.monitor_start;
                if !same || !pid_alive(state.monitor_pid) || Instant::now() > deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        // A container without a mount namespace of its own left its mounts on the host,
        // under its rootfs.
        if state.host_mounts
            && let Ok(spec) = Spec::load(state.bundle.join("config.json"))
            && let Some(root) = spec.root()
        {
            let rootfs = state.bundle.join(root.path());
            let rootfs = std::fs::canonicalize(&rootfs).unwrap_or(rootfs);
            super::rootfs::unmount_under(&rootfs)
                .map_err(|e| ExecError::io(format!("unmount {}", rootfs.display()), e))?;
        }
        let mut tries = 0;
        while let Err(e) = cgroup::remove(&state.cgroups) {
            tries += 1;
            if tries > 500 {
                return Err(e);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        std::fs::remove_dir_all(&sd.dir)
            .map_err(|e| ExecError::io(sd.dir.display().to_string(), e))?;
        self.hooks_after(&state, hooks::Point::Poststop, "stopped");
        Ok(())
    }

    fn exec(&self, id: &str, process: &Process, stdio: Stdio) -> Result<i32, ExecError> {
        super::exec::exec(self, id, process, stdio)
    }

    fn run(&self, id: &str, bundle: &Path, stdio: Stdio) -> Result<i32, ExecError> {
        self.create(id, bundle, stdio)?;
        let code = self.start(id).and_then(|()| self.wait(id));
        let deleted = self.delete(id, true);
        let code = code?;
        deleted?;
        Ok(code)
    }
}

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

impl Embedded {
    fn poststart(&self, state: &State) {
        self.hooks_after(state, hooks::Point::Poststart, "running");
    }

    /// `poststart` and `poststop`: failures only warn (runtime-spec).
    fn hooks_after(&self, state: &State, point: hooks::Point, status: &str) {
        if !state.late_hooks {
            return;
        }
        let Ok(spec) = Spec::load(state.bundle.join("config.json")) else {
            return;
        };
        let Some(h) = spec.hooks() else { return };
        let list = point.of(h);
        if list.is_empty() {
            return;
        }
        let annotations = spec.annotations().clone().unwrap_or_default();
        let pid = if status == "stopped" { 0 } else { state.pid };
        let json = hooks::state_json(
            &state.oci_version,
            &state.id,
            status,
            pid,
            &state.bundle,
            &annotations,
        );
        hooks::run_warning(point, &list, &json, self.warn);
    }

    #[allow(clippy::too_many_arguments)]
    fn spawn(
        &self,
        id: &str,
        sd: &StateDir,
        bundle: &Path,
        spec: Spec,
        rootfs: PathBuf,
        ns: namespaces::Namespaces,
        join: Vec<(i32, OwnedFd)>,
        seccomp: Option<seccomp::Program>,
        stdio: Option<[OwnedFd; 3]>,
        idmapped: super::idmap::Trees,
    ) -> Result<(), ExecError> {
        let linux = spec.linux().clone().unwrap_or_default();
        let devices = linux.devices().clone().unwrap_or_default();
        let cgroups = cgroup::paths(
            linux.cgroups_path().as_deref(),
            &cgroup::root_tag(&self.root),
            id,
            linux.resources().as_ref(),
        )?;
        let oci_version = spec.version().clone();
        let mut state = State {
            oci_version,
            id: id.into(),
            status: Status::Created,
            pid: 0,
            init_start: 0,
            bundle: bundle.to_path_buf(),
            monitor_pid: 0,
            exit_code: None,
            cgroups: cgroups.clone(),
            creating: true,
            monitor_start: 0,
            host_mounts: !ns.own_mount,
            late_hooks: spec.hooks().as_ref().is_some_and(|h| {
                !hooks::Point::Poststart.of(h).is_empty()
                    || !hooks::Point::Poststop.of(h).is_empty()
            }),
        };
        // 1. The intent first, naming the cgroups before they exist: a crash (kill -9) at any
        //    later point leaves a state.json from which `delete` removes everything.
        sd.write_state(&state)?;
        let fail = |e: ExecError| {
            let _ = cgroup::remove(&cgroups);
            e
        };
        cgroup::create(&cgroups, linux.resources().as_ref(), &devices).map_err(fail)?;
        // 0622: init may run as another host uid (user namespace); it reopens the fifo
        // through /proc/self/fd, so only the inode's mode is checked. The state root is 0700.
        sys::mkfifo(&sd.fifo(), 0o622).map_err(|e| fail(ExecError::io("mkfifo exec.fifo", e)))?;
        // mkfifo applies the umask: set the mode exactly.
        std::fs::set_permissions(sd.fifo(), std::fs::Permissions::from_mode(0o622))
            .map_err(|e| fail(ExecError::io("chmod exec.fifo", e)))?;
        let fifo = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_CLOEXEC)
            .open(sd.fifo())
            .map_err(|e| fail(ExecError::io("open exec.fifo", e)))?;
        let (report_r, report_w) = sys::pipe().map_err(|e| fail(ExecError::io("pipe", e)))?;
        let start_error =
            sys::SharedPage::new().map_err(|e| fail(ExecError::io("mmap shared page", e)))?;
        let ctx = Context {
            start_error,
            spec,
            rootfs,
            ns,
            join,
            cgroups: cgroups.clone(),
            seccomp,
            fifo: fifo.into(),
            report: report_w,
            stdio,
            idmapped,
            id: id.to_string(),
            bundle: bundle.to_path_buf(),
        };
        let monitor = match sys::fork() {
            Ok(sys::Forked::Child) => {
                drop(report_r);
                init::monitor(ctx, sd.exit_file(), self.handoff)
            }
            Ok(sys::Forked::Parent(pid)) => pid,
            Err(e) => return Err(fail(ExecError::io("fork", e))),
        };
        drop(ctx);
        // 2. The monitor is not in the container's cgroups (stage 1 and init are): record it
        //    so that `delete` after a crash from here on kills it too.
        state.monitor_pid = monitor;
        state.monitor_start = proc_start(monitor);
        if let Err(e) = sd.write_state(&state) {
            let _ = sys::kill(monitor, libc::SIGKILL);
            let _ = sys::waitpid(monitor, false);
            return Err(fail(e));
        }
        let (pid, error) = read_report(report_r);
        if let Some(message) = error {
            if pid > 0 {
                let _ = sys::kill(pid, libc::SIGKILL);
            }
            let _ = sys::waitpid(monitor, false);
            let _ = cgroup::remove(&cgroups);
            return Err(ExecError::Init {
                id: id.into(),
                message,
            });
        }
        test_pause("after-init-ready", id);
        // 3. Complete: init's pid, no longer creating.
        state.pid = pid;
        // Init is blocked on exec.fifo until `start`: this is its start time.
        state.init_start = super::init_proc::start_time(pid);
        state.creating = false;
        sd.write_state(&state)
    }
}

/// After init was released: waits until its monitor says whether the `execve` happened
/// (`started`) or init failed first (`start-error`, with init's message, possibly from under
/// a seccomp filter that denies everything). A failure is reported as runc reports a
/// container whose init died before `start` (containerd then records `StartError`, exit
/// code 128).
fn started(id: &str, sd: &StateDir, state: &State) -> Result<(), ExecError> {
    let ok = sd.dir.join("started");
    let failed = sd.dir.join("start-error");
    loop {
        if ok.exists() {
            return Ok(());
        }
        if let Ok(m) = std::fs::read_to_string(&failed) {
            return Err(ExecError::Init {
                id: id.into(),
                message: format!("cannot start a container that has stopped: {}", m.trim()),
            });
        }
        // A monitor that is gone wrote neither: nothing more to learn.
        if !pid_alive(state.monitor_pid) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

use super::init_proc::start_time as proc_start;

/// Test hook (documented in docs/pods.md): with `SECCTX_TEST_PAUSE=<step>` (any container)
/// or `<step>:<id>` the creating process stops itself (SIGSTOP) at that step, so a test can
/// `kill -9` it exactly there. The one step: `after-init-ready` (init reported ready,
/// state.json not yet completed).
fn test_pause(step: &str, id: &str) {
    let v = std::env::var("SECCTX_TEST_PAUSE").unwrap_or_default();
    if v == step || v == format!("{step}:{id}") {
        let _ = sys::kill(std::process::id() as i32, libc::SIGSTOP);
    }
}
