//! `secctx ps`: the pods in the state directory.

use std::process::ExitCode;

use clap::Args;
use secctx_core::status::{ContainerState, PodStatus};
use secctx_runtime::pod::PodDir;

use crate::output::emit;
use crate::pods::StateArgs;

/// Arguments of `secctx ps`.
#[derive(Debug, Args)]
pub struct PsArgs {
    /// Pod state.
    #[command(flatten)]
    pub state: StateArgs,
}

/// kubectl's STATUS column: a container's waiting or terminated reason, else the phase.
fn status_word(s: &PodStatus) -> String {
    if let Some(r) = &s.reason {
        return r.clone();
    }
    for c in s
        .init_container_statuses
        .iter()
        .chain(s.container_statuses.iter())
    {
        match &c.state {
            ContainerState::Waiting(w)
                if w.reason != "PodInitializing" && w.reason != "ContainerCreating" =>
            {
                return w.reason.clone();
            }
            ContainerState::Terminated(t) if t.exit_code != 0 => return t.reason.clone(),
            _ => {}
        }
    }
    if s.phase == secctx_core::status::Phase::Succeeded {
        return "Completed".into();
    }
    s.phase.to_string()
}

/// Runs `secctx ps`.
pub fn run(args: PsArgs) -> anyhow::Result<ExitCode> {
    let mut out = format!(
        "{:<32} {:<7} {:<28} {:<20} {}\n",
        "NAME", "READY", "STATUS", "CREATED", "RUNNER"
    );
    for pod in PodDir::list(&args.state.state_dir)? {
        let record = pod.record().ok();
        let status = pod.status().ok();
        let (ready, word) = match &status {
            Some(s) => (
                format!(
                    "{}/{}",
                    s.container_statuses.iter().filter(|c| c.ready).count(),
                    s.container_statuses.len()
                ),
                status_word(s),
            ),
            None => ("-".into(), "Unknown".into()),
        };
        let runner = match record.as_ref().and_then(|r| r.monitor.as_ref()) {
            Some(m) if m.alive() => format!("pid {}", m.pid),
            Some(_) => "exited".into(),
            None => "-".into(),
        };
        out.push_str(&format!(
            "{:<32} {:<7} {:<28} {:<20} {}\n",
            pod.name,
            ready,
            word,
            record.map(|r| r.created).unwrap_or_default(),
            runner
        ));
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
