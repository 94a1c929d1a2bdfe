//! The cluster side of `secctx serve`: kube-rs watches that keep the [`Snapshot`] current, the
//! live namespace GET for namespaces the watch has not delivered yet, and the leader-elected
//! namespace allocator (spec `admission-semantics.md` §3.2, §4).
//!
//! Entry points for the server:
//! - [`connect::connect`]: the API client, from `--kubeconfig` or in-cluster configuration.
//! - [`scc::served`]: whether the cluster has SCCs to watch at all.
//! - [`start`]: spawns the watches (Namespaces, SecurityContextConstraints, RBAC Roles,
//!   ClusterRoles and their bindings) and the publisher that swaps a new [`Snapshot`] into the
//!   [`SharedState`] after each change; returns the tasks, the live [`NamespaceLookup`] and
//!   the live [`PodLister`].
//! - [`allocator::spawn`]: the allocation controller of `--allocate` (a Lease elects one
//!   replica; it reserves blocks in one ConfigMap and then annotates namespaces).
//!
//! Files: [`watch`] (one reflector per kind), [`publish`] (stores → snapshot), [`scc`] (the
//! SCC resource and its decoding), [`lookup`] (live GET), [`pods`] (live pod LIST),
//! [`lease`] (leader election), [`bitmap`] and [`store`] (the allocation state object),
//! [`allocator`].
//!
//! [`Snapshot`]: crate::state::Snapshot

pub mod allocator;
pub mod bitmap;
pub mod connect;
pub mod lease;
pub mod lookup;
pub mod pods;
pub mod publish;
pub mod scc;
pub mod store;
pub mod watch;

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::runtime::reflector;
use kube::{Api, Client};
use secctx_core::admission::authz::Grant;
use secctx_core::admission::scc::Scc;
use tokio::task::JoinHandle;

use crate::state::{NamespaceLookup, PodLister, SharedState};
use publish::{Publisher, Source, Sources};

/// What [`start`] watches, and what it uses instead of what it does not watch.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// Watch `security.openshift.io/v1` SecurityContextConstraints (an OpenShift cluster, or
    /// one with the SCC CRD installed). When false, [`ClusterOptions::fixed_sccs`] are used.
    pub watch_sccs: bool,
    /// The SCCs when they are not watched (`--scc DIR`, or secctx-core's standard set).
    pub fixed_sccs: Arc<Vec<Scc>>,
    /// Watch RBAC Roles, ClusterRoles and their bindings for SCC `use` grants.
    pub watch_rbac: bool,
    /// Grants that hold whatever RBAC says, listed before the watched ones: secctx-core's
    /// standard grant (restricted-v2 to `system:authenticated`) when the standard SCCs stand
    /// in for a cluster that has none, as `--scc` files do.
    pub base_grants: Arc<Vec<Grant>>,
    /// How long the live namespace GET may take before the request is answered without it
    /// (the webhook's whole budget is `timeoutSeconds: 3`).
    pub lookup_timeout: Duration,
    /// How long the live LIST of a namespace's pods may take (PSA gives its namespace check
    /// about a second).
    pub pod_list_timeout: Duration,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            watch_sccs: true,
            fixed_sccs: Arc::new(Vec::new()),
            watch_rbac: true,
            base_grants: Arc::new(Vec::new()),
            lookup_timeout: lookup::DEFAULT_TIMEOUT,
            pod_list_timeout: lookup::DEFAULT_TIMEOUT,
        }
    }
}

/// What [`start`] returns: its tasks (abort them to stop) and the live lookup.
pub struct Cluster {
    /// The watch tasks and the publisher; they run until aborted.
    pub tasks: Vec<JoinHandle<()>>,
    /// The live GET of one namespace, for a namespace the snapshot does not have yet.
    pub lookup: Arc<dyn NamespaceLookup>,
    /// The live LIST of one namespace's pods.
    pub pods: Arc<dyn PodLister>,
}

/// Starts the watches and the publisher. The state's snapshot is replaced after every change
/// (bursts are coalesced into one rebuild) and reports `synced` only once every watch has
/// delivered its initial list.
pub fn start(client: Client, state: Arc<SharedState>, opts: ClusterOptions) -> Cluster {
    let (ns_store, ns_writer) = reflector::store::<Namespace>();
    let mut tasks = Vec::new();
    let mut sources = Sources {
        namespaces: ns_store,
        sccs: None,
        rbac: None,
        fixed_sccs: Arc::clone(&opts.fixed_sccs),
        base_grants: Arc::clone(&opts.base_grants),
    };
    let mut watched = vec![Source::Namespaces];
    if opts.watch_sccs {
        watched.push(Source::Sccs);
    }
    if opts.watch_rbac {
        watched.extend([
            Source::Roles,
            Source::ClusterRoles,
            Source::RoleBindings,
            Source::ClusterRoleBindings,
        ]);
    }
    let publisher = Arc::new(Publisher::new(state, &watched));
    tasks.push(watch::spawn(
        Api::<Namespace>::all(client.clone()),
        ns_writer,
        Arc::clone(&publisher),
        Source::Namespaces,
    ));
    if opts.watch_sccs {
        let resource = scc::api_resource();
        let writer = reflector::store::Writer::new(resource.clone());
        sources.sccs = Some(writer.as_reader());
        tasks.push(watch::spawn(
            Api::all_with(client.clone(), &resource),
            writer,
            Arc::clone(&publisher),
            Source::Sccs,
        ));
    }
    if opts.watch_rbac {
        let (roles, w1) = reflector::store::<Role>();
        let (cluster_roles, w2) = reflector::store::<ClusterRole>();
        let (bindings, w3) = reflector::store::<RoleBinding>();
        let (cluster_bindings, w4) = reflector::store::<ClusterRoleBinding>();
        tasks.push(watch::spawn(
            Api::all(client.clone()),
            w1,
            Arc::clone(&publisher),
            Source::Roles,
        ));
        tasks.push(watch::spawn(
            Api::all(client.clone()),
            w2,
            Arc::clone(&publisher),
            Source::ClusterRoles,
        ));
        tasks.push(watch::spawn(
            Api::all(client.clone()),
            w3,
            Arc::clone(&publisher),
            Source::RoleBindings,
        ));
        tasks.push(watch::spawn(
            Api::all(client.clone()),
            w4,
            Arc::clone(&publisher),
            Source::ClusterRoleBindings,
        ));
        sources.rbac = Some(publish::RbacStores {
            roles,
            cluster_roles,
            bindings,
            cluster_bindings,
        });
    }
    tasks.push(publish::spawn(publisher, sources));
    Cluster {
        tasks,
        lookup: Arc::new(lookup::LiveLookup::new(client.clone(), opts.lookup_timeout)),
        pods: Arc::new(pods::LivePods::new(client, opts.pod_list_timeout)),
    }
}
