//! What one admission request is decided against: the request, the snapshot, the live
//! lookups, the metrics and the deadline from `?timeout=`.

use std::sync::Arc;
use std::time::Instant;

use k8s_openapi::api::core::v1::Namespace;
use secctx_core::pss::quote::go_quote;

use crate::metrics::{Metrics, RequestAttrs};
use crate::review::AdmissionRequest;
use crate::state::{NamespaceLookup, PodLister, Snapshot};

/// One request and everything it reads.
pub struct Context<'a> {
    /// The decoded request.
    pub req: &'a AdmissionRequest,
    /// The cluster state as of the request.
    pub snapshot: &'a Snapshot,
    /// The live GET for namespaces the snapshot lacks.
    pub lookup: &'a dyn NamespaceLookup,
    /// The live LIST of a namespace's pods.
    pub pods: &'a dyn PodLister,
    /// Where metrics go.
    pub metrics: &'a Metrics,
    /// When the API server stops waiting (`?timeout=`), if it said.
    pub deadline: Option<Instant>,
}

impl Context<'_> {
    /// The attributes metrics are labelled with.
    pub fn attrs(&self) -> RequestAttrs<'_> {
        RequestAttrs {
            operation: &self.req.operation,
            group: &self.req.resource.group,
            resource: &self.req.resource.resource,
            subresource: &self.req.sub_resource,
        }
    }

    /// The request's namespace: from the snapshot, else a live GET bounded by the deadline
    /// (PSA's lister-then-GET, spec §2.1). The error text is what the Go client would say.
    pub async fn namespace(&self) -> Result<Arc<Namespace>, String> {
        let name = self.req.namespace.as_str();
        if let Some(ns) = self.snapshot.namespaces.get(name) {
            return Ok(Arc::clone(ns));
        }
        let lookup = self.lookup.get(name);
        let found = match self.deadline {
            Some(d) => match tokio::time::timeout_at(d.into(), lookup).await {
                Ok(r) => r,
                Err(_) => return Err("context deadline exceeded".to_owned()),
            },
            None => lookup.await,
        };
        match found {
            Ok(Some(ns)) => Ok(ns),
            Ok(None) => Err(format!("namespaces {} not found", go_quote(name))),
            Err(e) => Err(e.to_string()),
        }
    }
}
