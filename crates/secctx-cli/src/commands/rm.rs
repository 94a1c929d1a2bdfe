//! `secctx rm POD`: stop a pod and remove everything it created, from its journal (works after
//! a crash of `secctx run`, even `kill -9`): processes, containers, mounts, directories.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use secctx_runtime::executor::state::StateDir;
use secctx_runtime::pod::PodDir;
use secctx_runtime::pod::journal::{Entry, Journal, Scope, mounts_under, undo};

use crate::output::diag;
use crate::pods::{ExecutorUndoer, StateArgs};

/// Arguments of `secctx rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The pod names.
    #[arg(value_name = "POD", required = true)]
    pub pods: Vec<String>,
    /// Pod state.
    #[command(flatten)]
    pub state: StateArgs,
}

/// Runs `secctx rm`.
pub fn run(args: RmArgs) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for name in &args.pods {
        let pod = args.state.existing(name)?;
        let problems = remove(&pod, &args.state.executor_root())?;
        for p in &problems {
            diag(&format!("error: pod {name}: {p}"));
        }
        failed |= !problems.is_empty();
    }
    if failed {
        bail!("some resources could not be removed");
    }
    Ok(ExitCode::SUCCESS)
}

/// Undoes everything the pod's journal lists (only what lies in the pod's directory and this
/// state directory's executor root), checks that nothing is left (container state, cgroups,
/// processes, mounts), then removes the pod's directory; the problems. `rm` succeeds only
/// when this is empty.
pub fn remove(pod: &PodDir, executor_root: &Path) -> anyhow::Result<Vec<String>> {
    // The lock is taken relative to the pod directory opened O_NOFOLLOW: a pod directory
    // that is a symlink is refused here, before anything is done inside its target.
    let _lock = pod.lock()?;
    let entries = Journal::new(pod.path("journal")).entries()?;
    let scope = Scope {
        pod_dir: &pod.dir,
        executor_root,
    };
    // The cgroups of every embedded container, read before the undo deletes its state, to
    // check afterwards that none is left.
    let mut cgroups = Vec::new();
    let mut containers = Vec::new();
    for e in &entries {
        if let Entry::Container {
            id,
            runtime: None,
            root,
        } = e
            && root == executor_root
        {
            containers.push(root.join(id));
            if let Ok(sd) = StateDir::new(root, id)
                && let Ok(s) = sd.read_state(id)
            {
                cgroups.extend(s.cgroups);
            }
        }
    }
    let mut problems = undo(&entries, &ExecutorUndoer, scope);
    for dir in containers.iter().filter(|d| d.exists()) {
        problems.push(format!("container state left: {}", dir.display()));
    }
    for dir in cgroups.iter().filter(|d| d.exists()) {
        problems.push(format!("cgroup left: {}", dir.display()));
    }
    for e in &entries {
        if let Entry::Process { proc } = e
            && proc.alive()
            && proc.pid != std::process::id() as i32
        {
            problems.push(format!("process {} still running", proc.pid));
        }
    }
    let left = mounts_under(&pod.dir);
    if !left.is_empty() {
        problems.push(format!("mounts left under {}: {left:?}", pod.dir.display()));
    } else if let Err(e) = std::fs::remove_dir_all(&pod.dir) {
        problems.push(format!("remove {}: {e}", pod.dir.display()));
    }
    Ok(problems)
}
