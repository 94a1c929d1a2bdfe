//! `secctx run FILE`: run a pod on this machine with every security-context field enforced.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use secctx_core::status::{ContainerState, Phase};

use crate::commands::image::StoreArgs;
use crate::input::FieldArgs;
use crate::node::NodeArgs;
use crate::output::{diag, emit};
use secctx_runtime::pod::run::prepare::{allocate_userns, new_uid};
use secctx_runtime::pod::run::runner::{Runner, new_record};

use crate::pods::{Printer, StateArgs, prepare};

/// Arguments of `secctx run`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
The pod runs as a node would run it: the kubelet's admission (unsafe sysctls, AppArmor on a
kernel without it), runAsNonRoot and env checks before start (CreateContainerConfigError),
volumes (emptyDir, hostPath, configMap, secret, downwardAPI, projected; fsGroup ownership), a
sandbox holding the pod's namespaces, init containers in order to completion, then the
containers. Images come from the store (secctx image import/pull). Containers are never
restarted.

Exit codes: 0 the pod Succeeded (or, with -d, started), 1 it Failed, was rejected or did not
start, 2 the input or the machine is at fault (nothing was started).")]
pub struct RunArgs {
    /// The pod manifest (a Pod, or any workload: its pod template is run).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Detach: start the pod in the background and return.
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Hand the bundles to this OCI runtime (crun, runc) instead of the embedded executor.
    #[arg(long, value_name = "PATH")]
    pub runtime: Option<PathBuf>,
    /// Remove the pod when it is over (foreground only), as `secctx rm` would.
    #[arg(long, conflicts_with = "detach")]
    pub rm: bool,
    /// Replace every regular container's command with `sh -c COMMAND` (a probe).
    #[arg(long = "command", value_name = "COMMAND")]
    pub command: Option<String>,
    /// Pod state.
    #[command(flatten)]
    pub state: StateArgs,
    /// The image store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The node (AppArmor, SELinux, cap_last_cap and the kernel are always this machine's).
    #[command(flatten)]
    pub node: NodeArgs,
    /// Unknown and duplicate fields.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Internal: this process is the detached runner of an existing pod with this uid.
    #[arg(long = "internal-runner-uid", hide = true)]
    pub runner_uid: Option<String>,
}

/// Runs `secctx run`.
pub fn run(mut args: RunArgs) -> anyhow::Result<ExitCode> {
    args.node.node_from_host = true;
    let child = args.runner_uid.is_some();
    let uid = args.runner_uid.clone().unwrap_or_else(new_uid);
    let store = args.store.open()?;
    let p = prepare(
        &args.file,
        &uid,
        args.command.as_deref(),
        store,
        args.node.config(),
        args.fields.field_validation,
    )?;
    let pod = args.state.pod(p.name())?;
    if !child {
        pod.create()?;
        allocate_userns(&p, &pod, &args.state.state_dir)?;
        let record = new_record(&p, args.runtime.clone(), args.state.executor_root());
        pod.write_record(&record)?;
        for n in &record.notes {
            diag(&format!("not enforced: {n}"));
        }
        if args.detach {
            return detach(&pod, &uid);
        }
    }
    let record = pod.record()?;
    let phase = Runner::new(&p, &pod, record, !child, &mut Printer).run()?;
    if !child {
        diag(&format!("pod {}: {phase}", pod.name));
        if phase != Phase::Succeeded
            && let Ok(s) = pod.status()
        {
            for line in failed_containers(&s) {
                diag(&line);
            }
        }
        if args.rm {
            for p in crate::commands::rm::remove(&pod, &args.state.executor_root())? {
                diag(&format!("error: pod {}: {p}", pod.name));
            }
        }
    }
    Ok(match phase {
        Phase::Succeeded => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

/// One line per container that failed or never started: name, reason, exit code, message
/// (as `kubectl describe` shows them), so a `Failed` pod says why.
fn failed_containers(s: &secctx_core::status::PodStatus) -> Vec<String> {
    s.init_container_statuses
        .iter()
        .chain(s.container_statuses.iter())
        .filter_map(|c| match &c.state {
            ContainerState::Terminated(t) if t.exit_code != 0 => Some(format!(
                "  container {}: {} (exit code {}){}",
                c.name,
                t.reason,
                t.exit_code,
                t.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )),
            ContainerState::Waiting(w) if w.reason.ends_with("Error") => Some(format!(
                "  container {}: {}{}",
                c.name,
                w.reason,
                w.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            )),
            _ => None,
        })
        .collect()
}

fn detach(pod: &secctx_runtime::pod::PodDir, uid: &str) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    // /proc/self/exe, not its path: secctx runs from a sealed copy (sealed_exe) whose path
    // names nothing on the host.
    let exe = std::path::PathBuf::from("/proc/self/exe");
    let log = pod.path("runner.log");
    let err = secctx_runtime::private::create(&log)?;
    // The runner gets this invocation's own arguments, so every option (state dir, store, node,
    // runtime, command, and any added later) reaches it unchanged; `--internal-runner-uid` makes
    // it run the pod already created here (and ignore `-d`). argv[1] is always `run`: the
    // command line has no global options.
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("run")
        .arg("--internal-runner-uid")
        .arg(uid)
        .args(std::env::args_os().skip(2));
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(err)
        .process_group(0);
    let mut child = cmd.spawn().context("starting the pod runner")?;
    // Wait until every container started (or the pod settled).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(s) = pod.status() {
            // Started, finished, or stuck: a create error, or a failed init container.
            let stuck = s
                .init_container_statuses
                .iter()
                .chain(s.container_statuses.iter())
                .any(|c| match &c.state {
                    ContainerState::Waiting(w) => w.reason.ends_with("Error"),
                    ContainerState::Terminated(t) => t.exit_code != 0,
                    ContainerState::Running(_) => false,
                });
            let settled = s.phase != Phase::Pending || stuck || s.message.is_some();
            if settled {
                break;
            }
        }
        if let Some(code) = child.try_wait()? {
            if pod.status().is_err() {
                bail!(
                    "the pod runner exited ({code}): {}",
                    std::fs::read_to_string(&log).unwrap_or_default().trim()
                );
            }
            break;
        }
        if Instant::now() > deadline {
            bail!("pod {} did not start within 120 s", pod.name);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    emit(&format!("{}\n", pod.name))?;
    Ok(ExitCode::SUCCESS)
}
