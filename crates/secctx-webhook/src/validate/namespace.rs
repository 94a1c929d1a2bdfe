//! Namespaces (PSA `ValidateNamespace`, `EvaluatePodsInNamespace`, spec §2.4): invalid
//! Pod Security labels are refused (on update only when they changed); a tightened enforce
//! level is answered with warnings about the existing pods that would violate it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use k8s_openapi::api::core::v1::Namespace;
use secctx_core::pss::field_error::{FieldError, FieldErrorKind};
use secctx_core::pss::policy::{
    AUDIT_LEVEL_LABEL, AUDIT_VERSION_LABEL, ENFORCE_LEVEL_LABEL, ENFORCE_VERSION_LABEL,
    WARN_LEVEL_LABEL, WARN_VERSION_LABEL, namespace_invalid_message, policy_to_evaluate,
};
use secctx_core::pss::quote::go_quote;
use secctx_core::pss::{self, Level, LevelVersion, Policy};

use super::{
    Context, NAMESPACE_MAX_PODS_TO_CHECK, NAMESPACE_POD_CHECK_TIMEOUT, Psa, error_response,
};
use crate::review::{AdmissionResponse, Status, StatusCause};

/// PSA `ValidateNamespace`.
pub async fn validate(psa: &Psa, cx: &Context<'_>) -> AdmissionResponse {
    let req = cx.req;
    if !req.sub_resource.is_empty() {
        return AdmissionResponse::allowed();
    }
    let Some(namespace) = decode(req.object.as_deref()) else {
        return error_response(None, Status::bad_request("failed to decode object"));
    };
    let empty = BTreeMap::new();
    let labels = namespace.metadata.labels.as_ref().unwrap_or(&empty);
    let ns_name = namespace.metadata.name.as_deref().unwrap_or("");
    let (new_policy, new_errors) = policy_to_evaluate(labels, &psa.default_policy);
    match req.operation.as_str() {
        "CREATE" => {
            if !new_errors.is_empty() {
                return invalid(&req.name, &new_errors);
            }
            if psa.exempt_namespace(&req.namespace)
                && let Some(w) = exempt_warning(psa, ns_name, &new_policy, labels)
            {
                let mut r = AdmissionResponse::allowed();
                r.warnings.push(w);
                return r;
            }
            AdmissionResponse::allowed()
        }
        "UPDATE" => {
            // Upstream's text, double space included.
            let Some(old) = decode(req.old_object.as_deref()) else {
                return error_response(None, Status::bad_request("failed to decode  old object"));
            };
            let old_labels = old.metadata.labels.as_ref().unwrap_or(&empty);
            let (old_policy, old_errors) = policy_to_evaluate(old_labels, &psa.default_policy);
            if !new_errors.is_empty() && (old_errors.is_empty() || new_errors != old_errors) {
                return invalid(&req.name, &new_errors);
            }
            let (new_e, old_e) = (new_policy.enforce, old_policy.enforce);
            if new_e == old_e
                || new_e.level == Level::Privileged
                || (new_e.version == old_e.version && new_e.level <= old_e.level)
            {
                return AdmissionResponse::allowed();
            }
            if psa.exempt_namespace(&req.namespace) {
                let mut r = AdmissionResponse::allowed();
                if let Some(w) = exempt_warning(psa, ns_name, &new_policy, labels) {
                    r.warnings.push(w);
                }
                return r;
            }
            let mut r = AdmissionResponse::allowed();
            r.warnings = evaluate_pods_in_namespace(psa, cx, ns_name, new_e).await;
            r
        }
        _ => AdmissionResponse::allowed(),
    }
}

fn decode(raw: Option<&serde_json::value::RawValue>) -> Option<Namespace> {
    serde_json::from_str(raw?.get()).ok()
}

/// apimachinery `NewInvalid(Namespace, name, errs)`: 422 with one cause per field error.
fn invalid(name: &str, errors: &[FieldError]) -> AdmissionResponse {
    let causes = errors
        .iter()
        .map(|e| {
            let (reason, body) = match e.kind {
                FieldErrorKind::Invalid => ("FieldValueInvalid", "Invalid value"),
                FieldErrorKind::Duplicate => ("FieldValueDuplicate", "Duplicate value"),
            };
            let mut message = format!("{body}: {}", go_quote(&e.value));
            if !e.detail.is_empty() {
                message.push_str(": ");
                message.push_str(&e.detail);
            }
            StatusCause {
                reason: reason.to_owned(),
                message,
                field: e.path.to_string(),
            }
        })
        .collect();
    AdmissionResponse::denied(Status::invalid(
        "Namespace",
        name,
        namespace_invalid_message(name, errors),
        causes,
    ))
}

