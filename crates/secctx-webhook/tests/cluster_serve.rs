//! The cluster side wired to the HTTPS server as `secctx serve` wires it: watches from an
//! (in-memory, mock-service) API server feed the state `/readyz` and `/validate` read, and a
//! namespace the watch has not delivered is found by the live GET; a pod in a namespace the
//! allocator has not reached is answered with a retryable 429, and admitted once it has.

mod support;

#[path = "cluster/support/mod.rs"]
mod fake;

use std::sync::Arc;
use std::time::{Duration, Instant};

use secctx_core::admission::standard::{standard_grants, standard_sccs};
use secctx_webhook::cluster::allocator::{Allocator, AllocatorOptions, Outcome};
use secctx_webhook::cluster::lookup::LiveLookup;
use secctx_webhook::cluster::pods::LivePods;
use secctx_webhook::cluster::{self, ClusterOptions};
use secctx_webhook::state::Snapshot;
use serde_json::json;

use fake::fakeapi::FakeApi;
use support::{Setup, TestServer, check_rules, pod_create};

const NS: &str = "api/v1/namespaces";

fn ns(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
    }}})
}

fn privileged_pod(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"containers": [{"name": "c", "image": "busybox",
                                    "securityContext": {"privileged": true}}]}})
}

fn wait(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn watched_state_reaches_readyz_and_validate_and_the_live_get_fills_the_gap() {
    let api = FakeApi::new();
    api.create(NS, ns("team-a"));
    api.set_missing(
        "apis/security.openshift.io/v1/securitycontextconstraints",
        true,
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let _guard = rt.enter();
    let (client, _conn) = api.client("replica-0");
    let server = TestServer::start(Setup {
        snapshot: Snapshot::default(),
        lookup: Arc::new(LiveLookup::new(client.clone(), Duration::from_secs(1))),
        pods: Arc::new(LivePods::new(client.clone(), Duration::from_secs(1))),
        ..Setup::default()
    });
    let mut http = server.client();
    let ready = |http: &mut support::Client| {
        http.request("GET", "/readyz", None, b"")
            .expect("readyz")
            .status
    };
    assert_eq!(ready(&mut http), 503, "nothing listed yet");

    let started = cluster::start(
        client,
        Arc::clone(&server.app.state),
        ClusterOptions {
            watch_sccs: false,
            fixed_sccs: Arc::new(standard_sccs().to_vec()),
            base_grants: Arc::new(standard_grants()),
            ..ClusterOptions::default()
        },
    );
    wait("ready", || ready(&mut http) == 200);

    let r = http
        .review(
            "/validate",
            &pod_create("u-1", "team-a", "priv", &privileged_pod("priv")),
        )
        .expect("review");
    let resp = check_rules("/validate", "u-1", &r);
    assert_eq!(resp["allowed"], false);
    let msg = resp["status"]["message"].as_str().expect("message");
    assert!(
        msg.starts_with("pods \"priv\" is forbidden: violates PodSecurity \"restricted:latest\": "),
        "{msg}"
    );

    // A namespace created while the watch lags: the live GET finds it and its labels apply.
    api.hold_watch_events(true);
    api.create(NS, ns("just-created"));
    assert!(
        !server
            .app
            .state
            .load()
            .namespaces
            .contains_key("just-created")
    );
    let r = http
        .review(
            "/validate",
            &pod_create("u-2", "just-created", "priv", &privileged_pod("priv")),
        )
        .expect("review");
    let resp = check_rules("/validate", "u-2", &r);
    assert_eq!(resp["allowed"], false, "{resp}");
    // Decided on the namespace's labels, not refused for want of it.
    assert_eq!(resp["status"]["message"].as_str(), Some(msg), "{resp}");
    assert!(
        !server
            .app
            .state
            .load()
            .namespaces
            .contains_key("just-created")
    );

    // SCC admission in a namespace the allocator has not reached: a retryable 429.
    api.hold_watch_events(false);
    let plain = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                       "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
    let r = http
        .review("/mutate", &pod_create("u-3", "team-a", "web", &plain))
        .expect("review");
    let resp = check_rules("/mutate", "u-3", &r);
    assert_eq!(resp["allowed"], false);
    assert_eq!(resp["status"]["code"], 429);
    assert_eq!(resp["status"]["reason"], "TooManyRequests");
    assert_eq!(resp["status"]["details"]["retryAfterSeconds"], 5);
    let msg = resp["status"]["message"].as_str().expect("message");
    assert!(
        msg.starts_with(
            "pods \"web\" cannot be admitted yet: namespace \"team-a\" has not been allocated"
        ),
        "{msg}"
    );
    // The allocator annotates it; the watch brings the annotations; the pod is admitted.
    let (client, _conn2) = api.client("allocator");
    let alloc = Allocator::new(
        client,
        AllocatorOptions::new("secctx-system", "pod-a"),
        None,
    );
    let outcome = rt.block_on(alloc.allocate("team-a")).expect("allocate");
    assert!(
        matches!(outcome, Outcome::Allocated { index: 0, .. }),
        "{outcome:?}"
    );
    wait("annotations watched", || {
        server.app.state.load().namespaces["team-a"]
            .metadata
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("openshift.io/sa.scc.mcs"))
    });
    let r = http
        .review("/mutate", &pod_create("u-4", "team-a", "web", &plain))
        .expect("review");
    let resp = check_rules("/mutate", "u-4", &r);
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(resp["patchType"], "JSONPatch");
    for t in started.tasks {
        t.abort();
    }
}
