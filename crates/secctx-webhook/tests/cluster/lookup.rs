//! The live GET of one namespace: found, not found (404), and an API server that does not
//! answer (bounded by the timeout, reported as unavailable).

use std::time::Duration;

use secctx_webhook::cluster::lookup::LiveLookup;
use secctx_webhook::state::{LookupError, NamespaceLookup};
use serde_json::json;

use crate::support::fakeapi::FakeApi;
use crate::watch::namespace;

#[tokio::test(start_paused = true)]
async fn live_get_finds_misses_and_times_out() {
    let api = FakeApi::new();
    api.create(
        "api/v1/namespaces",
        namespace(
            "just-created",
            json!({"pod-security.kubernetes.io/enforce": "baseline"}),
        ),
    );
    let (client, _conn) = api.client("replica-0");
    let lookup = LiveLookup::new(client, Duration::from_millis(500));

    let found = lookup
        .get("just-created")
        .await
        .expect("answered")
        .expect("exists");
    assert_eq!(found.metadata.name.as_deref(), Some("just-created"));
    assert_eq!(
        found.metadata.labels.as_ref().expect("labels")["pod-security.kubernetes.io/enforce"],
        "baseline"
    );
    assert!(
        lookup
            .get("never-created")
            .await
            .expect("answered")
            .is_none()
    );

    api.hang("replica-0");
    let started = tokio::time::Instant::now();
    let err = lookup.get("just-created").await.expect_err("no answer");
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert!(started.elapsed() < Duration::from_millis(600));
    let LookupError::Unavailable { name, reason } = &err;
    assert_eq!(name, "just-created");
    assert_eq!(reason, "no answer within 500 ms");
    assert_eq!(
        err.to_string(),
        "could not read namespace \"just-created\" from the API server: no answer within 500 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn refused_connection_is_unavailable_not_missing() {
    let api = FakeApi::new();
    let (client, _conn) = api.client("replica-0");
    api.cut("replica-0");
    let lookup = LiveLookup::new(client, Duration::from_secs(1));
    let err = lookup.get("anything").await.expect_err("refused");
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn live_pod_list_of_one_namespace() {
    use secctx_webhook::cluster::pods::LivePods;
    use secctx_webhook::state::PodLister;
    let api = FakeApi::new();
    for (ns, name) in [("team-a", "web"), ("team-a", "db"), ("team-b", "other")] {
        api.create(
            "api/v1/pods",
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": name, "namespace": ns},
                   "spec": {"containers": [{"name": "c", "image": "busybox"}]}}),
        );
    }
    let (client, _conn) = api.client("replica-0");
    let pods = LivePods::new(client, Duration::from_secs(1));
    let mut names: Vec<String> = pods
        .list("team-a")
        .await
        .expect("listed")
        .iter()
        .map(|p| p.metadata.name.clone().unwrap_or_default())
        .collect();
    names.sort();
    assert_eq!(names, ["db", "web"]);
    assert!(pods.list("empty").await.expect("listed").is_empty());
    api.hang("replica-0");
    let err = pods.list("team-a").await.expect_err("no answer");
    assert_eq!(
        err.to_string(),
        "could not list the pods of namespace \"team-a\": no answer within 1000 ms"
    );
}

#[tokio::test(start_paused = true)]
async fn scc_discovery_says_whether_to_watch() {
    use secctx_webhook::cluster::scc::served;
    let api = FakeApi::new();
    let (client, _conn) = api.client("replica-0");
    assert!(!served(&client).await.expect("plain cluster: 404"));
    api.serve_group(
        "security.openshift.io/v1",
        &[
            "securitycontextconstraints",
            "podsecuritypolicysubjectreviews",
        ],
    );
    assert!(served(&client).await.expect("openshift"));
    api.cut("replica-0");
    assert!(
        served(&client).await.is_err(),
        "unreachable is an error, not a no"
    );
}
