//! Pods (PSA `ValidatePod`, `EvaluatePod`, `isSignificantPodUpdate`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, EphemeralContainer, Pod, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::pss::field_error::FieldError;
use secctx_core::pss::policy::{Policy, policy_error_annotation, policy_to_evaluate};
use secctx_core::pss::quote::go_quote;
use secctx_core::pss::{self, Evaluation, Level, LevelVersion, Version};

use super::{Context, Psa, error_response};
use crate::metrics::{Decision, Mode};
use crate::review::{AdmissionResponse, Status};

/// Pod subresources PSA never evaluates; any other (`ephemeralcontainers`, `resize`, ...)
/// carries a Pod and is evaluated, so a version-skewed server fails safe.
const IGNORED_SUBRESOURCES: [&str; 8] = [
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// PSA `ValidatePod`.
pub async fn validate(psa: &Psa, cx: &Context<'_>) -> AdmissionResponse {
    let req = cx.req;
    if IGNORED_SUBRESOURCES.contains(&req.sub_resource.as_str()) {
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
            let status = Status::internal(&format!(
                "failed to lookup namespace {}",
                go_quote(&req.namespace)
            ));
            return error_response(Some(&e), status);
        }
    };
    let empty = BTreeMap::new();
    let labels = namespace.metadata.labels.as_ref().unwrap_or(&empty);
    let (policy, errors) = policy_to_evaluate(labels, &psa.default_policy);
    if errors.is_empty() && policy.fully_privileged() {
        cx.metrics
            .evaluation(Decision::Allow, policy.enforce, Mode::Enforce, cx.attrs());
        let lv = LevelVersion::new(Level::Privileged, Version::Latest);
        return AdmissionResponse::allowed().annotate("enforce-policy", lv.to_string());
    }
    let Some(pod) = decode_pod(req.object.as_deref()) else {
        cx.metrics.error(true, cx.attrs());
        return error_response(None, Status::bad_request("failed to decode object"));
    };
    if req.operation == "UPDATE" {
        let Some(old) = decode_pod(req.old_object.as_deref()) else {
            cx.metrics.error(true, cx.attrs());
            return error_response(None, Status::bad_request("failed to decode old object"));
        };
        if !is_significant_update(&pod, &old) {
            return AdmissionResponse::allowed();
        }
    }
    let spec = pod.spec.unwrap_or_default();
    evaluate_pod(psa, cx, &policy, &errors, &pod.metadata, &spec, true)
}

fn decode_pod(raw: Option<&serde_json::value::RawValue>) -> Option<Pod> {
    serde_json::from_str(raw?.get()).ok()
}

/// PSA `EvaluatePod`: enforce (pods only), then audit, then warn, each level-version
/// evaluated once.
pub(crate) fn evaluate_pod(
    psa: &Psa,
    cx: &Context<'_>,
    policy: &Policy,
    policy_errors: &[FieldError],
    meta: &ObjectMeta,
    spec: &PodSpec,
    enforce: bool,
) -> AdmissionResponse {
    if psa.exempt_runtime_class(spec.runtime_class_name.as_deref()) {
        cx.metrics.exemption(cx.attrs());
        return AdmissionResponse::allowed().annotate("exempt", "runtimeClass");
    }
    let mut response = AdmissionResponse::allowed();
    if !policy_errors.is_empty() {
        response
            .audit_annotations
            .insert("error".into(), policy_error_annotation(policy_errors));
        cx.metrics.error(false, cx.attrs());
    }
    let mut cache: Vec<Evaluation> = Vec::with_capacity(3);
    let eval = |lv: LevelVersion, cache: &mut Vec<Evaluation>| -> usize {
        if let Some(i) = cache.iter().position(|e| e.level_version == lv) {
            return i;
        }
        cache.push(pss::evaluate(lv, meta, spec));
        cache.len() - 1
    };
    if enforce {
        response
            .audit_annotations
            .insert("enforce-policy".into(), policy.enforce.to_string());
        let i = eval(policy.enforce, &mut cache);
        match cache[i].enforce_message() {
            Some(message) => {
                let name = cx.req.name.as_str();
                let mut denied = AdmissionResponse::denied(Status::forbidden(
                    "pods",
                    name,
                    pss::forbidden_message(name, &message),
                ));
                denied.audit_annotations = std::mem::take(&mut response.audit_annotations);
                response = denied;
                cx.metrics
                    .evaluation(Decision::Deny, policy.enforce, Mode::Enforce, cx.attrs());
            }
            None => {
                cx.metrics
                    .evaluation(Decision::Allow, policy.enforce, Mode::Enforce, cx.attrs());
            }
        }
    }
    let i = eval(policy.audit, &mut cache);
    if let Some(m) = cache[i].warn_message() {
        response
            .audit_annotations
            .insert("audit-violations".into(), m);
        cx.metrics
            .evaluation(Decision::Deny, policy.audit, Mode::Audit, cx.attrs());
    }
    // No warnings on a request already being rejected.
    if response.allowed {
        let i = eval(policy.warn, &mut cache);
        if let Some(m) = cache[i].warn_message() {
            response.warnings.push(m);
            cx.metrics
                .evaluation(Decision::Deny, policy.warn, Mode::Warn, cx.attrs());
        }
    }
    response
}

/// PSA `isSignificantPodUpdate`: an image changed, the number of containers or init
/// containers changed, or an ephemeral container was added or changed its image.
pub fn is_significant_update(pod: &Pod, old: &Pod) -> bool {
    let empty = PodSpec::default();
    let new = pod.spec.as_ref().unwrap_or(&empty);
    let old = old.spec.as_ref().unwrap_or(&empty);
    let inits = |s: &PodSpec| s.init_containers.as_deref().unwrap_or(&[]).len();
    if new.containers.len() != old.containers.len() || inits(new) != inits(old) {
        return true;
    }
    let image_changed = |a: &Container, b: &Container| a.image != b.image;
    if new
        .containers
        .iter()
        .zip(&old.containers)
        .any(|(a, b)| image_changed(a, b))
    {
        return true;
    }
    let no_inits: &[Container] = &[];
    if new
        .init_containers
        .as_deref()
        .unwrap_or(no_inits)
        .iter()
        .zip(old.init_containers.as_deref().unwrap_or(no_inits))
        .any(|(a, b)| image_changed(a, b))
    {
        return true;
    }
    let no_ephemeral: &[EphemeralContainer] = &[];
    let old_ephemeral = old.ephemeral_containers.as_deref().unwrap_or(no_ephemeral);
    new.ephemeral_containers
        .as_deref()
        .unwrap_or(no_ephemeral)
        .iter()
        .any(|c| match old_ephemeral.iter().find(|o| o.name == c.name) {
            None => true,
            Some(o) => o.image != c.image,
        })
}
