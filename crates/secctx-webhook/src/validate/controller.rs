//! Workload controllers (PSA `ValidatePodController`): the pod template is evaluated for
//! audit and warn only; a controller is never denied, and errors only annotate.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::pss::Level;
use secctx_core::pss::policy::policy_to_evaluate;
use secctx_core::pss::quote::go_quote;
use serde::Deserialize;

use super::pod::evaluate_pod;
use super::{Context, Psa};
use crate::review::{AdmissionResponse, GroupVersionKind};

/// PSA `ValidatePodController`.
pub async fn validate(psa: &Psa, cx: &Context<'_>) -> AdmissionResponse {
    let req = cx.req;
    if !req.sub_resource.is_empty() {
        return AdmissionResponse::allowed();
    }
    if psa.exempt_namespace(&req.namespace) {
        cx.metrics.exemption(cx.attrs());
        return AdmissionResponse::allowed().annotate("exempt", "namespace");
    }
    if psa.exempt_user(&req.user_info.username) {
        cx.metrics.exemption(cx.attrs());
        return AdmissionResponse::allowed().annotate("exempt", "user");
    }
    let namespace = match cx.namespace().await {
        Ok(ns) => ns,
        Err(e) => {
            cx.metrics.error(true, cx.attrs());
            return AdmissionResponse::allowed().annotate(
                "error",
                format!(
                    "failed to lookup namespace {}: {e}",
                    go_quote(&req.namespace)
                ),
            );
        }
    };
    let empty = BTreeMap::new();
    let labels = namespace.metadata.labels.as_ref().unwrap_or(&empty);
    let (policy, errors) = policy_to_evaluate(labels, &psa.default_policy);
    if errors.is_empty()
        && policy.warn.level == Level::Privileged
        && policy.audit.level == Level::Privileged
    {
        return AdmissionResponse::allowed();
    }
    let template = match extract_template(&req.kind, req.object.as_deref()) {
        Ok(Some(t)) => t,
        Ok(None) => return AdmissionResponse::allowed(),
        Err(e) => {
            cx.metrics.error(true, cx.attrs());
            return AdmissionResponse::allowed().annotate("error", e);
        }
    };
    let (meta, spec) = template;
    evaluate_pod(psa, cx, &policy, &errors, &meta, &spec, false)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Templated {
    #[serde(default)]
    template: Option<PodTemplateSpec>,
    #[serde(default)]
    spec: Option<TemplatedSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TemplatedSpec {
    #[serde(default)]
    template: Option<PodTemplateSpec>,
    #[serde(default)]
    job_template: Option<JobTemplate>,
}

#[derive(Deserialize)]
struct JobTemplate {
    #[serde(default)]
    spec: Option<JobSpec>,
}

#[derive(Deserialize)]
struct JobSpec {
    #[serde(default)]
    template: Option<PodTemplateSpec>,
}

fn parts(t: Option<PodTemplateSpec>) -> (ObjectMeta, PodSpec) {
    let t = t.unwrap_or_default();
    (t.metadata.unwrap_or_default(), t.spec.unwrap_or_default())
}

/// PSA `DefaultPodSpecExtractor`: the template of the kinds that have one. `Ok(None)`: a
/// ReplicationController without a template (nothing to evaluate). The error is the `error`
/// audit annotation.
fn extract_template(
    kind: &GroupVersionKind,
    raw: Option<&serde_json::value::RawValue>,
) -> Result<Option<(ObjectMeta, PodSpec)>, String> {
    let decoded = raw
        .ok_or_else(|| "failed to decode object: no object in the request".to_owned())
        .and_then(|r| {
            serde_json::from_str::<Templated>(r.get())
                .map_err(|e| format!("failed to decode object: {e}"))
        })?;
    let spec = decoded.spec;
    match (kind.group.as_str(), kind.kind.as_str()) {
        ("", "PodTemplate") => Ok(Some(parts(decoded.template))),
        ("", "ReplicationController") => Ok(spec.and_then(|s| s.template).map(|t| parts(Some(t)))),
        ("apps", "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet") | ("batch", "Job") => {
            Ok(Some(parts(spec.and_then(|s| s.template))))
        }
        ("batch", "CronJob") => Ok(Some(parts(
            spec.and_then(|s| s.job_template)
                .and_then(|j| j.spec)
                .and_then(|s| s.template),
        ))),
        (group, k) => Err(format!(
            "failed to extract pod template: unexpected object type: {group}/{}, Kind={k}",
            kind.version
        )),
    }
}
