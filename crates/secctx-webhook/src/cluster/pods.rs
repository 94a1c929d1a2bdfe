//! The live LIST of one namespace's pods, for PSA's warnings about existing pods when a
//! namespace's enforce level is tightened (spec §2.4). Like upstream's webhook, pods are not
//! cached (a cluster's pods are its largest collection); the LIST is bounded by a timeout.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use kube::{Api, Client};

use crate::state::{ListError, PodLister, PodsFuture};

/// [`PodLister`] through the API server.
#[derive(Clone)]
pub struct LivePods {
    client: Client,
    timeout: Duration,
}

impl LivePods {
    /// A lister through `client`, each LIST bounded by `timeout`.
    pub fn new(client: Client, timeout: Duration) -> LivePods {
        LivePods { client, timeout }
    }
}

impl PodLister for LivePods {
    fn list<'a>(&'a self, namespace: &'a str) -> PodsFuture<'a> {
        Box::pin(async move {
            let failed = |reason: String| ListError {
                namespace: namespace.to_string(),
                reason,
            };
            let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
            match tokio::time::timeout(self.timeout, api.list(&ListParams::default())).await {
                Err(_) => Err(failed(format!(
                    "no answer within {} ms",
                    self.timeout.as_millis()
                ))),
                Ok(Err(e)) => Err(failed(e.to_string())),
                Ok(Ok(list)) => Ok(list.items.into_iter().map(Arc::new).collect()),
            }
        })
    }
}
