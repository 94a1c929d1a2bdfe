//! API server validation of every security field of a Pod or pod template, with the field
//! paths and messages kube-apiserver prints.
//!
//! Entry points:
//! - [`validate_pod`]: what `POST /api/v1/namespaces/*/pods` rejects, paths from `metadata` /
//!   `spec`; [`pod_warnings`] for the `Warning:` lines.
//! - [`validate_pod_template`] / [`validate_workload`]: a workload's pod template, paths under
//!   its template path (`spec.template.spec...`); [`template_warnings`].
//! - [`validate_status_user`]: the users a kubelet reports in `status` (`ValidatePodStatusUpdate`).
//! - [`invalid_message`]: the whole message, `Pod "x" is invalid: [e1, e2]`.
//!
//! # What is modelled
//!
//! Upstream sources: `kubernetes/kubernetes` `pkg/apis/core/validation/validation.go` (blob
//! `000f2605`, the Kubernetes 1.34 line), `pkg/registry/core/pod/strategy.go`,
//! `pkg/api/pod/{util,warnings}.go`; apimachinery `pkg/util/validation/field/errors.go` (v0.34+
//! value rendering: JSON for anything not a plain string/int/bool); component-helpers
//! `node/util/sysctl`. Where the project spec and upstream disagree, upstream is followed.
//!
//! The input is the v1 object as decoded (k8s-openapi). Validation upstream runs on the internal
//! type after defaulting; the differences that show are handled: the pod security context
//! always exists, it carries `hostNetwork`/`hostPID`/`hostIPC`/`shareProcessNamespace`/
//! `hostUsers`, and internal structs print with Go field names. Feature gates are at their
//! 1.34 defaults (ProcMountType, UserNamespacesSupport, SupplementalGroupsPolicy,
//! SELinuxChangePolicy on; SELinuxMount off), so no security field is dropped before
//! validation.
//!
//! Only security-relevant rules are checked, with the rules that keep names and paths from
//! reaching outside what they name on a node: a Pod's name and namespace, volume and
//! container names, volume item paths, `volumeMounts` (volume exists, `subPath` /
//! `subPathExpr`, `mountPropagation`). A manifest these functions accept may still be
//! rejected for other reasons (missing image, ports, probes, ...). Go iterates annotation maps in
//! random order; here they come sorted by key.

mod apparmor;
mod container_security_context;
mod error;
mod format;
mod go_structs;
mod gojson;
mod host_users;
mod mounts;
mod names;
mod os;
mod pod;
mod pod_security_context;
mod quote;
mod seccomp;
mod status;
mod sysctl;
mod visit;
mod volumes;
mod warnings;
mod windows;

pub use error::{ErrorType, FieldError, ValueRepr, aggregate, invalid_message};
pub use gojson::GoJson;
pub use pod::{validate_pod, validate_pod_template};
pub use quote::go_quote;
pub use status::validate_status_user;
pub use sysctl::{SysctlNamespace, namespace_of as sysctl_namespace};
pub use warnings::{pod_warnings, template_warnings};

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::load::{Workload, WorkloadKind};

/// The knobs of API validation that are not in the object. Update-only options
/// (`ValidatePodUpdate`: immutability, old objects keeping legacy values) are not modelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationOptions {
    /// kube-apiserver `--allow-privileged`. The flag defaults to false, but kubeadm and most
    /// installers set it to true, so the default here is `true`. When false, `privileged: true`
    /// is `Forbidden: disallowed by cluster policy` and hostProcess pods are forbidden.
    pub allow_privileged: bool,
    /// `PodValidationOptions.AllowOnlyRecursiveSELinuxChangePolicy`: true when the
    /// `SELinuxMount` feature gate is off (its default through 1.35) and, on update, the old
    /// object had no policy. Then only `Recursive` is accepted for `seLinuxChangePolicy`;
    /// otherwise `MountOption` too. Default `true`.
    pub allow_only_recursive_selinux_change_policy: bool,
    /// `PodValidationOptions.AllowNamespacedSysctlsForHostNetAndHostIPC`: set by the API server
    /// only on update when the old object already combined a net/IPC sysctl with
    /// `hostNetwork`/`hostIPC`; skips that check. Default `false` (create).
    pub allow_namespaced_sysctls_for_host_net_and_host_ipc: bool,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            allow_privileged: true,
            allow_only_recursive_selinux_change_policy: true,
            allow_namespaced_sysctls_for_host_net_and_host_ipc: false,
        }
    }
}

/// `GroupKind.String()` of a kind, as `NewInvalid` prints it: `Pod`, `Deployment.apps`,
/// `CronJob.batch`.
pub fn qualified_kind(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Pod => "Pod",
        WorkloadKind::PodTemplate => "PodTemplate",
        WorkloadKind::ReplicationController => "ReplicationController",
        WorkloadKind::ReplicaSet => "ReplicaSet.apps",
        WorkloadKind::Deployment => "Deployment.apps",
        WorkloadKind::StatefulSet => "StatefulSet.apps",
        WorkloadKind::DaemonSet => "DaemonSet.apps",
        WorkloadKind::Job => "Job.batch",
        WorkloadKind::CronJob => "CronJob.batch",
    }
}

/// Validates the pod of any workload kind: a Pod with [`validate_pod`], anything else with
/// [`validate_pod_template`] at the kind's template path. `pod_meta` is the Pod's metadata or
/// the template's.
pub fn validate_kind(
    kind: WorkloadKind,
    pod_meta: &ObjectMeta,
    spec: &PodSpec,
    opts: &ValidationOptions,
) -> Vec<FieldError> {
    match kind {
        WorkloadKind::Pod => validate_pod(pod_meta, spec, opts),
        _ => validate_pod_template(pod_meta, spec, &kind.template_path(), opts),
    }
}

/// [`validate_kind`] for a loaded workload.
pub fn validate_workload(workload: &Workload, opts: &ValidationOptions) -> Vec<FieldError> {
    validate_kind(workload.kind, &workload.pod_meta, &workload.spec, opts)
}

/// The API server's message for a loaded workload: `Deployment.apps "web" is invalid: ...`.
pub fn workload_message(workload: &Workload, errors: &[FieldError]) -> String {
    invalid_message(qualified_kind(workload.kind), workload.name(), errors)
}

/// The pod strategy's AppArmor version skew on a copy of `spec` (see [`validate_pod`]):
/// container fields filled from `container.apparmor.security.beta.kubernetes.io/*`
/// annotations. Returns the new spec and the deprecation warnings.
pub fn apply_apparmor_version_skew(meta: &ObjectMeta, spec: &PodSpec) -> (PodSpec, Vec<String>) {
    let mut spec = spec.clone();
    let warnings = match &meta.annotations {
        Some(annotations) => apparmor::apply_version_skew(annotations, &mut spec),
        None => Vec::new(),
    };
    (spec, warnings)
}
