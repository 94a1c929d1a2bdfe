//! `deploy/` renders with `kubectl kustomize` (kubectl from Debian, in SECCTX_PACKAGES) and the
//! result has the properties issue 13 asks of the webhook's deployment: the objects, 3
//! replicas, PDB, anti-affinity, `system-cluster-critical`, probes, least-privilege RBAC, and
//! webhooks on pods / pods/ephemeralcontainers / namespaces only, excluding kube-system and
//! the webhook's own namespace, `timeoutSeconds: 3`, `sideEffects: None`, failurePolicy Fail.
//! The Deployment passes `secctx check --level restricted`.

mod common;

use std::process::Command;

use serde_json::Value;

const HOME: &str = "secctx-system";

fn render() -> Vec<Value> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(common::repo().join("deploy"))
        .output()
        .expect("kubectl is installed (scripts/lib/packages.sh lists it)");
    assert!(
        out.status.success(),
        "kubectl kustomize deploy failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    secctx_core::yaml::parse_stream(&text)
        .into_iter()
        .map(|d| d.expect("YAML").root.to_json().expect("JSON"))
        .collect()
}

fn of_kind<'a>(objs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objs.iter().filter(|o| o["kind"] == kind).collect()
}

fn one<'a>(objs: &'a [Value], kind: &str) -> &'a Value {
    let found = of_kind(objs, kind);
    assert_eq!(found.len(), 1, "exactly one {kind}");
    found[0]
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn deploy_renders_with_the_required_objects_and_settings() {
    let objs = render();
    assert_eq!(one(&objs, "Namespace")["metadata"]["name"], HOME);
    let sa = one(&objs, "ServiceAccount");
    assert_eq!(sa["metadata"]["namespace"], HOME);

    let dep = one(&objs, "Deployment");
    assert_eq!(dep["metadata"]["namespace"], HOME);
    assert_eq!(dep["spec"]["replicas"], 3);
    let pod = &dep["spec"]["template"]["spec"];
    assert_eq!(pod["priorityClassName"], "system-cluster-critical");
    assert_eq!(pod["serviceAccountName"], sa["metadata"]["name"]);
    let anti = &pod["affinity"]["podAntiAffinity"];
    let term = &anti["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"];
    assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
    let pod_labels = &dep["spec"]["template"]["metadata"]["labels"];
    assert_eq!(
        term["labelSelector"]["matchLabels"]["app.kubernetes.io/name"],
        pod_labels["app.kubernetes.io/name"]
    );
    let c = &pod["containers"][0];
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(c["readinessProbe"]["httpGet"]["scheme"], "HTTPS");
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["livenessProbe"]["httpGet"]["scheme"], "HTTPS");
    assert!(strings(&c["args"]).contains(&"serve"));
    assert!(strings(&c["args"]).contains(&"--allocate"));

    // The PDB and the Service select the Deployment's pods; the Service reaches its port.
    let pdb = one(&objs, "PodDisruptionBudget");
    assert_eq!(
        pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
        pod_labels["app.kubernetes.io/name"]
    );
    assert!(
        pdb["spec"]["maxUnavailable"] == 1
            || pdb["spec"]["minAvailable"].as_i64().is_some_and(|m| m >= 1)
    );
    let svc = one(&objs, "Service");
    assert_eq!(
        svc["spec"]["selector"]["app.kubernetes.io/name"],
        pod_labels["app.kubernetes.io/name"]
    );
    assert_eq!(svc["spec"]["ports"][0]["port"], 443);
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], c["ports"][0]["name"]);

    // Webhooks.
    let mut seen_resources = Vec::new();
    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        let cfg = one(&objs, kind);
        for w in cfg["webhooks"].as_array().expect("webhooks") {
            let name = w["name"].as_str().expect("name");
            assert!(
                name.split('.').count() >= 3,
                "{name}: at least three segments"
            );
            assert_eq!(w["timeoutSeconds"], 3, "{name}");
            assert_eq!(w["sideEffects"], "None", "{name}");
            assert_eq!(w["failurePolicy"], "Fail", "{name}");
            assert_eq!(strings(&w["admissionReviewVersions"]), ["v1"], "{name}");
            let s = &w["clientConfig"]["service"];
            assert_eq!(s["name"], svc["metadata"]["name"]);
            assert_eq!(s["namespace"], HOME);
            let exprs = w["namespaceSelector"]["matchExpressions"]
                .as_array()
                .expect("selector");
            let excl = exprs
                .iter()
                .find(|e| e["key"] == "kubernetes.io/metadata.name" && e["operator"] == "NotIn")
                .expect("exclusion by kubernetes.io/metadata.name");
            let excluded = strings(&excl["values"]);
            assert!(
                excluded.contains(&HOME) && excluded.contains(&"kube-system"),
                "{name}: {excluded:?}"
            );
            for rule in w["rules"].as_array().expect("rules") {
                assert_eq!(strings(&rule["apiGroups"]), [""], "{name}: core group only");
                for r in strings(&rule["resources"]) {
                    assert!(
                        ["pods", "pods/ephemeralcontainers", "namespaces"].contains(&r),
                        "{name}: {r}"
                    );
                    seen_resources.push(r.to_string());
                }
            }
        }
    }
    for r in ["pods", "pods/ephemeralcontainers", "namespaces"] {
        assert!(seen_resources.iter().any(|s| s == r), "{r} is covered");
    }
}

