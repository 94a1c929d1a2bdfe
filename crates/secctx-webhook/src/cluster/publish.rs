//! From the watches' stores to one [`Snapshot`]: every watch event marks its source changed
//! and wakes one publisher task, which rebuilds the snapshot and swaps it in. Events that
//! arrive while a rebuild runs are folded into the next one, so a burst (a relist of ten
//! thousand namespaces) costs a few rebuilds, not one per object. SCCs and grants are decoded
//! again only when their own sources changed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding};
use kube::ResourceExt;
use kube::core::DynamicObject;
use kube::runtime::reflector::Store;
use secctx_core::admission::authz::Grant;
use secctx_core::admission::rbac::{RbacObject, SCC_GROUP, grants};
use secctx_core::admission::scc::Scc;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::state::{SharedState, Snapshot};

/// One watched kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// `v1` Namespaces.
    Namespaces,
    /// `security.openshift.io/v1` SecurityContextConstraints.
    Sccs,
    /// `rbac.authorization.k8s.io/v1` Roles.
    Roles,
    /// ClusterRoles.
    ClusterRoles,
    /// RoleBindings.
    RoleBindings,
    /// ClusterRoleBindings.
    ClusterRoleBindings,
}

impl Source {
    const ALL: [Source; 6] = [
        Source::Namespaces,
        Source::Sccs,
        Source::Roles,
        Source::ClusterRoles,
        Source::RoleBindings,
        Source::ClusterRoleBindings,
    ];

    fn slot(self) -> usize {
        Source::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The kind's name, for logs.
    pub fn kind(self) -> &'static str {
        match self {
            Source::Namespaces => "Namespace",
            Source::Sccs => "SecurityContextConstraints",
            Source::Roles => "Role",
            Source::ClusterRoles => "ClusterRole",
            Source::RoleBindings => "RoleBinding",
            Source::ClusterRoleBindings => "ClusterRoleBinding",
        }
    }
}

/// The flags the watches set and the publisher reads.
#[derive(Debug)]
pub struct Publisher {
    state: Arc<SharedState>,
    watched: Vec<Source>,
    synced: [AtomicBool; 6],
    dirty: [AtomicBool; 6],
    wake: Notify,
}

impl Publisher {
    /// A publisher into `state` for the sources in `watched`.
    pub fn new(state: Arc<SharedState>, watched: &[Source]) -> Publisher {
        Publisher {
            state,
            watched: watched.to_vec(),
            synced: Default::default(),
            // Everything is built once at the first publication.
            dirty: std::array::from_fn(|_| AtomicBool::new(true)),
            wake: Notify::new(),
        }
    }

    /// A watch saw a change to its kind.
    pub fn changed(&self, source: Source) {
        self.dirty[source.slot()].store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// A watch delivered a full list (its first, or a relist after the watch expired).
    pub fn listed(&self, source: Source) {
        self.synced[source.slot()].store(true, Ordering::Release);
        self.changed(source);
    }

    fn all_synced(&self) -> bool {
        self.watched
            .iter()
            .all(|s| self.synced[s.slot()].load(Ordering::Acquire))
    }

    fn take_dirty(&self, source: Source) -> bool {
        self.dirty[source.slot()].swap(false, Ordering::AcqRel)
    }
}

/// The stores of the four RBAC kinds.
#[derive(Clone)]
pub struct RbacStores {
    /// Roles.
    pub roles: Store<Role>,
    /// ClusterRoles.
    pub cluster_roles: Store<ClusterRole>,
    /// RoleBindings.
    pub bindings: Store<RoleBinding>,
    /// ClusterRoleBindings.
    pub cluster_bindings: Store<ClusterRoleBinding>,
}

/// Where the snapshot's parts come from.
#[derive(Clone)]
pub struct Sources {
    /// The namespace store.
    pub namespaces: Store<Namespace>,
    /// The SCC store, when SCCs are watched.
    pub sccs: Option<Store<DynamicObject>>,
    /// The RBAC stores, when RBAC is watched.
    pub rbac: Option<RbacStores>,
    /// SCCs when not watched.
    pub fixed_sccs: Arc<Vec<Scc>>,
    /// Grants that always hold, before the watched ones.
    pub base_grants: Arc<Vec<Grant>>,
}

/// Spawns the publisher task: it waits for a change, rebuilds and publishes, forever.
pub fn spawn(publisher: Arc<Publisher>, sources: Sources) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut sccs = Arc::clone(&sources.fixed_sccs);
        let mut grants = Arc::clone(&sources.base_grants);
        loop {
            publisher.wake.notified().await;
            // Read `synced` before the stores: a list that completes during this rebuild
            // marks the source dirty again, and is published by the next round.
            let synced = publisher.all_synced();
            publisher.take_dirty(Source::Namespaces);
            if let Some(store) = &sources.sccs
                && publisher.take_dirty(Source::Sccs)
            {
                sccs = Arc::new(decode_sccs(store));
            }
            if let Some(rbac) = &sources.rbac {
                let roles = [
                    Source::Roles,
                    Source::ClusterRoles,
                    Source::RoleBindings,
                    Source::ClusterRoleBindings,
                ];
                // Not `any`: every flag must be cleared.
                let changed = roles
                    .iter()
                    .fold(false, |acc, s| publisher.take_dirty(*s) | acc);
                if changed {
                    let mut all = sources.base_grants.as_ref().clone();
                    all.extend(scc_grants(rbac));
                    grants = Arc::new(all);
                }
            }
            let namespaces: HashMap<String, Arc<Namespace>> = sources
                .namespaces
                .state()
                .into_iter()
                .map(|ns| (ns.name_any(), ns))
                .collect();
            publisher.state.publish(Snapshot {
                namespaces,
                sccs: Arc::clone(&sccs),
                grants: Arc::clone(&grants),
                synced,
            });
        }
    })
}

