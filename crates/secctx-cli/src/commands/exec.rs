//! `secctx exec POD [-c C] -- CMD...`: run a command in a running container with the
//! container's own uid, gids, capabilities, no_new_privs and seccomp filter (the process spec
//! of its `config.json` with other arguments, as `crictl exec` gets from containerd).

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use oci_spec::runtime::Spec;
use secctx_runtime::executor::Stdio;

use crate::pods::{StateArgs, executor, pick_container};

/// Arguments of `secctx exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The pod name.
    #[arg(value_name = "POD")]
    pub pod: String,
    /// The container (needed when the pod has more than one).
    #[arg(short = 'c', long, value_name = "NAME")]
    pub container: Option<String>,
    /// The command and its arguments.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
    /// Pod state.
    #[command(flatten)]
    pub state: StateArgs,
}

/// Runs `secctx exec`; exits with the command's exit code.
pub fn run(args: ExecArgs) -> anyhow::Result<ExitCode> {
    let pod = args.state.existing(&args.pod)?;
    let record = pod.record()?;
    let c = pick_container(&record, args.container.as_deref())?;
    let config = crate::pods::container::bundle_dir(&pod, &c.name).join("config.json");
    let spec = Spec::load(&config).with_context(|| format!("reading {}", config.display()))?;
    let mut process = spec
        .process()
        .clone()
        .context("config.json has no process")?;
    process.set_args(Some(args.command.clone()));
    process.set_terminal(Some(false));
    let ex = executor(record.runtime.as_deref(), &record.executor_root);
    let code = ex
        .exec(&c.id, &process, Stdio::Inherit)
        .with_context(|| format!("exec in container {} of pod {}", c.name, record.name))?;
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}
