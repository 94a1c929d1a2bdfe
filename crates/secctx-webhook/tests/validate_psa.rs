//! `/validate` beyond the fixtures: PSA's routing, exemptions, subresources, workload
//! templates, namespace label changes (spec §2.4), the privileged short-circuit, lookups,
//! `?timeout=`, `dryRun`, and the metrics that record them. Texts are upstream's
//! (pod-security-admission `admission/admission.go`, `admission/response.go`).

mod support;

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Namespace, Pod};
use secctx_core::pss::Policy;
use secctx_core::pss::config::PodSecurityExemptions;
use secctx_webhook::state::{LookupError, LookupFuture, NamespaceLookup, StaticPods};
use secctx_webhook::validate::Psa;
use serde_json::{Value as Json, json};
use support::{Setup, Target, TestServer, check_rules, namespace, pod_create, review, snapshot};

const RESTRICTED: &[(&str, &str)] = &[("pod-security.kubernetes.io/enforce", "restricted")];

fn privileged_pod(name: &str) -> Json {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": true}}]}})
}

fn restricted_pod(name: &str) -> Json {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{"name": "c", "image": "busybox", "securityContext": {
                        "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}})
}

fn send(server: &TestServer, path: &str, body: &[u8]) -> Json {
    let uid = serde_json::from_slice::<Json>(body).unwrap()["request"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = server.client().review(path, body).unwrap();
    check_rules(path, &uid, &r)
}

fn server_with(namespaces: Vec<Namespace>, psa: Psa) -> TestServer {
    TestServer::start(Setup {
        snapshot: snapshot(namespaces),
        psa,
        ..Setup::default()
    })
}

#[test]
fn enforce_denial_audit_and_warn_modes() {
    let s = server_with(
        vec![namespace(
            "mixed",
            &[
                ("pod-security.kubernetes.io/enforce", "baseline"),
                ("pod-security.kubernetes.io/audit", "restricted"),
                ("pod-security.kubernetes.io/warn", "restricted"),
                ("pod-security.kubernetes.io/warn-version", "v1.30"),
            ],
        )],
        Psa::default(),
    );
    let pod =
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}});
    let r = send(&s, "/validate", &pod_create("u1", "mixed", "p", &pod));
    assert_eq!(r["allowed"], true);
    assert_eq!(r["auditAnnotations"]["enforce-policy"], "baseline:latest");
    let audit = r["auditAnnotations"]["audit-violations"].as_str().unwrap();
    assert!(
        audit.starts_with(
            r#"would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false"#
        ),
        "{audit}"
    );
    let warn = r["warnings"][0].as_str().unwrap();
    assert!(
        warn.starts_with(r#"would violate PodSecurity "restricted:v1.30": "#),
        "{warn}"
    );
    // Denied: warnings are dropped, audit stays.
    let r = send(
        &s,
        "/validate",
        &pod_create("u2", "mixed", "bad", &privileged_pod("bad")),
    );
    assert_eq!(r["allowed"], false);
    assert_eq!(
        r["status"]["message"],
        r#"pods "bad" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)"#
    );
    assert!(r.get("warnings").is_none());
    assert!(r["auditAnnotations"]["audit-violations"].is_string());
    let metrics = s
        .client()
        .request("GET", "/metrics", None, b"")
        .unwrap()
        .text();
    for line in [
        r#"pod_security_evaluations_total{decision="deny",policy_level="baseline",policy_version="latest",mode="enforce",request_operation="create",resource="pod",subresource=""} 1"#,
        r#"pod_security_evaluations_total{decision="allow",policy_level="baseline",policy_version="latest",mode="enforce",request_operation="create",resource="pod",subresource=""} 1"#,
        r#"pod_security_evaluations_total{decision="deny",policy_level="restricted",policy_version="v1.30",mode="warn",request_operation="create",resource="pod",subresource=""} 1"#,
        r#"pod_security_evaluations_total{decision="deny",policy_level="restricted",policy_version="latest",mode="audit",request_operation="create",resource="pod",subresource=""} 2"#,
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
    assert!(
        metrics.contains(
            "secctx_webhook_request_duration_seconds_count{endpoint=\"validate\",code=\"200\"} 2"
        ),
        "{metrics}"
    );
}

#[test]
fn privileged_namespace_short_circuits() {
    let s = server_with(vec![namespace("open", &[])], Psa::default());
    let r = send(
        &s,
        "/validate",
        &pod_create("u", "open", "p", &privileged_pod("p")),
    );
    assert_eq!(r["allowed"], true);
    assert_eq!(
        r["auditAnnotations"],
        json!({"enforce-policy": "privileged:latest"})
    );
}

#[test]
fn configuration_defaults_and_exemptions() {
    let psa = Psa {
        default_policy: Policy {
            enforce: "baseline:latest".parse().unwrap(),
            ..Policy::default()
        },
        exemptions: PodSecurityExemptions {
            usernames: vec!["admin".into()],
            namespaces: vec!["kube-system".into()],
            runtime_classes: vec!["kata".into()],
        },
    };
    let s = server_with(
        vec![namespace("plain", &[]), namespace("kube-system", &[])],
        psa,
    );
    // The default applies to an unlabelled namespace.
    let r = send(
        &s,
        "/validate",
        &pod_create("u1", "plain", "p", &privileged_pod("p")),
    );
    assert_eq!(r["allowed"], false);
    assert_eq!(r["auditAnnotations"]["enforce-policy"], "baseline:latest");
    // Namespace exemption.
    let r = send(
        &s,
        "/validate",
        &pod_create("u2", "kube-system", "p", &privileged_pod("p")),
    );
    assert_eq!(
        (r["allowed"].clone(), r["auditAnnotations"].clone()),
        (json!(true), json!({"exempt": "namespace"}))
    );
    // User exemption.
    let mut body: Json =
        serde_json::from_slice(&pod_create("u3", "plain", "p", &privileged_pod("p"))).unwrap();
    body["request"]["userInfo"]["username"] = "admin".into();
    let r = send(&s, "/validate", &serde_json::to_vec(&body).unwrap());
    assert_eq!(r["auditAnnotations"], json!({"exempt": "user"}));
    // Runtime class exemption.
    let mut pod = privileged_pod("p");
    pod["spec"]["runtimeClassName"] = "kata".into();
    let r = send(&s, "/validate", &pod_create("u4", "plain", "p", &pod));
    assert_eq!(
        (r["allowed"].clone(), r["auditAnnotations"].clone()),
        (json!(true), json!({"exempt": "runtimeClass"}))
    );
}

#[test]
fn ephemeral_containers_are_evaluated_and_status_is_ignored() {
    let s = server_with(vec![namespace("r", RESTRICTED)], Psa::default());
    let old = restricted_pod("p");
    let mut new = old.clone();
    new["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox"}]);
    let t = |sub: &'static str| Target {
        resource: ("", "v1", "pods"),
        kind: "Pod",
        operation: "UPDATE",
        namespace: "r",
        name: "p",
        sub,
    };
    let mut body: Json = serde_json::from_slice(&review("u1", &t(""), &new, Some(&old))).unwrap();
    body["request"]["subResource"] = "ephemeralcontainers".into();
    let r = send(&s, "/validate", &serde_json::to_vec(&body).unwrap());
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .starts_with(r#"pods "p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "debug" must set"#),
        "{r}"
    );
    body["request"]["subResource"] = "status".into();
    let r = send(&s, "/validate", &serde_json::to_vec(&body).unwrap());
    assert_eq!(r["allowed"], true);
    assert!(r.get("auditAnnotations").is_none());
    // An UPDATE that changes no image is not re-evaluated.
    let mut relabelled = privileged_pod("p");
    relabelled["metadata"]["labels"] = json!({"a": "b"});
    let r = send(
        &s,
        "/validate",
        &review("u2", &t(""), &relabelled, Some(&privileged_pod("p"))),
    );
    assert_eq!(r["allowed"], true);
    assert!(r.get("auditAnnotations").is_none());
    // One that changes an image is.
    let mut reimaged = privileged_pod("p");
    reimaged["spec"]["containers"][0]["image"] = "busybox:2".into();
    let r = send(
        &s,
        "/validate",
        &review("u3", &t(""), &reimaged, Some(&privileged_pod("p"))),
    );
    assert_eq!(r["allowed"], false);
}

