//! One container's status: its state (waiting, running, terminated) and `user.linux`.

use serde::{Deserialize, Serialize};

use crate::resolve::{LinuxUser, ResolvedContainer};

/// `state.waiting`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    /// `reason` (`ContainerCreating`, `PodInitializing`, `CreateContainerConfigError`, ...).
    pub reason: String,
    /// `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `state.running`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Running {
    /// `startedAt` (RFC 3339).
    pub started_at: String,
}

/// `state.terminated`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Terminated {
    /// `exitCode`.
    pub exit_code: i32,
    /// `signal`, when killed by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// `reason`: `Completed` (exit 0), `Error`, `OOMKilled`, `StartError`.
    pub reason: String,
    /// `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `startedAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// `finishedAt`.
    pub finished_at: String,
    /// `containerID`.
    #[serde(
        rename = "containerID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub container_id: Option<String>,
}

/// `state`: exactly one of the three, as the API writes it (`{"running": {...}}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ContainerState {
    /// Not started (yet, or ever).
    Waiting(Waiting),
    /// Started and not exited.
    Running(Running),
    /// Exited.
    Terminated(Terminated),
}

/// The reason containerd reports for an exit (`Completed` for 0, `Error` otherwise).
pub fn terminated_reason(exit_code: i32) -> &'static str {
    if exit_code == 0 { "Completed" } else { "Error" }
}

/// `user.linux` wrapper.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusUser {
    /// `uid`.
    pub uid: i64,
    /// `gid`.
    pub gid: i64,
    /// `supplementalGroups`.
    pub supplemental_groups: Vec<i64>,
}

/// `user`: the identity the runtime reports for the started process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerUser {
    /// `linux`.
    pub linux: StatusUser,
}

impl From<&LinuxUser> for ContainerUser {
    fn from(u: &LinuxUser) -> ContainerUser {
        ContainerUser {
            linux: StatusUser {
                uid: u.uid,
                gid: u.gid,
                supplemental_groups: u.supplemental_groups.clone(),
            },
        }
    }
}

/// `status.containerStatuses[]` / `initContainerStatuses[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    /// `name`.
    pub name: String,
    /// `image`.
    pub image: String,
    /// `imageID`.
    #[serde(rename = "imageID", default)]
    pub image_id: String,
    /// `containerID` (`secctx://<id>` once created).
    #[serde(
        rename = "containerID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub container_id: Option<String>,
    /// `state`.
    pub state: ContainerState,
    /// `lastState` (secctx never restarts a container, so it stays empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_state: Option<ContainerState>,
    /// `ready` (no probes: a running container is ready).
    pub ready: bool,
    /// `restartCount`.
    pub restart_count: i32,
    /// `started`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    /// `user`: reported once the runtime created the container (the kubelet copies the CRI
    /// status; nothing is reported for a container never created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<ContainerUser>,
}

impl ContainerStatus {
    /// A waiting container.
    pub fn waiting(c: &ResolvedContainer, reason: &str, message: Option<String>) -> Self {
        ContainerStatus {
            name: c.name.clone(),
            image: c.image.clone(),
            image_id: String::new(),
            container_id: None,
            state: ContainerState::Waiting(Waiting {
                reason: reason.to_string(),
                message,
            }),
            last_state: None,
            ready: false,
            restart_count: 0,
            started: Some(false),
            user: None,
        }
    }

    /// The container could not be created: waiting with `reason` (for example
    /// `CreateContainerConfigError`) and the kubelet's message.
    pub fn set_create_error(&mut self, reason: &str, message: &str) {
        self.state = ContainerState::Waiting(Waiting {
            reason: reason.to_string(),
            message: Some(message.to_string()),
        });
    }

    /// The container started; `user` is what the runtime applied.
    pub fn set_running(&mut self, container_id: &str, started_at: &str, user: Option<&LinuxUser>) {
        self.container_id = Some(container_id.to_string());
        self.state = ContainerState::Running(Running {
            started_at: started_at.to_string(),
        });
        self.ready = true;
        self.started = Some(true);
        self.user = user.map(ContainerUser::from);
    }

    /// The container exited with `exit_code` (128+N for signal N).
    pub fn set_terminated(&mut self, exit_code: i32, finished_at: &str) {
        let started_at = match &self.state {
            ContainerState::Running(r) => Some(r.started_at.clone()),
            _ => None,
        };
        self.state = ContainerState::Terminated(Terminated {
            exit_code,
            signal: None,
            reason: terminated_reason(exit_code).to_string(),
            message: None,
            started_at,
            finished_at: finished_at.to_string(),
            container_id: self.container_id.clone(),
        });
        self.ready = false;
        self.started = Some(false);
    }

    /// The terminated container was killed by the kernel's OOM killer: reason `OOMKilled`
    /// (containerd's, from the cgroup's OOM event), whatever the exit code.
    pub fn set_oom_killed(&mut self) {
        if let ContainerState::Terminated(t) = &mut self.state {
            t.reason = "OOMKilled".into();
        }
    }

    /// The runtime failed to start the process (`StartError`, exit code 128, as containerd
    /// reports a failed exec of the entrypoint).
    pub fn set_start_error(&mut self, message: &str, finished_at: &str) {
        self.state = ContainerState::Terminated(Terminated {
            exit_code: 128,
            signal: None,
            reason: "StartError".into(),
            message: Some(message.to_string()),
            started_at: None,
            finished_at: finished_at.to_string(),
            container_id: self.container_id.clone(),
        });
        self.ready = false;
        self.started = Some(false);
    }

    /// The previous termination (`lastState.terminated`), if any.
    pub fn last_terminated(&self) -> Option<&Terminated> {
        match &self.last_state {
            Some(ContainerState::Terminated(t)) => Some(t),
            _ => None,
        }
    }

    /// Whether the container is in a final state for secctx (terminated, or waiting with a
    /// create error it will never get past).
    pub fn is_final(&self) -> bool {
        match &self.state {
            ContainerState::Terminated(_) => true,
            ContainerState::Waiting(w) => w.reason.ends_with("Error"),
            ContainerState::Running(_) => false,
        }
    }
}
