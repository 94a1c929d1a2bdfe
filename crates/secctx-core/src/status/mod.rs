//! The pod status the kubelet reports (`status` of a `v1 Pod`): phase, reason and message,
//! per-container states and `user.linux`, serialised as Kubernetes JSON (camelCase).
//!
//! Pure: times are RFC 3339 strings passed in by the caller, never read from a clock.
//! Rules: `getPhase` and `convertToAPIContainerStatuses` in `pkg/kubelet/kubelet_pods.go`,
//! `rejectPod` in `pkg/kubelet/kubelet.go`.

mod container;
mod phase;

use serde::{Deserialize, Serialize};

pub use container::{
    ContainerState, ContainerStatus, ContainerUser, Running, StatusUser, Terminated, Waiting,
    terminated_reason,
};
pub use phase::{Phase, pod_phase};

use crate::resolve::{Rejection, ResolvedPod};

/// `status` of a pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    /// `phase`.
    pub phase: Phase,
    /// `reason` (set for a pod the kubelet rejected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `startTime`: when the kubelet admitted the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// `initContainerStatuses`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_container_statuses: Vec<ContainerStatus>,
    /// `containerStatuses`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
}

impl PodStatus {
    /// A pod the kubelet refused at admission (`rejectPod`): phase `Failed`, the reason, and the
    /// message prefixed `Pod was rejected: `; no container statuses.
    pub fn rejected(rejection: &Rejection) -> PodStatus {
        PodStatus {
            phase: Phase::Failed,
            reason: Some(rejection.reason.clone()),
            message: Some(format!("Pod was rejected: {}", rejection.message)),
            start_time: None,
            init_container_statuses: Vec::new(),
            container_statuses: Vec::new(),
        }
    }

    /// The status right after admission: every container waiting (`ContainerCreating`, or
    /// `PodInitializing` when the pod has init containers), with `user.linux` as predicted.
    /// Ephemeral containers are not run, so they get no status.
    pub fn admitted(pod: &ResolvedPod, start_time: &str) -> PodStatus {
        let has_init = pod
            .containers
            .iter()
            .any(|c| c.kind == crate::resolve::ContainerKind::Init);
        let reason = if has_init {
            "PodInitializing"
        } else {
            "ContainerCreating"
        };
        let mut status = PodStatus {
            phase: Phase::Pending,
            reason: None,
            message: None,
            start_time: Some(start_time.to_string()),
            init_container_statuses: Vec::new(),
            container_statuses: Vec::new(),
        };
        for c in &pod.containers {
            let s = ContainerStatus::waiting(c, reason, None);
            match c.kind {
                crate::resolve::ContainerKind::Init => status.init_container_statuses.push(s),
                crate::resolve::ContainerKind::Regular => status.container_statuses.push(s),
                crate::resolve::ContainerKind::Ephemeral => {}
            }
        }
        status
    }

    /// The status of the named container (init or regular).
    pub fn container_mut(&mut self, name: &str) -> Option<&mut ContainerStatus> {
        self.init_container_statuses
            .iter_mut()
            .chain(self.container_statuses.iter_mut())
            .find(|c| c.name == name)
    }

    /// The status of the named container (init or regular).
    pub fn container(&self, name: &str) -> Option<&ContainerStatus> {
        self.init_container_statuses
            .iter()
            .chain(self.container_statuses.iter())
            .find(|c| c.name == name)
    }

    /// Recomputes `phase` from the container states (`getPhase`); `pod_is_terminal` is true
    /// once nothing will run or restart any more. A rejected pod stays `Failed`.
    pub fn update_phase(&mut self, restart_policy: Option<&str>, pod_is_terminal: bool) {
        if self.reason.is_some() && self.phase == Phase::Failed {
            return;
        }
        self.phase = pod_phase(
            restart_policy,
            &self.init_container_statuses,
            &self.container_statuses,
            pod_is_terminal,
        );
    }
}

#[cfg(test)]
mod tests;
