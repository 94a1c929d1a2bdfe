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
