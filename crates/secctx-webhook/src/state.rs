//! The cluster state a request is decided against.
//!
//! Requests never wait on the API server for the common case: they read one immutable
//! [`Snapshot`], which a source (files, or the kube-rs watches in `cluster/`) replaces whole
//! when something changes. The live calls are [`NamespaceLookup`], used when a namespace
//! created a moment ago is not in the snapshot yet (spec §4.3), and [`PodLister`], used when a
//! namespace's enforce level is tightened (spec §2.4).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use k8s_openapi::api::core::v1::{Namespace, Pod};
use secctx_core::admission::authz::Grant;
use secctx_core::admission::scc::Scc;

/// Everything a decision reads, as of one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Namespaces by name, with their labels (PSA levels) and annotations (SCC allocation).
    pub namespaces: HashMap<String, Arc<Namespace>>,
    /// The SecurityContextConstraints in force.
    pub sccs: Arc<Vec<Scc>>,
    /// SCC `use` grants from RBAC Roles/ClusterRoles and their bindings.
    pub grants: Arc<Vec<Grant>>,
    /// Whether every source has delivered its first full list (`/readyz` answers from this).
    pub synced: bool,
}

/// The current [`Snapshot`], shared by all requests; sources swap in a new one.
#[derive(Debug, Default)]
pub struct SharedState {
    current: RwLock<Arc<Snapshot>>,
}

impl SharedState {
    /// A state that starts from `snapshot`.
    pub fn new(snapshot: Snapshot) -> Self {
        SharedState {
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    /// The snapshot as of now; cheap (one `Arc` clone), never blocks on a source for long.
    pub fn load(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the snapshot whole.
    pub fn publish(&self, snapshot: Snapshot) {
        let next = Arc::new(snapshot);
        match self.current.write() {
            Ok(mut guard) => *guard = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }
}

/// Why a live lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The API server could not be asked or did not answer in time.
    #[error("could not read namespace {name:?} from the API server: {reason}")]
    Unavailable {
        /// The namespace asked for.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

/// A boxed future, so lookups can be held as trait objects.
pub type LookupFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Arc<Namespace>>, LookupError>> + Send + 'a>>;

/// A live GET of one namespace, for when the snapshot does not have it yet.
pub trait NamespaceLookup: Send + Sync {
    /// The namespace as the API server has it now, or `None` if it does not exist.
    fn get<'a>(&'a self, name: &'a str) -> LookupFuture<'a>;
}

/// A lookup that never finds anything: for `--namespaces FILE`, where the file is the truth.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLookup;

impl NamespaceLookup for NoLookup {
    fn get<'a>(&'a self, _name: &'a str) -> LookupFuture<'a> {
        Box::pin(async { Ok(None) })
    }
}

/// Why listing a namespace's pods failed.
#[derive(Debug, thiserror::Error)]
#[error("could not list the pods of namespace {namespace:?}: {reason}")]
pub struct ListError {
    /// The namespace asked for.
    pub namespace: String,
    /// What went wrong.
    pub reason: String,
}

/// A boxed future of a pod list.
pub type PodsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Arc<Pod>>, ListError>> + Send + 'a>>;

/// The pods of one namespace, listed when its enforce level is tightened: PSA answers such a
/// label change with warnings about the existing pods (spec §2.4). Upstream's webhook does a
/// live LIST here rather than keeping a pod cache, and so may an implementation of this trait.
pub trait PodLister: Send + Sync {
    /// Every pod of `namespace` as of now.
    fn list<'a>(&'a self, namespace: &'a str) -> PodsFuture<'a>;
}

/// Pods held in memory by namespace: the `--namespaces FILE` source (Pod objects in the file
/// are the existing pods), and tests.
#[derive(Debug, Default, Clone)]
pub struct StaticPods {
    /// Pods by namespace name.
    pub by_namespace: HashMap<String, Vec<Arc<Pod>>>,
}

impl PodLister for StaticPods {
    fn list<'a>(&'a self, namespace: &'a str) -> PodsFuture<'a> {
        let pods = self
            .by_namespace
            .get(namespace)
            .cloned()
            .unwrap_or_default();
        Box::pin(async move { Ok(pods) })
    }
}
