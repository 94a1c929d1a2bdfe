//! `validateHostUsers`: a pod in its own user namespace (`hostUsers: false`) may not share the
//! host's network, PID or IPC namespace.
//!
//! Strings are those of Kubernetes 1.34 (`validation.go` blob `000f2605`): the detail is
//! ``when `pod.Spec.HostUsers` is false`` and the PID/IPC path segments are the Go field names
//! `HostPID` / `HostIPC` (so `spec.HostPID`), while the network one is `spec.hostNetwork`.
//! Later releases say ``when `hostUsers` is false`` and, behind the alpha gate
//! `UserNamespacesHostNetworkSupport` (1.35, off by default), allow `hostNetwork`; neither is
//! modelled here.

use k8s_openapi::api::core::v1::PodSpec;

use crate::path::FieldPath;

use super::error::FieldError;
use super::visit::{host_ipc, host_network, host_pid, host_users};

/// The detail of every hostUsers error.
pub const DETAIL: &str = "when `pod.Spec.HostUsers` is false";

/// `validateHostUsers(spec, specPath)`.
pub fn validate(spec: &PodSpec, spec_path: &FieldPath) -> Vec<FieldError> {
    if host_users(spec) {
        return Vec::new();
    }
    let mut errs = Vec::new();
    if host_network(spec) {
        errs.push(FieldError::forbidden(
            spec_path.child("hostNetwork"),
            DETAIL,
        ));
    }
    if host_pid(spec) {
        errs.push(FieldError::forbidden(spec_path.child("HostPID"), DETAIL));
    }
    if host_ipc(spec) {
        errs.push(FieldError::forbidden(spec_path.child("HostIPC"), DETAIL));
    }
    errs
}
