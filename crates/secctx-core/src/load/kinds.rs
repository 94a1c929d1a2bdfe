//! The kinds secctx understands and where each keeps its pod template (as PSA extracts it).

use crate::path::FieldPath;

/// An object kind that carries a pod spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum WorkloadKind {
    /// `v1 Pod`.
    Pod,
    /// `v1 PodTemplate` (`.template`).
    PodTemplate,
    /// `v1 ReplicationController` (`.spec.template`).
    ReplicationController,
    /// `apps ReplicaSet`.
    ReplicaSet,
    /// `apps Deployment`.
    Deployment,
    /// `apps StatefulSet`.
    StatefulSet,
    /// `apps DaemonSet`.
    DaemonSet,
    /// `batch Job`.
    Job,
    /// `batch CronJob` (`.spec.jobTemplate.spec.template`).
    CronJob,
}

impl WorkloadKind {
    /// The kind for an `apiVersion` and `kind`, when it carries a pod spec.
    pub fn from_type(api_version: &str, kind: &str) -> Option<WorkloadKind> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        Some(match (group, kind) {
            ("", "Pod") => WorkloadKind::Pod,
            ("", "PodTemplate") => WorkloadKind::PodTemplate,
            ("", "ReplicationController") => WorkloadKind::ReplicationController,
            ("apps" | "extensions", "ReplicaSet") => WorkloadKind::ReplicaSet,
            ("apps" | "extensions", "Deployment") => WorkloadKind::Deployment,
            ("apps", "StatefulSet") => WorkloadKind::StatefulSet,
            ("apps" | "extensions", "DaemonSet") => WorkloadKind::DaemonSet,
            ("batch", "Job") => WorkloadKind::Job,
            ("batch", "CronJob") => WorkloadKind::CronJob,
            _ => return None,
        })
    }

    /// The kind's name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "Pod",
            WorkloadKind::PodTemplate => "PodTemplate",
            WorkloadKind::ReplicationController => "ReplicationController",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }

    /// The path of the pod template inside the object (the root for a Pod, whose metadata and
    /// spec are the object's own).
    pub fn template_path(self) -> FieldPath {
        match self {
            WorkloadKind::Pod => FieldPath::root(),
            WorkloadKind::PodTemplate => FieldPath::new("template"),
            WorkloadKind::CronJob => FieldPath::new("spec.jobTemplate.spec.template"),
            _ => FieldPath::new("spec.template"),
        }
    }

    /// The resource name the API server uses in messages (`pods`, `deployments`, ...).
    pub fn resource(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "pods",
            WorkloadKind::PodTemplate => "podtemplates",
            WorkloadKind::ReplicationController => "replicationcontrollers",
            WorkloadKind::ReplicaSet => "replicasets.apps",
            WorkloadKind::Deployment => "deployments.apps",
            WorkloadKind::StatefulSet => "statefulsets.apps",
            WorkloadKind::DaemonSet => "daemonsets.apps",
            WorkloadKind::Job => "jobs.batch",
            WorkloadKind::CronJob => "cronjobs.batch",
        }
    }
}

impl std::fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
