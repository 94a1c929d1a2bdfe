//! The pod phase from container states: the kubelet's `getPhase` (restartable init
//! containers, "sidecars", are not modelled: secctx treats every init container as run-once).

use serde::{Deserialize, Serialize};

use super::container::{ContainerState, ContainerStatus};

/// `status.phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Accepted, but not every container has started.
    Pending,
    /// Every container started and at least one is running (or restarting).
    Running,
    /// Every container exited 0 and none will restart.
    Succeeded,
    /// Every container exited and at least one failed, or the pod was rejected.
    Failed,
}

impl Phase {
    /// The phase's name as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Succeeded => "Succeeded",
            Phase::Failed => "Failed",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `getPhase`: `restart_policy` is the pod's (`Always` when unset), `pod_is_terminal` whether the
/// kubelet has decided nothing will run again.
pub fn pod_phase(
    restart_policy: Option<&str>,
    init: &[ContainerStatus],
    regular: &[ContainerStatus],
    pod_is_terminal: bool,
) -> Phase {
    let policy = restart_policy.unwrap_or("Always");
    let mut pending_init = 0;
    let mut failed_init = 0;
    for c in init {
        match &c.state {
            ContainerState::Running(_) => pending_init += 1,
            ContainerState::Terminated(t) => {
                if t.exit_code != 0 {
                    failed_init += 1;
                }
            }
            ContainerState::Waiting(_) => match c.last_terminated() {
                Some(t) if t.exit_code != 0 => failed_init += 1,
                Some(_) => {}
                None => pending_init += 1,
            },
        }
    }
    let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
    for c in regular {
        match &c.state {
            ContainerState::Running(_) => running += 1,
            ContainerState::Terminated(t) => {
                stopped += 1;
                if t.exit_code == 0 {
                    succeeded += 1;
                }
            }
            ContainerState::Waiting(_) => {
                if c.last_terminated().is_some() {
                    stopped += 1;
                } else {
                    waiting += 1;
                }
            }
        }
    }
    if failed_init > 0 && policy == "Never" {
        return Phase::Failed;
    }
    let any_regular_started = regular
        .iter()
        .any(|c| !matches!(c.state, ContainerState::Waiting(_)) || c.last_terminated().is_some());
    if (pending_init > 0 && !any_regular_started) || waiting > 0 {
        return Phase::Pending;
    }
    if running > 0 {
        return Phase::Running;
    }
    if stopped > 0 {
        if pod_is_terminal {
            return if stopped == succeeded {
                Phase::Succeeded
            } else {
                Phase::Failed
            };
        }
        if policy == "Always" {
            return Phase::Running;
        }
        if stopped == succeeded {
            return Phase::Succeeded;
        }
        if policy == "Never" {
            return Phase::Failed;
        }
        return Phase::Running;
    }
    Phase::Pending
}
