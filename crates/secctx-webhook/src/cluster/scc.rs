//! The SecurityContextConstraints resource (`security.openshift.io/v1`, cluster-scoped), read
//! as a dynamic object: k8s-openapi has no type for it, and secctx-core's SCC parser (the one
//! `secctx admit --scc` uses) applies the API server's defaults.

use kube::core::{ApiResource, GroupVersionKind};
use secctx_core::admission::rbac::{SCC_GROUP, SCC_RESOURCE};

/// The resource the SCC watch lists and watches.
pub fn api_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(SCC_GROUP, "v1", "SecurityContextConstraints"),
        SCC_RESOURCE,
    )
}

/// Whether the API server serves SecurityContextConstraints (an OpenShift cluster, or the
/// CRD installed): discovery of `security.openshift.io/v1`, a 404 meaning no.
pub async fn served(client: &kube::Client) -> Result<bool, kube::Error> {
    match client
        .list_api_group_resources(&format!("{SCC_GROUP}/v1"))
        .await
    {
        Ok(list) => Ok(list.resources.iter().any(|r| r.name == SCC_RESOURCE)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(e),
    }
}
