//! `/mutate`: SecurityContextConstraints admission (spec §3) through the same
//! [`secctx_core::admission`] code `secctx admit` runs, answered as a mutating webhook: the
//! admitted pod as a base64 JSON Patch against the submitted one, or PSA-shaped Forbidden.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use secctx_core::admission::allocation::{PENDING_RETRY_AFTER_SECONDS, PendingAllocation};
use secctx_core::admission::authz::{Grant, UserInfo};
use secctx_core::admission::compiled::{PodRequest, ProviderSet};
use secctx_core::admission::decide::Operation;
use secctx_core::admission::provider::NamespaceInfo;
use secctx_core::admission::scc::Scc;
use secctx_core::pss::quote::go_quote;

use crate::review::{AdmissionResponse, Status};
use crate::validate::Context;

/// SCC admission of one request. Only pods are admitted; their subresources, other
/// resources and DELETE/CONNECT pass untouched, as OpenShift's plugin ignores them.
pub async fn mutate(cx: &Context<'_>) -> AdmissionResponse {
    let req = cx.req;
    let operation = match req.operation.as_str() {
        "CREATE" => Operation::Create,
        "UPDATE" => Operation::Update,
        _ => return AdmissionResponse::allowed(),
    };
    if (req.resource.group.as_str(), req.resource.resource.as_str()) != ("", "pods")
        || !req.sub_resource.is_empty()
    {
        return AdmissionResponse::allowed();
    }
    let Some(pod) = decode_pod(req.object.as_deref()) else {
        return AdmissionResponse::denied(Status::bad_request("failed to decode object"));
    };
    let old = match operation {
        Operation::Update => match decode_pod(req.old_object.as_deref()) {
            Some(p) => Some(p),
            None => {
                return AdmissionResponse::denied(Status::bad_request(
                    "failed to decode old object",
                ));
            }
        },
        Operation::Create => None,
    };
    let name = display_name(&req.name, &pod.metadata);
    let namespace = match cx.namespace().await {
        Ok(ns) => ns,
        Err(e) => {
            // Retryable: the namespace may be moments old, or not yet allocated.
            let msg = format!(
                "pods {} is forbidden: error fetching namespace {}: {e}; retry once the namespace exists and carries its openshift.io/sa.scc.* annotations",
                go_quote(&name),
                go_quote(&req.namespace)
            );
            return AdmissionResponse::denied(Status::forbidden("pods", &req.name, msg));
        }
    };
    let info = NamespaceInfo {
        name: req.namespace.clone(),
        annotations: namespace.metadata.annotations.clone().unwrap_or_default(),
    };
    // A namespace the allocator has not reached yet: retry, rather than admit under whichever
    // SCC happens not to need the ranges or deny for want of them.
    if operation == Operation::Create
        && let Some(pending) = PendingAllocation::check(&info.name, &info.annotations)
    {
        let msg = format!(
            "pods {} cannot be admitted yet: {}",
            go_quote(&name),
            pending.message()
        );
        return AdmissionResponse::denied(Status::pending_allocation(
            "pods",
            &req.name,
            msg,
            PENDING_RETRY_AFTER_SECONDS,
        ));
    }
    let user = UserInfo {
        name: req.user_info.username.clone(),
        groups: req.user_info.groups.clone(),
    };
    let spec = pod.spec.clone().unwrap_or_default();
    let set = compile(&cx.snapshot.sccs, &info, &cx.snapshot.grants);
    // Decide, then render the admitted pod's patch: the one call `secctx admit` makes too, so
    // both give the same patch.
    let (decision, admitted) = set.admit_and_render(&PodRequest {
        operation,
        meta: &pod.metadata,
        spec: &spec,
        old_meta: old.as_ref().map(|o| &o.metadata),
        user: &user,
    });
    let mut response = match &decision.denied {
        Some(message) => {
            AdmissionResponse::denied(Status::forbidden("pods", &req.name, message.clone()))
        }
        None => {
            let mut r = AdmissionResponse::allowed();
            if decision.ignored.is_none()
                && let Some(admitted) = &admitted
            {
                r.set_patch(&admitted.patch);
            }
            r
        }
    };
    response.audit_annotations = decision
        .audit
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    response
}

fn compile<'a>(
    sccs: &'a Arc<Vec<Scc>>,
    ns: &'a NamespaceInfo,
    grants: &'a Arc<Vec<Grant>>,
) -> ProviderSet<'a> {
    ProviderSet::new(sccs.as_slice(), ns, grants.as_slice())
}

/// The name denials print: the request's, else the object's, else its generateName.
fn display_name(request_name: &str, meta: &ObjectMeta) -> String {
    [
        Some(request_name),
        meta.name.as_deref(),
        meta.generate_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find(|n| !n.is_empty())
    .unwrap_or("Unknown")
    .to_owned()
}

fn decode_pod(raw: Option<&serde_json::value::RawValue>) -> Option<Pod> {
    serde_json::from_str(raw?.get()).ok()
}