#[test]
fn workload_templates_warn_and_audit_but_are_never_denied() {
    let s = server_with(vec![namespace("r", RESTRICTED)], Psa::default());
    let template = privileged_pod("ignored");
    for (group, resource, kind, object) in [
        (
            "apps",
            "deployments",
            "Deployment",
            json!({"spec": {"template": template}}),
        ),
        (
            "batch",
            "cronjobs",
            "CronJob",
            json!({"spec": {"jobTemplate": {"spec": {"template": template}}}}),
        ),
        (
            "",
            "podtemplates",
            "PodTemplate",
            json!({"template": template}),
        ),
    ] {
        let t = Target {
            resource: (group, "v1", resource),
            kind,
            operation: "CREATE",
            namespace: "r",
            name: "w",
            sub: "",
        };
        let r = send(&s, "/validate", &review("u", &t, &object, None));
        assert_eq!(r["allowed"], true, "{kind}: {r}");
        let w = r["warnings"][0].as_str().unwrap();
        assert!(
            w.starts_with(r#"would violate PodSecurity "restricted:latest": privileged"#),
            "{kind}: {w}"
        );
        assert!(
            r["auditAnnotations"]["audit-violations"].is_null(),
            "audit is privileged here"
        );
        assert!(
            r["auditAnnotations"].get("enforce-policy").is_none(),
            "not set on controllers"
        );
    }
    let metrics = s
        .client()
        .request("GET", "/metrics", None, b"")
        .unwrap()
        .text();
    assert!(metrics.contains(r#"pod_security_evaluations_total{decision="deny",policy_level="restricted",policy_version="latest",mode="warn",request_operation="create",resource="controller",subresource=""} 3"#), "{metrics}");
}

#[test]
fn namespace_labels_invalid_and_tightened() {
    let mut pods = StaticPods::default();
    let mk = |name: &str, privileged: bool, owner: Option<&str>| -> Arc<Pod> {
        let mut p = if privileged {
            privileged_pod(name)
        } else {
            restricted_pod(name)
        };
        if let Some(uid) = owner {
            p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": uid, "controller": true}]);
        }
        Arc::new(serde_json::from_value(p).unwrap())
    };
    pods.by_namespace.insert(
        "team".into(),
        vec![
            mk("web-b", true, Some("rs1")),
            mk("web-a", true, Some("rs1")),
            mk("solo", true, None),
            mk("ok", false, None),
        ],
    );
    let s = TestServer::start(Setup {
        snapshot: snapshot(vec![]),
        pods: Arc::new(pods),
        ..Setup::default()
    });
    let ns_obj = |labels: &[(&str, &str)]| serde_json::to_value(namespace("team", labels)).unwrap();
    let t = |op: &'static str| Target {
        resource: ("", "v1", "namespaces"),
        kind: "Namespace",
        operation: op,
        namespace: "team",
        name: "team",
        sub: "",
    };
    // Invalid label on create: 422 Invalid.
    let bad = ns_obj(&[("pod-security.kubernetes.io/enforce", "strict")]);
    let r = send(&s, "/validate", &review("u1", &t("CREATE"), &bad, None));
    assert_eq!(r["allowed"], false);
    assert_eq!(r["status"]["code"], 422);
    assert_eq!(r["status"]["reason"], "Invalid");
    assert_eq!(
        r["status"]["message"],
        r#"Namespace "team" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted"#
    );
    assert_eq!(
        r["status"]["details"]["causes"][0]["field"],
        "metadata.labels[pod-security.kubernetes.io/enforce]"
    );
    // The same invalid label unchanged on update: allowed.
    let r = send(
        &s,
        "/validate",
        &review("u2", &t("UPDATE"), &bad, Some(&bad)),
    );
    assert_eq!(r["allowed"], true);
    // Tightened to restricted: warnings about existing pods, one per reason, first name sorted.
    let open = ns_obj(&[]);
    let tight = ns_obj(RESTRICTED);
    let r = send(
        &s,
        "/validate",
        &review("u3", &t("UPDATE"), &tight, Some(&open)),
    );
    assert_eq!(r["allowed"], true);
    let w: Vec<String> = serde_json::from_value(r["warnings"].clone()).unwrap();
    assert_eq!(
        w[0],
        r#"existing pods in namespace "team" violate the new PodSecurity enforce level "restricted:latest""#
    );
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[1].starts_with("solo (and 2 other pods): "), "{w:?}");
    assert!(w[1].contains("privileged"), "{w:?}");
    // Relaxed: no dry run.
    let r = send(
        &s,
        "/validate",
        &review("u4", &t("UPDATE"), &open, Some(&tight)),
    );
    assert!(r.get("warnings").is_none());
}

/// A lookup that answers after a delay, like a slow API server.
struct SlowLookup(Duration);

impl NamespaceLookup for SlowLookup {
    fn get<'a>(&'a self, name: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(self.0).await;
            if name == "late" {
                Ok(Some(Arc::new(namespace("late", RESTRICTED))))
            } else {
                Err(LookupError::Unavailable {
                    name: name.into(),
                    reason: "connection refused".into(),
                })
            }
        })
    }
}

