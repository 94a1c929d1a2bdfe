//! `secctx rm POD`: stop a pod and remove everything it created, from its journal (works after
//! a crash of `secctx run`, even `kill -9`): processes, containers, mounts, directories.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use secctx_runtime::pod::PodDir;
use secctx_runtime::pod::journal::{Journal, mounts_under, undo};

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
        let problems = remove(&pod)?;
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

/// Undoes everything the pod's journal lists, then removes its directory; the problems.
pub fn remove(pod: &PodDir) -> anyhow::Result<Vec<String>> {
    let _lock = pod.lock()?;
    let entries = Journal::new(pod.path("journal")).entries()?;
    let mut problems = undo(&entries, &ExecutorUndoer);
    let left = mounts_under(&pod.dir);
    if !left.is_empty() {
        problems.push(format!("mounts left under {}: {left:?}", pod.dir.display()));
    } else if let Err(e) = std::fs::remove_dir_all(&pod.dir) {
        problems.push(format!("remove {}: {e}", pod.dir.display()));
    }
    Ok(problems)
}