/// PSA `exemptNamespaceWarning`: an exempt namespace whose labels ask for a policy.
fn exempt_warning(
    psa: &Psa,
    namespace: &str,
    policy: &Policy,
    labels: &BTreeMap<String, String>,
) -> Option<String> {
    if policy.fully_privileged() || policy.equivalent(&psa.default_policy) {
        return None;
    }
    let has = |a: &str, b: &str| labels.contains_key(a) || labels.contains_key(b);
    let mut parts = Vec::new();
    for (name, lv, level_label, version_label) in [
        (
            "enforce",
            policy.enforce,
            ENFORCE_LEVEL_LABEL,
            ENFORCE_VERSION_LABEL,
        ),
        (
            "audit",
            policy.audit,
            AUDIT_LEVEL_LABEL,
            AUDIT_VERSION_LABEL,
        ),
        ("warn", policy.warn, WARN_LEVEL_LABEL, WARN_VERSION_LABEL),
    ] {
        if lv.level != Level::Privileged && has(level_label, version_label) {
            parts.push(format!("{name}={lv}"));
        }
    }
    Some(format!(
        "namespace {} is exempt from Pod Security, and the policy ({}) will be ignored",
        go_quote(namespace),
        parts.join(", ")
    ))
}

/// PSA `EvaluatePodsInNamespace`: the existing pods, one per controller first, runtime-class
/// exempt ones skipped, at most 3000 and within 1 s (or half the time the API server has left,
/// if less), grouped by reason with the alphabetically first pod named.
pub async fn evaluate_pods_in_namespace(
    psa: &Psa,
    cx: &Context<'_>,
    namespace: &str,
    enforce: LevelVersion,
) -> Vec<String> {
    let now = Instant::now();
    let mut budget = NAMESPACE_POD_CHECK_TIMEOUT;
    if let Some(d) = cx.deadline {
        budget = budget.min(d.saturating_duration_since(now) / 2);
    }
    let deadline = now + budget;
    let listed = match tokio::time::timeout_at(deadline.into(), cx.pods.list(namespace)).await {
        Ok(Ok(pods)) => pods,
        Ok(Err(_)) | Err(_) => {
            return vec![
                "failed to list pods while checking new PodSecurity enforce level".to_owned(),
            ];
        }
    };
    // Prioritise: one pod per controller first, then the other replicas.
    let mut prioritized = Vec::with_capacity(listed.len());
    let mut duplicates = Vec::new();
    let mut controllers: HashSet<&str> = HashSet::new();
    for pod in &listed {
        let spec = pod.spec.as_ref();
        if psa.exempt_runtime_class(spec.and_then(|s| s.runtime_class_name.as_deref())) {
            continue;
        }
        let controller = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|r| r.controller == Some(true));
        match controller {
            None => prioritized.push(pod),
            Some(r) if !controllers.insert(r.uid.as_str()) => duplicates.push(pod),
            Some(_) => prioritized.push(pod),
        }
    }
    prioritized.extend(duplicates);
    let total = prioritized.len();
    prioritized.truncate(NAMESPACE_MAX_PODS_TO_CHECK);
    let mut checked = prioritized.len();
    let mut order: Vec<String> = Vec::new();
    let mut counts: HashMap<String, (String, usize)> = HashMap::new();
    let empty_spec = Default::default();
    for (i, pod) in prioritized.iter().enumerate() {
        let spec = pod.spec.as_ref().unwrap_or(&empty_spec);
        let eval = pss::evaluate(enforce, &pod.metadata, spec);
        if !eval.is_allowed() {
            let reason = eval.forbidden_reason();
            let name = pod.metadata.name.clone().unwrap_or_default();
            match counts.get_mut(&reason) {
                None => {
                    order.push(reason.clone());
                    counts.insert(reason, (name, 1));
                }
                Some((first, n)) => {
                    if name < *first {
                        *first = name;
                    }
                    *n += 1;
                }
            }
        }
        if Instant::now() >= deadline {
            checked = i + 1;
            break;
        }
    }
    let mut warnings = Vec::new();
    if checked < total {
        warnings.push(format!(
            "new PodSecurity enforce level only checked against the first {checked} of {total} existing pods"
        ));
    }
    if !order.is_empty() {
        warnings.push(format!(
            "existing pods in namespace {} violate the new PodSecurity enforce level {}",
            go_quote(namespace),
            go_quote(&enforce.to_string())
        ));
    }
    let mut pod_warnings: Vec<String> = order
        .into_iter()
        .map(|reason| {
            let (name, n) = &counts[&reason];
            match n {
                1 => format!("{name}: {reason}"),
                2 => format!("{name} (and 1 other pod): {reason}"),
                n => format!("{name} (and {} other pods): {reason}", n - 1),
            }
        })
        .collect();
    pod_warnings.sort();
    warnings.extend(pod_warnings);
    warnings
}