#[test]
fn live_lookup_timeout_and_dry_run() {
    let s = TestServer::start(Setup {
        snapshot: snapshot(vec![]),
        lookup: Arc::new(SlowLookup(Duration::from_millis(300))),
        ..Setup::default()
    });
    // Not in the snapshot: the live GET finds it.
    let r = send(
        &s,
        "/validate",
        &pod_create("u1", "late", "p", &privileged_pod("p")),
    );
    assert_eq!(r["allowed"], false);
    // ?timeout= shorter than the lookup: PSA's internal error, with the cause annotated.
    let mut c = s.client();
    let resp = c
        .review(
            "/validate?timeout=100ms",
            &pod_create("u2", "late", "p", &privileged_pod("p")),
        )
        .unwrap();
    let r = check_rules("/validate", "u2", &resp);
    assert_eq!(r["status"]["code"], 500);
    assert_eq!(
        r["status"]["message"],
        r#"Internal error occurred: failed to lookup namespace "late""#
    );
    assert_eq!(
        r["auditAnnotations"]["error"],
        r#"Internal error occurred: failed to lookup namespace "late": context deadline exceeded"#
    );
    // An unparsable timeout is ignored.
    let resp = c
        .review(
            "/validate?timeout=soon",
            &pod_create("u3", "late", "p", &privileged_pod("p")),
        )
        .unwrap();
    assert_eq!(check_rules("/validate", "u3", &resp)["status"]["code"], 403);
    // A lookup error on a controller only annotates.
    let t = Target {
        resource: ("apps", "v1", "deployments"),
        kind: "Deployment",
        operation: "CREATE",
        namespace: "gone",
        name: "d",
        sub: "",
    };
    let r = send(
        &s,
        "/validate",
        &review("u4", &t, &json!({"spec": {}}), None),
    );
    assert_eq!(r["allowed"], true);
    assert_eq!(
        r["auditAnnotations"]["error"],
        r#"failed to lookup namespace "gone": could not read namespace "gone" from the API server: connection refused"#
    );
    // dryRun: the same answer (the decision has no side effects to skip).
    let body = pod_create("u5", "late", "p", &privileged_pod("p"));
    let mut dry: Json = serde_json::from_slice(&body).unwrap();
    dry["request"]["dryRun"] = true.into();
    let a = send(&s, "/validate", &body);
    let mut b = send(&s, "/validate", &serde_json::to_vec(&dry).unwrap());
    b["uid"] = a["uid"].clone();
    assert_eq!(a, b);
}

