//! Running a pod as the kubelet's pod worker does, shared by `run` and `record`.
//!
//! - [`prepare`]: loaded manifest → validated, resolved pod with its images (errors: nothing
//!   started).
//! - [`runner`]: the process that runs a pod (foreground, or the detached child).
//! - [`container`]: one container from image to running process.
//! - [`Hooks`]: what a caller sees and may change while a pod runs (messages, the rendered
//!   spec, the created container's pid and rootfs, its exit), so an observer (`record`) runs
//!   exactly the pod `run` runs.

pub mod container;
pub mod error;
pub mod hooks;
pub mod prepare;
pub mod runner;

use std::path::Path;

pub use error::RunError;
pub use hooks::{Created, Hooks, Quiet};

use crate::executor::{Embedded, Executor, External};
use crate::pod::Undoer;

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
    let proc_id = crate::pod::state::ProcId::of(monitor);
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
