//! An external OCI runtime (crun, runc) driven through its command line with `--root`.
//!
//! The runtime's own `create` leaves no process that knows the exit status, so `create` runs
//! it under a small monitor that is a child subreaper: when the runtime exits, the container
//! process is reparented to the monitor, which waits for it and records its exit code in
//! `<root>/.secctx-exit/<id>`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use oci_spec::runtime::Process;

use super::state::{State, StateDir, Status, pid_alive};
use super::{ExecError, Executor, Stdio, sys};

/// An OCI runtime binary with its state root.
#[derive(Clone, Debug)]
pub struct External {
    bin: PathBuf,
    root: PathBuf,
}

impl External {
    /// `bin` (e.g. `/usr/bin/crun`) with `--root root`.
    pub fn new(bin: PathBuf, root: PathBuf) -> External {
        External { bin, root }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--root").arg(&self.root);
        c
    }

    fn exit_dir(&self) -> PathBuf {
        self.root.join(".secctx-exit")
    }

    fn check(&self, out: std::io::Result<std::process::Output>) -> Result<String, ExecError> {
        let out = out.map_err(|e| ExecError::io(self.bin.display().to_string(), e))?;
        if !out.status.success() {
            return Err(ExecError::External {
                bin: self.bin.clone(),
                message: format!(
                    "{}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// The id-mapped trees of a bundle (see executor/idmap.rs). When there are any, the bundle's
/// `config.json` is rewritten without the mounts' mappings: the runtime then binds sources
/// that are already id-mapped, as it does with the rootfs containerd id-maps for it.
fn idmapped_bundle(bundle: &Path) -> Result<super::idmap::Trees, ExecError> {
    let path = bundle.join("config.json");
    let bundle_err = |message: String| ExecError::Bundle {
        path: path.clone(),
        message,
    };
    let mut spec = oci_spec::runtime::Spec::load(&path).map_err(|e| bundle_err(e.to_string()))?;
    let root = spec
        .root()
        .as_ref()
        .map(|r| r.path().clone())
        .unwrap_or_default();
    let rootfs = std::fs::canonicalize(bundle.join(&root))
        .map_err(|e| ExecError::io(format!("rootfs {}", root.display()), e))?;
    let trees =
        super::idmap::prepare(&spec, &rootfs).map_err(|e| ExecError::Unsupported(e.to_string()))?;
    if !trees.is_empty() {
        if let Some(mounts) = spec.mounts().clone() {
            let mounts = mounts
                .into_iter()
                .map(|mut m| {
                    m.set_uid_mappings(None);
                    m.set_gid_mappings(None);
                    m
                })
                .collect();
            spec.set_mounts(Some(mounts));
        }
        spec.save(&path).map_err(|e| bundle_err(e.to_string()))?;
    }
    Ok(trees)
}

impl Executor for External {
    fn create(&self, id: &str, bundle: &Path, stdio: Stdio) -> Result<(), ExecError> {
        StateDir::new(&self.root, id)?;
        // The runtime's root is root-only (0700) from creation, as runc makes its own.
        crate::private::ensure_root(&self.root)
            .map_err(|e| ExecError::io(self.root.display().to_string(), e))?;
        crate::private::create_dir_all(&self.exit_dir())
            .map_err(|e| ExecError::io(self.exit_dir().display().to_string(), e))?;
        let exit_file = self.exit_dir().join(id);
        let _ = std::fs::remove_file(&exit_file);
        let idmapped = idmapped_bundle(bundle)?;
        let [i, o, e] = stdio.command_stdio()?;
        let (report_r, report_w) = sys::pipe().map_err(|e| ExecError::io("pipe", e))?;
        let mut cmd = self.cmd();
        cmd.arg("create")
            .arg("--bundle")
            .arg(bundle)
            .arg(id)
            .stdin(i)
            .stdout(o)
            .stderr(e);
        match sys::fork().map_err(|e| ExecError::io("fork", e))? {
            sys::Forked::Child => {
                drop(report_r);
                let _ = sys::setsid();
                let _ = sys::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
                // The runtime starts in a mount namespace where the id-mapped trees lie over
                // their sources, so its plain binds take them (executor/idmap.rs).
                if let Err(e) = super::idmap::enter(&idmapped) {
                    super::init::send(&report_w, &format!("Eid-mapped mounts: {e}"));
                    sys::exit(1);
                }
                let status = match cmd.status() {
                    Ok(s) => s,
                    Err(e) => {
                        super::init::send(&report_w, &format!("E{e}"));
                        sys::exit(1);
                    }
                };
                if !status.success() {
                    super::init::send(&report_w, &format!("Ecreate: {status}"));
                    sys::exit(1);
                }
                super::init::send(&report_w, "R");
                drop(report_w);
                let mut code = 1;
                while let Ok(Some((_, s))) = sys::wait_any() {
                    code = sys::exit_code(s);
                }
                let _ = std::fs::write(&exit_file, format!("{code}\n"));
                sys::exit(code);
            }
            sys::Forked::Parent(_) => {}
        }
        drop(idmapped);
        drop(report_w);
        let mut text = String::new();
        use std::io::Read;
        let _ = std::fs::File::from(report_r).read_to_string(&mut text);
        match text.lines().find_map(|l| l.strip_prefix('E')) {
            Some(msg) => Err(ExecError::External {
                bin: self.bin.clone(),
                message: msg.into(),
            }),
            None if text.lines().any(|l| l == "R") => Ok(()),
            None => Err(ExecError::External {
                bin: self.bin.clone(),
                message: "monitor exited without reporting".into(),
            }),
        }
    }

    fn start(&self, id: &str) -> Result<(), ExecError> {
        self.check(self.cmd().arg("start").arg(id).output())
            .map(drop)
    }

    fn state(&self, id: &str) -> Result<State, ExecError> {
        let out = self.check(self.cmd().arg("state").arg(id).output())?;
        let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| ExecError::External {
            bin: self.bin.clone(),
            message: format!("state output: {e}"),
        })?;
        let status = match v["status"].as_str() {
            Some("created") => Status::Created,
            Some("running") => Status::Running,
            _ => Status::Stopped,
        };
        Ok(State {
            oci_version: v["ociVersion"].as_str().unwrap_or_default().into(),
            id: id.into(),
            status,
            pid: v["pid"].as_i64().unwrap_or(0) as i32,
            init_start: 0,
            bundle: v["bundle"].as_str().unwrap_or_default().into(),
            monitor_pid: 0,
            cgroups: Vec::new(),
            exit_code: std::fs::read_to_string(self.exit_dir().join(id))
                .ok()
                .and_then(|s| s.trim().parse().ok()),
            creating: false,
            monitor_start: 0,
            host_mounts: false,
            late_hooks: false,
        })
    }

    fn wait(&self, id: &str) -> Result<i32, ExecError> {
        let file = self.exit_dir().join(id);
        loop {
            if let Some(code) = std::fs::read_to_string(&file)
                .ok()
                .and_then(|s| s.trim().parse().ok())
            {
                let _ = sys::waitpid(-1, true);
                return Ok(code);
            }
            let s = self.state(id)?;
            if s.status == Status::Stopped && !pid_alive(s.pid) {
                std::thread::sleep(Duration::from_millis(20));
                if let Some(code) = std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
                {
                    return Ok(code);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn kill(&self, id: &str, signal: i32) -> Result<(), ExecError> {
        self.check(
            self.cmd()
                .arg("kill")
                .arg(id)
                .arg(signal.to_string())
                .output(),
        )
        .map(drop)
    }

    fn delete(&self, id: &str, force: bool) -> Result<(), ExecError> {
        let mut c = self.cmd();
        c.arg("delete");
        if force {
            c.arg("--force");
        }
        self.check(c.arg(id).output())?;
        let _ = std::fs::remove_file(self.exit_dir().join(id));
        Ok(())
    }

    fn exec(&self, id: &str, process: &Process, stdio: Stdio) -> Result<i32, ExecError> {
        let file =
            std::env::temp_dir().join(format!("secctx-exec-{id}-{}.json", std::process::id()));
        std::fs::write(
            &file,
            serde_json::to_vec(process).expect("process serializes"),
        )
        .map_err(|e| ExecError::io(file.display().to_string(), e))?;
        let [i, o, e] = stdio.command_stdio()?;
        let status = self
            .cmd()
            .arg("exec")
            .arg("--process")
            .arg(&file)
            .arg(id)
            .stdin(i)
            .stdout(o)
            .stderr(e)
            .status()
            .map_err(|e| ExecError::io(self.bin.display().to_string(), e));
        let _ = std::fs::remove_file(&file);
        Ok(exit_status(status?))
    }

    fn run(&self, id: &str, bundle: &Path, stdio: Stdio) -> Result<i32, ExecError> {
        StateDir::new(&self.root, id)?;
        let [i, o, e] = stdio.command_stdio()?;
        let status = self
            .cmd()
            .arg("run")
            .arg("--bundle")
            .arg(bundle)
            .arg(id)
            .stdin(i)
            .stdout(o)
            .stderr(e)
            .status()
            .map_err(|e| ExecError::io(self.bin.display().to_string(), e))?;
        Ok(exit_status(status))
    }
}

fn exit_status(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}
