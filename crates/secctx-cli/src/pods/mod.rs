//! Pods on this machine: what `run`, `ps`, `exec`, `logs`, `inspect` and `rm` share. Running
//! a pod lives in `secctx_runtime::pod::run`; this is the command-line side (state
//! directory arguments, container choice).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use secctx_core::load::{FieldValidation, LoadOptions};
use secctx_core::resolve::NodeConfig;
use secctx_runtime::pod::run::Hooks;
use secctx_runtime::pod::run::prepare::Prepared;
use secctx_runtime::pod::{DEFAULT_STATE_DIR, PodDir};
use secctx_runtime::store::Store;

use crate::input::{print_warnings, read_inputs};
pub use secctx_runtime::pod::run::{ExecutorUndoer, container, executor};

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

/// Reads `manifest` (with its ConfigMaps and Secrets, the pod's volume sources), prints the
/// loader's warnings and prepares the pod (`secctx_runtime::pod::run::prepare`).
pub fn prepare(
    manifest: &Path,
    uid: &str,
    command: Option<&str>,
    store: Store,
    node: NodeConfig,
    field_validation: FieldValidation,
) -> anyhow::Result<Prepared> {
    let load = LoadOptions {
        field_validation,
        volume_sources: true,
    };
    let inputs = read_inputs(&[manifest.to_path_buf()], &load);
    print_warnings(&inputs.loaded);
    Ok(secctx_runtime::pod::run::prepare::prepare(
        manifest,
        &inputs.loaded,
        uid,
        command,
        store,
        node,
    )?)
}

/// The hooks of a plain `run`: events and warnings to stderr.
pub struct Printer;

impl Hooks for Printer {
    fn diag(&mut self, line: &str) {
        crate::output::diag(line);
    }
}
