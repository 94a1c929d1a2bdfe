//! The watches publish snapshots: initial lists, then changes; `synced` only once every
//! watched kind has listed.

use std::sync::Arc;
use std::time::Duration;

use secctx_webhook::cluster::{self, ClusterOptions};
use secctx_webhook::state::SharedState;
use serde_json::{Value, json};

use crate::support::fakeapi::FakeApi;
use crate::support::wait_until;

const NS: &str = "api/v1/namespaces";
const SCC: &str = "apis/security.openshift.io/v1/securitycontextconstraints";
const CLUSTER_ROLES: &str = "apis/rbac.authorization.k8s.io/v1/clusterroles";
const CLUSTER_BINDINGS: &str = "apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
const ROLES: &str = "apis/rbac.authorization.k8s.io/v1/roles";
const BINDINGS: &str = "apis/rbac.authorization.k8s.io/v1/rolebindings";
const LIMIT: Duration = Duration::from_secs(30);

pub fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": name, "labels": labels,
        "managedFields": [{"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1"}],
    }})
}

fn scc(name: &str, run_as_user: &str) -> Value {
    json!({
        "apiVersion": "security.openshift.io/v1", "kind": "SecurityContextConstraints",
        "metadata": {"name": name, "managedFields": [{"manager": "kubectl"}]},
        "allowPrivilegedContainer": false,
        "runAsUser": {"type": run_as_user},
        "seLinuxContext": {"type": "MustRunAs"},
        "fsGroup": {"type": "MustRunAs"},
        "supplementalGroups": {"type": "RunAsAny"},
        "volumes": ["configMap", "emptyDir", "secret"],
    })
}

fn seed(api: &FakeApi) {
    api.create(
        NS,
        namespace(
            "team-a",
            json!({"pod-security.kubernetes.io/enforce": "restricted"}),
        ),
    );
    api.create(NS, namespace("team-b", json!({})));
    api.create(SCC, scc("restricted-v2", "MustRunAsRange"));
    api.create(SCC, scc("anyuid", "RunAsAny"));
    api.create(CLUSTER_ROLES, json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "system:openshift:scc:anyuid"},
        "rules": [{"apiGroups": ["security.openshift.io"], "resources": ["securitycontextconstraints"],
                   "resourceNames": ["anyuid"], "verbs": ["use"]}],
    }));
    api.create(
        CLUSTER_ROLES,
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "view"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        }),
    );
    api.create(CLUSTER_BINDINGS, json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "view-all"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "Group", "name": "system:authenticated"}],
    }));
    api.create(BINDINGS, json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "anyuid-builder", "namespace": "team-b"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:openshift:scc:anyuid"},
        "subjects": [{"kind": "ServiceAccount", "name": "builder"}],
    }));
}