/// Every SCC of the store that decodes, sorted by name; one that does not is logged and left
/// out (the API server validated it, so this means a newer field layout than secctx knows).
pub fn decode_sccs(store: &Store<DynamicObject>) -> Vec<Scc> {
    let mut out: Vec<Scc> = store
        .state()
        .iter()
        .filter_map(|obj| {
            let decoded = serde_json::to_value(obj.as_ref())
                .map_err(|e| e.to_string())
                .and_then(|json| Scc::from_json(json).map_err(|e| e.message));
            match decoded {
                Ok(scc) => Some(scc),
                Err(e) => {
                    tracing::warn!(scc = %obj.name_any(), error = %e, "SecurityContextConstraints not understood; left out");
                    None
                }
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Whether a rule can grant anything on SCCs (its API groups name theirs or `*`).
fn about_sccs(rules: Option<&Vec<PolicyRule>>) -> bool {
    rules.is_some_and(|rules| {
        rules.iter().any(|r| {
            r.api_groups
                .as_ref()
                .is_some_and(|g| g.iter().any(|g| g == SCC_GROUP || g == "*"))
        })
    })
}

/// The SCC `use` grants of the RBAC stores. Only roles with a rule about SCCs and the bindings
/// to them are handed to secctx-core (the rest cannot grant `use`), so a cluster's thousands
/// of unrelated roles are not copied at every change.
pub fn scc_grants(rbac: &RbacStores) -> Vec<Grant> {
    let mut objects = Vec::new();
    let mut cluster_roles: HashSet<String> = HashSet::new();
    let mut roles: HashSet<(String, String)> = HashSet::new();
    for r in rbac.cluster_roles.state() {
        if about_sccs(r.rules.as_ref()) {
            cluster_roles.insert(r.name_any());
            objects.push(RbacObject::ClusterRole(r.as_ref().clone()));
        }
    }
    for r in rbac.roles.state() {
        if about_sccs(r.rules.as_ref()) {
            roles.insert((r.namespace().unwrap_or_default(), r.name_any()));
            objects.push(RbacObject::Role(r.as_ref().clone()));
        }
    }
    for b in rbac.cluster_bindings.state() {
        if b.role_ref.kind == "ClusterRole" && cluster_roles.contains(&b.role_ref.name) {
            objects.push(RbacObject::ClusterRoleBinding(b.as_ref().clone()));
        }
    }
    for b in rbac.bindings.state() {
        let ns = b.namespace().unwrap_or_default();
        let wanted = match b.role_ref.kind.as_str() {
            "ClusterRole" => cluster_roles.contains(&b.role_ref.name),
            "Role" => roles.contains(&(ns, b.role_ref.name.clone())),
            _ => false,
        };
        if wanted {
            objects.push(RbacObject::RoleBinding(b.as_ref().clone()));
        }
    }
    // Objects from the API server always carry their namespace; the default is never used.
    grants(&objects, "default")
}
