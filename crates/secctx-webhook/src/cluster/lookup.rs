//! The live GET of one namespace (spec §4.3): a namespace created a moment ago may reach the
//! webhook before the watch delivers it, and PSA's webhook answers that case with a GET rather
//! than "namespace not found" (kubernetes/kubernetes#135359). The GET is bounded by a short
//! timeout so that a slow API server cannot use up the webhook's 3 s budget.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::{Api, Client};

use crate::state::{LookupError, LookupFuture, NamespaceLookup};

/// The default bound on one GET: a third of the webhook's `timeoutSeconds: 3`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// [`NamespaceLookup`] through the API server.
#[derive(Clone)]
pub struct LiveLookup {
    api: Api<Namespace>,
    timeout: Duration,
}

impl LiveLookup {
    /// A lookup through `client`, each GET bounded by `timeout`.
    pub fn new(client: Client, timeout: Duration) -> LiveLookup {
        LiveLookup {
            api: Api::all(client),
            timeout,
        }
    }
}

impl NamespaceLookup for LiveLookup {
    fn get<'a>(&'a self, name: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            let unavailable = |reason: String| LookupError::Unavailable {
                name: name.to_string(),
                reason,
            };
            match tokio::time::timeout(self.timeout, self.api.get_opt(name)).await {
                Err(_) => Err(unavailable(format!(
                    "no answer within {} ms",
                    self.timeout.as_millis()
                ))),
                Ok(Err(e)) => Err(unavailable(e.to_string())),
                Ok(Ok(found)) => Ok(found.map(Arc::new)),
            }
        })
    }
}
