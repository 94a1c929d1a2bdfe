//! The per-container state directory `<root>/<id>/`, which outlives the secctx process:
//!
//! * `state.json`: id, init pid and start time, monitor pid, bundle (written once `create`
//!   succeeded);
//! * `exec.fifo`: present while the container is `created`; `start` opens it to release init;
//! * `exit`: the exit code (128 + signal), written by the monitor when init is gone.
//!
//! `state.json` is written first as an intent (`creating: true`, the planned cgroups), before
//! anything it names exists, then completed; see [`State::creating`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ExecError;

/// OCI status of a container.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Created, the process has not been started.
    Created,
    /// The process runs.
    Running,
    /// The process has exited.
    Stopped,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Stopped => "stopped",
        })
    }
}

/// The OCI state of a container (`runtime-spec` "State"), plus the monitor pid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    /// `ociVersion` of the bundle.
    pub oci_version: String,
    /// The container id.
    pub id: String,
    /// created, running or stopped.
    pub status: Status,
    /// The container's init process, as seen from the host pid namespace.
    pub pid: i32,
    /// Start time of init (field 22 of `/proc/<pid>/stat`; 0 in a state written by an older
    /// secctx): a process with init's pid and another start time is not init (pids are
    /// reused), see [`super::init_proc`].
    #[serde(default)]
    pub init_start: u64,
    /// The bundle directory.
    pub bundle: PathBuf,
    /// The monitor process that waits for init and records its exit status (0 when unknown).
    #[serde(default)]
    pub monitor_pid: i32,
    /// The container's cgroup directories (removed by `delete`).
    #[serde(default)]
    pub cgroups: Vec<PathBuf>,
    /// The exit code once stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// `create` has not finished: this is the intent record written before the cgroups and
    /// processes exist (pid 0 until init reported), so that a `delete` after a crash of the
    /// creating process (even `kill -9`) finds and removes them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub creating: bool,
    /// Start time of the monitor (field 22 of `/proc/<pid>/stat`): `delete` kills a monitor
    /// left by an unfinished `create` only when it is still this very process.
    #[serde(default)]
    pub monitor_start: u64,
    /// The container has no mount namespace of its own: its mounts were made on the host
    /// under its rootfs, and `delete` detaches them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host_mounts: bool,
    /// The config has `poststart` or `poststop` hooks (so `start` and `delete` read it again
    /// only then).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late_hooks: bool,
}

impl State {
    /// Init is still this very process (alive, not a zombie, and with the recorded start
    /// time: not a later process that got its pid).
    pub fn init_alive(&self) -> bool {
        pid_alive(self.pid)
            && (self.init_start == 0 || super::init_proc::start_time(self.pid) == self.init_start)
    }

    /// Init pinned by descriptors (see [`super::init_proc`]), if it is still this process.
    pub fn init(&self) -> Option<super::init_proc::InitProc> {
        super::init_proc::InitProc::open(self.pid, self.init_start)
    }
}

/// Paths of one container's state directory.
#[derive(Clone, Debug)]
pub struct StateDir {
    /// `<root>/<id>`.
    pub dir: PathBuf,
}

impl StateDir {
    /// The directory of `id` under `root`, after checking the id is a plain file name.
    pub fn new(root: &Path, id: &str) -> Result<StateDir, ExecError> {
        let ok = !id.is_empty()
            && id.len() <= 128
            && !id.starts_with('.')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok {
            return Err(ExecError::InvalidId(id.to_string()));
        }
        Ok(StateDir { dir: root.join(id) })
    }

    /// `state.json`.
    pub fn state_file(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// `exec.fifo`.
    pub fn fifo(&self) -> PathBuf {
        self.dir.join("exec.fifo")
    }

    /// `exit`.
    pub fn exit_file(&self) -> PathBuf {
        self.dir.join("exit")
    }

    /// Writes `state.json` atomically.
    pub fn write_state(&self, state: &State) -> Result<(), ExecError> {
        let tmp = self.dir.join("state.json.tmp");
        let json = serde_json::to_vec_pretty(state).expect("state serializes");
        {
            use std::io::Write;
            let mut f = crate::private::create(&tmp)
                .map_err(|e| ExecError::io(tmp.display().to_string(), e))?;
            f.write_all(&json)
                .map_err(|e| ExecError::io(tmp.display().to_string(), e))?;
        }
        std::fs::rename(&tmp, self.state_file())
            .map_err(|e| ExecError::io(self.state_file().display().to_string(), e))
    }

    /// Reads `state.json` and derives the live status from the fifo and exit files.
    pub fn read_state(&self, id: &str) -> Result<State, ExecError> {
        let path = self.state_file();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ExecError::NotFound(id.to_string()));
            }
            Err(e) => return Err(ExecError::io(path.display().to_string(), e)),
        };
        let mut state: State = serde_json::from_slice(&bytes).map_err(|e| ExecError::Bundle {
            path: path.clone(),
            message: e.to_string(),
        })?;
        state.exit_code = self.exit_code();
        state.status = if state.exit_code.is_some() || !state.init_alive() {
            Status::Stopped
        } else if self.fifo().exists() {
            Status::Created
        } else {
            Status::Running
        };
        Ok(state)
    }

    /// The recorded exit code, if the monitor wrote one.
    pub fn exit_code(&self) -> Option<i32> {
        std::fs::read_to_string(self.exit_file())
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Records the exit code atomically (called by the monitor).
    pub fn write_exit(&self, code: i32) -> std::io::Result<()> {
        let tmp = self.dir.join("exit.tmp");
        std::fs::write(&tmp, format!("{code}\n"))?;
        std::fs::rename(&tmp, self.exit_file())
    }
}

/// The process exists and is not a zombie.
pub fn pid_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|s| s != "Z" && s != "X"),
        Err(_) => false,
    }
}
