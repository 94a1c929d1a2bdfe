//! The undo journal: each resource a pod creates is appended (and fsync'd) *before* it is
//! created, so after a crash of secctx (even `kill -9`) `rm` finds and removes everything:
//! processes first, then containers, mounts, files and directories in reverse order. Undoing a
//! resource that was never created, or is already gone, is not an error.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::state::{PodError, ProcId, io};

/// One resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Entry {
    /// A directory (removed with its contents, after every mount under it is detached).
    Dir {
        /// The path.
        path: PathBuf,
    },
    /// A mount on the host (detached).
    Mount {
        /// The mount point.
        path: PathBuf,
    },
    /// A container (deleted with force through the executor).
    Container {
        /// The executor's id.
        id: String,
        /// `--runtime PATH` for an external runtime; `None`: the embedded executor.
        runtime: Option<PathBuf>,
        /// The executor's state root.
        root: PathBuf,
    },
    /// A cgroup a container nests under (the pod cgroup), relative to each v1 hierarchy:
    /// `secctx/<root tag>/kubepods/...` (removed from every hierarchy, with the parents it
    /// leaves empty, once its containers are gone).
    Cgroup {
        /// The relative path.
        path: PathBuf,
    },
    /// A process (killed when it is still this process).
    Process {
        /// Which.
        proc: ProcId,
    },
}

/// Removes containers for [`undo`] (the executor lives above this module).
pub trait Undoer {
    /// Deletes container `id` with force; `Ok` when it does not exist.
    fn delete_container(&self, id: &str, runtime: Option<&Path>, root: &Path)
    -> Result<(), String>;
}

/// An append-only journal file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal at `path` (created on first append).
    pub fn new(path: PathBuf) -> Journal {
        Journal { path }
    }

    /// Records `entry` durably. Call before creating the resource.
    pub fn record(&self, entry: &Entry) -> Result<(), PodError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| PodError::Corrupt {
            path: self.path.display().to_string(),
            message: e.to_string(),
        })?;
        line.push(b'\n');
        // 0600 from creation, never through a symlink.
        let mut f = crate::private::append(&self.path).map_err(|e| io(&self.path, e))?;
        f.write_all(&line).map_err(|e| io(&self.path, e))?;
        f.sync_data().map_err(|e| io(&self.path, e))
    }

    /// Every entry recorded, in order (a torn last line from a crash is ignored).
    pub fn entries(&self) -> Result<Vec<Entry>, PodError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.path, e)),
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

/// Mount points at or under `dir`, deepest first, from `/proc/self/mountinfo`.
pub fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = text
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(unescape)
        .map(PathBuf::from)
        .filter(|p| p.starts_with(dir))
        .collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    out.dedup();
    out
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn detach(path: &Path) -> Result<(), String> {
    match rustix::mount::unmount(path, rustix::mount::UnmountFlags::DETACH) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(e) => Err(format!("umount {}: {e}", path.display())),
    }
}

/// Kills a recorded process if it is still the same process; waits up to 5 s for it to go.
pub fn kill(p: &ProcId) -> Result<(), String> {
    // `run --rm` undoes its own pod: never kill ourselves.
    if !p.alive() || p.pid == std::process::id() as i32 {
        return Ok(());
    }
    if let Some(pid) = rustix::process::Pid::from_raw(p.pid) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while p.alive() {
        if std::time::Instant::now() > deadline {
            return Err(format!("process {} survived SIGKILL", p.pid));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Ok(())
}

/// What an undo may touch: the journal is a file on disk, so an entry is never trusted to
/// name a path elsewhere. Directories and mounts must lie inside the pod's own directory
/// (lexically, and after resolving symlinks of their parent), containers must belong to the
/// state directory's own executor root.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// `<state>/<pod>`.
    pub pod_dir: &'a Path,
    /// `<state>/.containers`.
    pub executor_root: &'a Path,
}

impl Scope<'_> {
    /// Whether `path` lies strictly inside the pod directory.
    pub fn contains(&self, path: &Path) -> bool {
        use std::path::Component;
        // No `..`: the entry is compared as written with the pod directory as written
        // (both come from the same `--state-dir`, absolute or not).
        let plain = path.components().all(|c| {
            matches!(
                c,
                Component::RootDir | Component::CurDir | Component::Normal(_)
            )
        });
        if !plain || path == self.pod_dir || !path.starts_with(self.pod_dir) {
            return false;
        }
        // A symlink on the way (a volume swapped for a link) must not lead outside either.
        let Ok(pod) = std::fs::canonicalize(self.pod_dir) else {
            return false;
        };
        match path.parent().map(std::fs::canonicalize) {
            Some(Ok(parent)) => parent.starts_with(&pod),
            // The parent is gone: nothing there to remove.
            Some(Err(_)) => true,
            None => false,
        }
    }

    /// Whether `path` is a plain relative path under `secctx/<this root's tag>/kubepods`.
    pub fn owns_cgroup(&self, path: &Path) -> bool {
        use std::path::Component;
        let base = Path::new("secctx")
            .join(crate::executor::cgroup::root_tag(self.executor_root))
            .join("kubepods");
        path.components().all(|c| matches!(c, Component::Normal(_)))
            && path.starts_with(&base)
            && path != base
    }

    fn allows(&self, e: &Entry) -> Result<(), String> {
        match e {
            Entry::Dir { path } | Entry::Mount { path } if !self.contains(path) => Err(format!(
                "journal entry refused: {} is outside the pod's directory {}",
                path.display(),
                self.pod_dir.display()
            )),
            Entry::Cgroup { path } if !self.owns_cgroup(path) => Err(format!(
                "journal entry refused: cgroup {} is not under this state directory's secctx/{}/kubepods",
                path.display(),
                crate::executor::cgroup::root_tag(self.executor_root)
            )),
            Entry::Container { root, id, .. } if root != self.executor_root => Err(format!(
                "journal entry refused: container {id} in {} (this state directory's executor root is {})",
                root.display(),
                self.executor_root.display()
            )),
            _ => Ok(()),
        }
    }
}