#[test]
fn rbac_is_least_privilege() {
    let objs = render();
    let watched = [
        "namespaces",
        "securitycontextconstraints",
        "roles",
        "clusterroles",
        "rolebindings",
        "clusterrolebindings",
    ];
    for kind in ["ClusterRole", "Role"] {
        for role in of_kind(&objs, kind) {
            let name = role["metadata"]["name"].as_str().expect("name");
            for rule in role["rules"].as_array().expect("rules") {
                let verbs = strings(&rule["verbs"]);
                let resources = strings(&rule["resources"]);
                assert!(
                    !verbs.contains(&"*") && !resources.contains(&"*"),
                    "{kind} {name}: no wildcards"
                );
                assert!(!resources.contains(&"secrets"), "{kind} {name}: no secrets");
                if verbs.contains(&"watch") {
                    assert!(
                        resources.iter().all(|r| watched.contains(r)),
                        "{kind} {name} watches {resources:?}"
                    );
                }
                let writes = verbs.iter().any(|v| {
                    ["create", "update", "patch", "delete", "deletecollection"].contains(v)
                });
                if !writes {
                    continue;
                }
                if kind == "ClusterRole" {
                    // Cluster-wide, only the allocator writes, and only namespaces.
                    assert_eq!(name, "secctx-allocator", "{name} writes {resources:?}");
                    assert_eq!(resources, ["namespaces"]);
                    assert!(
                        verbs.iter().all(|v| ["update", "patch"].contains(v)),
                        "{verbs:?}"
                    );
                } else {
                    // Leases and the allocation state, in the webhook's namespace only.
                    assert_eq!(role["metadata"]["namespace"], HOME);
                    assert!(
                        resources
                            .iter()
                            .all(|r| ["leases", "configmaps"].contains(r)),
                        "{resources:?}"
                    );
                    if verbs.iter().any(|v| *v != "create") {
                        assert!(
                            !strings(&rule["resourceNames"]).is_empty(),
                            "{name}: get/update limited by name"
                        );
                    }
                }
            }
        }
    }
    for kind in ["ClusterRoleBinding", "RoleBinding"] {
        for b in of_kind(&objs, kind) {
            for s in b["subjects"].as_array().expect("subjects") {
                assert_eq!(s["kind"], "ServiceAccount");
                assert_eq!(s["name"], "secctx-webhook");
                assert_eq!(s["namespace"], HOME);
            }
        }
    }
}

#[test]
fn the_deployment_passes_restricted() {
    let objs = render();
    let dep = one(&objs, "Deployment").clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("deployment.json");
    std::fs::write(&path, serde_json::to_string_pretty(&dep).expect("json")).expect("write");
    let out = common::secctx()
        .args(["check", "--level", "restricted"])
        .arg(&path)
        .output()
        .expect("secctx runs");
    // Findings on stdout, the summary on stderr.
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("checked 1 object from 1 file: 0 with errors, 0 with warnings, 1 clean"),
        "{all}"
    );

    // The check does judge it: the same Deployment allowing privilege escalation fails.
    let mut worse = dep;
    worse["spec"]["template"]["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] =
        Value::Bool(true);
    std::fs::write(&path, serde_json::to_string_pretty(&worse).expect("json")).expect("write");
    let out = common::secctx()
        .args(["check", "--level", "restricted"])
        .arg(&path)
        .output()
        .expect("secctx runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
