//! Running pods: what `run`, `ps`, `exec`, `logs`, `inspect` and `rm` share.
//!
//! - [`prepare`]: manifest → validated, resolved pod with its images (errors exit 2).
//! - [`runner`]: the process that runs a pod (foreground `run`, or the detached child).
//! - [`container`]: one container from image to running process.

pub mod container;
pub mod prepare;
pub mod runner;

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use secctx_runtime::executor::{Embedded, Executor, External};
use secctx_runtime::pod::{DEFAULT_STATE_DIR, PodDir, Undoer};

/// Where pod state lives.
#[derive(Clone, Debug, Args)]
pub struct StateArgs {
    /// The pods' state directory (one directory per pod; survives a crash of secctx).
    #[arg(long = "state-dir", value_name = "DIR", env = "SECCTX_STATE_DIR", default_value = DEFAULT_STATE_DIR)]
    pub state_dir: PathBuf,
}

impl StateArgs {
    /// The directory of pod `name`.
    pub fn pod(&self, name: &str) -> anyhow::Result<PodDir> {
        Ok(PodDir::new(&self.state_dir, name)?)
    }

    /// An existing pod.
    pub fn existing(&self, name: &str) -> anyhow::Result<PodDir> {
        let p = self.pod(name)?;
        if !p.exists() {
            anyhow::bail!("pod {name:?} not found in {}", self.state_dir.display());
        }
        Ok(p)
    }

    /// The executor's state root (shared by every pod of this state directory).
    pub fn executor_root(&self) -> PathBuf {
        self.state_dir.join(".containers")
    }
}

/// The executor for a pod: the embedded one, or `runtime` (crun, runc).
pub fn executor(runtime: Option<&Path>, root: &Path) -> Box<dyn Executor> {
    match runtime {
        Some(bin) => Box::new(External::new(bin.to_path_buf(), root.to_path_buf())),
        None => Box::new(Embedded::new(root.to_path_buf())),
    }
}

/// Deletes journalled containers through the executor that created them.
pub struct ExecutorUndoer;

impl Undoer for ExecutorUndoer {
    fn delete_container(
        &self,
        id: &str,
        runtime: Option<&Path>,
        root: &Path,
    ) -> Result<(), String> {
        let ex = executor(runtime, root);
        let Ok(state) = ex.state(id) else {
            // Never created or already deleted; or (embedded) a directory without state.json
            // left by a crash right after its mkdir, which `delete` removes.
            if runtime.is_none() && root.join(id).is_dir() {
                return ex
                    .delete(id, true)
                    .map_err(|e| format!("delete container {id}: {e}"));
            }
            return Ok(());
        };
        let mut result = ex.delete(id, true);
        if runtime.is_none() {
            // The embedded executor's monitor may write its `exit` file while `delete` removes
            // the directory ("Directory not empty"): the processes are dead by then; retry,
            // then remove what is left.
            for _ in 0..5 {
                if result.is_ok() || !root.join(id).exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                result = ex.delete(id, true);
            }
            if result.is_err() && !root.join(id).join("state.json").exists() {
                result = Ok(());
            }
            remove_leftover(&root.join(id), state.monitor_pid);
        }
        result.map_err(|e| format!("delete container {id}: {e}"))
    }
}

/// The embedded executor's monitor of a force-deleted container may still write its `exit`
/// file just after `delete` removed the state directory: wait for that monitor (`monitor`,
/// its pid, 0 when unknown) to be gone, then remove such a leftover (a directory without
/// `state.json`).
pub fn remove_leftover(dir: &Path, monitor: i32) {
    let proc_id = secctx_runtime::pod::state::ProcId::of(monitor);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while monitor > 0
        && proc_id.as_ref().is_some_and(|p| p.alive())
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    if dir.exists() && !dir.join("state.json").exists() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A container's name by `-c`, or the only regular one (kubectl's rule).
pub fn pick_container(
    record: &secctx_runtime::pod::PodRecord,
    wanted: Option<&str>,
) -> anyhow::Result<secctx_runtime::pod::state::ContainerRecord> {
    if let Some(w) = wanted {
        return record
            .containers
            .iter()
            .find(|c| c.name == w)
            .cloned()
            .with_context(|| format!("container {w} is not valid for pod {}", record.name));
    }
    let regular: Vec<_> = record
        .containers
        .iter()
        .filter(|c| c.kind == "regular")
        .collect();
    match regular.as_slice() {
        [one] => Ok((*one).clone()),
        _ => anyhow::bail!(
            "a container name must be specified for pod {}, choose one of: [{}]",
            record.name,
            record
                .containers
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}