/// Removes cgroup `rel` from every hierarchy, then its parents left empty up to `secctx`.
fn remove_cgroup(rel: &Path) -> Result<(), String> {
    use crate::executor::cgroup;
    let mut r = Ok(());
    for dir in cgroup::all_paths(rel) {
        let Some(hierarchy) = dir
            .ancestors()
            .find(|a| a.parent() == Some(Path::new("/sys/fs/cgroup")))
        else {
            continue;
        };
        if let Err(e) = cgroup::remove_up(&dir, &hierarchy.join("secctx")) {
            r = Err(format!("remove cgroup {}: {e}", dir.display()));
        }
    }
    r
}

/// Undoes every entry [`Scope`] allows: processes first, then the rest in reverse order.
/// Returns the problems, refused entries among them (the undo goes on past each).
pub fn undo(entries: &[Entry], undoer: &dyn Undoer, scope: Scope<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut allowed = Vec::new();
    for e in entries {
        match scope.allows(e) {
            Ok(()) => allowed.push(e.clone()),
            Err(m) => problems.push(m),
        }
    }
    let entries = &allowed;
    for e in entries.iter().rev() {
        if let Entry::Process { proc } = e
            && let Err(m) = kill(proc)
        {
            problems.push(m);
        }
    }
    for e in entries.iter().rev() {
        let r = match e {
            Entry::Process { .. } => Ok(()),
            Entry::Container { id, runtime, root } => {
                undoer.delete_container(id, runtime.as_deref(), root)
            }
            Entry::Mount { path } => detach(path),
            Entry::Cgroup { path } => remove_cgroup(path),
            Entry::Dir { path } => {
                let mut r = Ok(());
                for m in mounts_under(path) {
                    if let Err(e) = detach(&m) {
                        r = Err(e);
                    }
                }
                if r.is_ok() {
                    match std::fs::remove_dir_all(path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => r = Err(format!("remove {}: {e}", path.display())),
                    }
                }
                r
            }
        };
        if let Err(m) = r {
            problems.push(m);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoContainers;
    impl Undoer for NoContainers {
        fn delete_container(&self, _: &str, _: Option<&Path>, _: &Path) -> Result<(), String> {
            Ok(())
        }
    }

    #[test]
    fn records_and_undoes_in_reverse() {
        let t = tempfile::tempdir().unwrap();
        let j = Journal::new(t.path().join("journal"));
        let d = t.path().join("a");
        j.record(&Entry::Dir { path: d.clone() }).unwrap();
        std::fs::create_dir_all(d.join("b/c")).unwrap();
        j.record(&Entry::Mount {
            path: d.join("never-mounted"),
        })
        .unwrap();
        // A torn line (crash mid-write) is skipped.
        std::fs::OpenOptions::new()
            .append(true)
            .open(t.path().join("journal"))
            .unwrap()
            .write_all(b"{\"kind\":\"Di")
            .unwrap();
        let entries = j.entries().unwrap();
        assert_eq!(entries.len(), 2);
        let scope = Scope {
            pod_dir: t.path(),
            executor_root: Path::new("/nonexistent"),
        };
        assert!(undo(&entries, &NoContainers, scope).is_empty());
        assert!(!d.exists());
        assert!(
            undo(&entries, &NoContainers, scope).is_empty(),
            "undo twice is fine"
        );
    }

    #[test]
    fn entries_outside_the_pod_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let pod = t.path().join("pod");
        let canary = t.path().join("canary");
        std::fs::create_dir_all(pod.join("v")).unwrap();
        std::fs::create_dir_all(canary.join("keep")).unwrap();
        std::os::unix::fs::symlink(&canary, pod.join("link")).unwrap();
        let scope = Scope {
            pod_dir: &pod,
            executor_root: Path::new("/x/.containers"),
        };
        let entries = vec![
            Entry::Dir {
                path: canary.clone(),
            },
            Entry::Dir {
                path: pod.join("../canary"),
            },
            Entry::Dir {
                path: pod.join("link/keep"),
            },
            Entry::Dir { path: pod.clone() },
            Entry::Container {
                id: "c".into(),
                runtime: None,
                root: canary.clone(),
            },
            Entry::Dir {
                path: pod.join("v"),
            },
        ];
        let problems = undo(&entries, &NoContainers, scope);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(
            problems.iter().all(|p| p.contains("refused")),
            "{problems:?}"
        );
        assert!(canary.join("keep").is_dir());
        assert!(!pod.join("v").exists(), "the pod's own directory is undone");
    }

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape("/a\\040b"), "/a b");
    }
}
