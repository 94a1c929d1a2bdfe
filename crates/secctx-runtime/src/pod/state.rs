//! One directory per pod under the state root (default [`DEFAULT_STATE_DIR`]):
//!
//! ```text
//! <root>/<pod>/record.json   what was run and how (PodRecord), written atomically
//!              status.json   the pod status (secctx_core::status::PodStatus), atomically
//!              journal       resources created, one JSON line each, before each is created
//!              lock          flock(2) taken by `run` setup and by `rm`
//!              volumes/<v>   volume contents          logs/<c>.log  CRI logs
//!              bundles/<c>   config.json + rootfs     kubelet/      hosts, termination logs
//! ```

use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use secctx_core::status::PodStatus;
use serde::{Deserialize, Serialize};

/// The default state root.
pub const DEFAULT_STATE_DIR: &str = "/run/secctx/pods";

/// Errors of the pod state.
#[derive(Debug, thiserror::Error)]
pub enum PodError {
    /// No such pod.
    #[error("pod {0:?} not found")]
    NotFound(String),
    /// A pod with this name exists.
    #[error("pod {0:?} already exists (secctx rm {0} first)")]
    Exists(String),
    /// A name that is not a plain file name.
    #[error("invalid pod name {0:?}")]
    InvalidName(String),
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A pod directory that is not a directory (a symlink): refused, never followed.
    #[error("{0}: not a directory (a symlink?): refused, nothing done inside its target")]
    NotADirectory(String),
    /// A state file that does not parse.
    #[error("{path}: {message}")]
    Corrupt {
        /// The path.
        path: String,
        /// Why.
        message: String,
    },
}

/// `Io` with the path.
pub fn io(path: &Path, source: std::io::Error) -> PodError {
    PodError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// A process secctx started, identified beyond its pid (pids are reused).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcId {
    /// The pid.
    pub pid: i32,
    /// Field 22 of `/proc/<pid>/stat` (start time in clock ticks).
    pub start_time: u64,
}

impl ProcId {
    /// The running process `pid`, if it exists.
    pub fn of(pid: i32) -> Option<ProcId> {
        start_time(pid).map(|start_time| ProcId { pid, start_time })
    }

    /// Whether this very process is still alive (and not a zombie).
    pub fn alive(&self) -> bool {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) else {
            return false;
        };
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().next());
        state != Some("Z") && start_time(self.pid) == Some(self.start_time)
    }
}

fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// One container of the pod as run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerRecord {
    /// The container name.
    pub name: String,
    /// `init` or `regular`.
    pub kind: String,
    /// The executor's container id.
    pub id: String,
}

/// What `run` recorded about a pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodRecord {
    /// Pod name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// `metadata.uid` (generated when the manifest has none).
    pub uid: String,
    /// The manifest file as given.
    pub manifest: String,
    /// When `run` started.
    pub created: String,
    /// `spec.restartPolicy`.
    pub restart_policy: Option<String>,
    /// `--runtime PATH`, when an external OCI runtime runs the containers.
    pub runtime: Option<PathBuf>,
    /// The executor's state root.
    pub executor_root: PathBuf,
    /// The process that runs the pod (starts containers, copies logs, writes the status).
    pub monitor: Option<ProcId>,
    /// The sandbox (pause) container id, when one holds the pod's namespaces.
    pub sandbox: Option<String>,
    /// Containers in start order.
    pub containers: Vec<ContainerRecord>,
    /// What was not enforced on this machine (AppArmor, SELinux) and other notes.
    pub notes: Vec<String>,
}

/// A pod's state directory.
#[derive(Clone, Debug)]
pub struct PodDir {
    /// `<root>/<name>`.
    pub dir: PathBuf,
    /// The pod name.
    pub name: String,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PodError> {
    let tmp = path.with_extension("tmp");
    // 0600 from creation: records and statuses name env values, volume contents, logs.
    let mut f = crate::private::create(&tmp).map_err(|e| io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| io(&tmp, e))?;
    f.sync_all().map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))
}

/// An exclusive `flock` on a pod's `lock` file, released on drop.
#[derive(Debug)]
pub struct Lock {
    _file: std::fs::File,
}