#[tokio::test(start_paused = true)]
async fn watches_publish_snapshots_and_follow_changes() {
    let api = FakeApi::new();
    seed(&api);
    let (client, _conn) = api.client("replica-0");
    let state = Arc::new(SharedState::default());
    let started = cluster::start(client, Arc::clone(&state), ClusterOptions::default());
    assert!(!state.load().synced, "nothing listed yet");

    wait_until("first sync", LIMIT, || state.load().synced).await;
    let snap = state.load();
    let mut names: Vec<&String> = snap.namespaces.keys().collect();
    names.sort();
    assert_eq!(names, ["team-a", "team-b"]);
    assert_eq!(
        snap.namespaces["team-a"]
            .metadata
            .labels
            .as_ref()
            .expect("labels")["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    let sccs: Vec<&str> = snap.sccs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(sccs, ["anyuid", "restricted-v2"]);
    // The unrelated `view` role grants nothing on SCCs; the RoleBinding grants anyuid to the
    // service account, in team-b only.
    assert_eq!(snap.grants.len(), 1, "{:?}", snap.grants);
    let g = &snap.grants[0];
    assert_eq!(g.scc, "anyuid");
    assert_eq!(g.namespace.as_deref(), Some("team-b"));
    assert_eq!(g.users, ["system:serviceaccount:team-b:builder"]);

    // A new namespace, a label change and a deletion each reach the snapshot.
    api.create(
        NS,
        namespace(
            "team-c",
            json!({"pod-security.kubernetes.io/warn": "baseline"}),
        ),
    );
    wait_until("team-c", LIMIT, || {
        state.load().namespaces.contains_key("team-c")
    })
    .await;
    api.update(
        NS,
        namespace(
            "team-b",
            json!({"pod-security.kubernetes.io/enforce": "baseline"}),
        ),
    );
    wait_until("team-b relabelled", LIMIT, || {
        state.load().namespaces["team-b"]
            .metadata
            .labels
            .as_ref()
            .is_some_and(|l| {
                l.get("pod-security.kubernetes.io/enforce")
                    .is_some_and(|v| v == "baseline")
            })
    })
    .await;
    api.delete(NS, "", "team-a");
    wait_until("team-a gone", LIMIT, || {
        !state.load().namespaces.contains_key("team-a")
    })
    .await;

    // SCC and RBAC changes too.
    api.delete(SCC, "", "anyuid");
    wait_until("anyuid gone", LIMIT, || state.load().sccs.len() == 1).await;
    assert_eq!(state.load().sccs[0].name, "restricted-v2");
    api.create(
        ROLES,
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "use-restricted", "namespace": "team-c"},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["use"]}],
        }),
    );
    api.create(BINDINGS, json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "use-restricted", "namespace": "team-c"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "use-restricted"},
        "subjects": [{"kind": "User", "name": "alice"}],
    }));
    wait_until("alice's grant", LIMIT, || {
        state.load().grants.iter().any(|g| {
            g.users == ["alice"] && g.scc == "*" && g.namespace.as_deref() == Some("team-c")
        })
    })
    .await;
    // Managed fields are dropped on the way in.
    assert!(
        state.load().namespaces.values().all(|n| n
            .metadata
            .managed_fields
            .as_ref()
            .is_none_or(Vec::is_empty))
    );
    for t in started.tasks {
        t.abort();
    }
}

#[tokio::test(start_paused = true)]
async fn not_synced_until_every_kind_has_listed() {
    let api = FakeApi::new();
    seed(&api);
    // The SCC CRD is not installed: that list answers 404.
    api.set_missing(SCC, true);
    let (client, _conn) = api.client("replica-0");
    let state = Arc::new(SharedState::default());
    let started = cluster::start(client, Arc::clone(&state), ClusterOptions::default());
    wait_until("namespaces published", LIMIT, || {
        state.load().namespaces.len() == 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(!state.load().synced, "the SCC watch never listed");
    assert!(state.load().sccs.is_empty());

    // Installed: the watcher's backoff retries, lists, and the snapshot becomes synced.
    api.set_missing(SCC, false);
    wait_until(
        "synced after the CRD appears",
        Duration::from_secs(120),
        || state.load().synced,
    )
    .await;
    assert_eq!(state.load().sccs.len(), 2);
    for t in started.tasks {
        t.abort();
    }
}

#[tokio::test(start_paused = true)]
async fn standard_sccs_and_grants_on_a_cluster_without_sccs() {
    // A plain Kubernetes cluster: no SCC API. The standard set stands in for it, its grant
    // (restricted-v2 to system:authenticated) holds, and RBAC is still watched for `use`
    // grants on SCCs, which RBAC accepts for any resource name.
    let api = FakeApi::new();
    seed(&api);
    api.set_missing(SCC, true);
    let fixed = secctx_core::admission::standard::standard_sccs().to_vec();
    let base = secctx_core::admission::standard::standard_grants();
    let opts = ClusterOptions {
        watch_sccs: false,
        fixed_sccs: Arc::new(fixed.clone()),
        watch_rbac: true,
        base_grants: Arc::new(base.clone()),
        ..ClusterOptions::default()
    };
    let (client, _conn) = api.client("replica-0");
    let state = Arc::new(SharedState::default());
    let started = cluster::start(client, Arc::clone(&state), opts);
    wait_until("synced without the SCC API", LIMIT, || state.load().synced).await;
    let snap = state.load();
    assert_eq!(*snap.sccs, fixed);
    assert_eq!(snap.grants.len(), base.len() + 1, "{:?}", snap.grants);
    assert_eq!(snap.grants[..base.len()], base[..]);
    assert_eq!(snap.grants[base.len()].scc, "anyuid");
    assert_eq!(snap.namespaces.len(), 2);
    for t in started.tasks {
        t.abort();
    }
}