#[test]
fn health_readiness_and_metrics_endpoints() {
    let s = TestServer::start(Setup {
        snapshot: secctx_webhook::state::Snapshot::default(),
        ..Setup::default()
    });
    let mut c = s.client();
    assert_eq!(c.request("GET", "/healthz", None, b"").unwrap().status, 200);
    assert_eq!(
        c.request("GET", "/readyz", None, b"").unwrap().status,
        503,
        "not synced"
    );
    s.app.state.publish(secctx_webhook::state::Snapshot {
        synced: true,
        ..Default::default()
    });
    assert_eq!(c.request("GET", "/readyz", None, b"").unwrap().status, 200);
    let r = c
        .review(
            "/validate",
            &pod_create("u", "missing", "p", &privileged_pod("p")),
        )
        .unwrap();
    assert_eq!(check_rules("/validate", "u", &r)["status"]["code"], 500);
    let m = c.request("GET", "/metrics", None, b"").unwrap();
    assert_eq!(m.status, 200);
    let text = m.text();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(
        text.contains("# TYPE pod_security_errors counter"),
        "{text}"
    );
    assert!(text.contains(r#"pod_security_errors_total{fatal="true",request_operation="create",resource="pod",subresource=""} 1"#), "{text}");
    assert!(
        text.contains("# TYPE secctx_webhook_request_duration_seconds histogram"),
        "{text}"
    );
    assert_eq!(c.alpn().as_deref(), Some(&b"http/1.1"[..]));
}