impl PodDir {
    /// The directory of pod `name` under `root` (not created).
    pub fn new(root: &Path, name: &str) -> Result<PodDir, PodError> {
        if !valid_name(name) {
            return Err(PodError::InvalidName(name.into()));
        }
        Ok(PodDir {
            dir: root.join(name),
            name: name.into(),
        })
    }

    /// Creates the directory (0700, under a search-only state root: see [`crate::private`]);
    /// fails if the pod exists.
    pub fn create(&self) -> Result<(), PodError> {
        if let Some(parent) = self.dir.parent() {
            crate::private::ensure_root_mode(parent, crate::private::SEARCH_MODE)
                .map_err(|e| io(parent, e))?;
        }
        match crate::private::create_dir(&self.dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(PodError::Exists(self.name.clone()))
            }
            Err(e) => Err(io(&self.dir, e)),
        }
    }

    /// Whether the pod exists (anything at its path, a symlink included: [`PodDir::lock`]
    /// then refuses it rather than following it).
    pub fn exists(&self) -> bool {
        std::fs::symlink_metadata(&self.dir).is_ok()
    }

    /// Every pod under `root`, by name.
    pub fn list(root: &Path) -> Result<Vec<PodDir>, PodError> {
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io(root, e)),
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            // The entry's own type: a symlink to a directory elsewhere is not a pod.
            if valid_name(&name) && e.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(PodDir::new(root, &name)?);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// A path inside the pod directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// Opens the pod directory itself, refusing a symlink (`O_NOFOLLOW | O_DIRECTORY`): a pod
    /// directory replaced by a link must not make secctx work inside the link's target.
    pub fn open_dir(&self) -> Result<std::os::fd::OwnedFd, PodError> {
        use rustix::fs::{Mode, OFlags};
        rustix::fs::open(
            &self.dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| {
            if e == rustix::io::Errno::LOOP || e == rustix::io::Errno::NOTDIR {
                PodError::NotADirectory(self.dir.display().to_string())
            } else {
                io(&self.dir, e.into())
            }
        })
    }

    /// Takes the pod's lock (blocking): `lock` is created 0600 relative to the pod
    /// directory's descriptor from [`PodDir::open_dir`], never through a link.
    pub fn lock(&self) -> Result<Lock, PodError> {
        use rustix::fs::{Mode, OFlags};
        let p = self.path("lock");
        let dir = self.open_dir()?;
        let fd = rustix::fs::openat(
            &dir,
            "lock",
            OFlags::CREATE | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(crate::private::FILE_MODE),
        )
        .map_err(|e| io(&p, e.into()))?;
        let f = std::fs::File::from(fd);
        rustix::fs::flock(f.as_fd(), rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| io(&p, e.into()))?;
        Ok(Lock { _file: f })
    }

    fn read_json<T: for<'de> Deserialize<'de>>(&self, rel: &str) -> Result<T, PodError> {
        let p = self.path(rel);
        let text = match std::fs::read(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PodError::NotFound(self.name.clone()));
            }
            Err(e) => return Err(io(&p, e)),
        };
        serde_json::from_slice(&text).map_err(|e| PodError::Corrupt {
            path: p.display().to_string(),
            message: e.to_string(),
        })
    }

    fn write_json<T: Serialize>(&self, rel: &str, v: &T) -> Result<(), PodError> {
        let mut text = serde_json::to_vec_pretty(v).map_err(|e| PodError::Corrupt {
            path: rel.into(),
            message: e.to_string(),
        })?;
        text.push(b'\n');
        write_atomic(&self.path(rel), &text)
    }

    /// Reads `record.json`.
    pub fn record(&self) -> Result<PodRecord, PodError> {
        self.read_json("record.json")
    }

    /// Writes `record.json` atomically.
    pub fn write_record(&self, r: &PodRecord) -> Result<(), PodError> {
        self.write_json("record.json", r)
    }

    /// Reads `status.json`.
    pub fn status(&self) -> Result<PodStatus, PodError> {
        self.read_json("status.json")
    }

    /// Writes `status.json` atomically.
    pub fn write_status(&self, s: &PodStatus) -> Result<(), PodError> {
        self.write_json("status.json", s)
    }

    /// The CRI log file of a container.
    pub fn log_path(&self, container: &str) -> PathBuf {
        self.dir.join("logs").join(format!("{container}.log"))
    }
}
