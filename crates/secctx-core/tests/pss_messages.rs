//! Golden tests of the exact messages a user sees from Pod Security Admission: the worked
//! example of the spec (kubernetes-semantics.md §1.4), every baseline check in singular and
//! plural form, and the warn/forbidden wrappers. Expected strings are written from PSA's format
//! strings, not captured from this implementation. Restricted checks, version-dependent forms
//! and ordering: `pss_messages_restricted.rs`.

mod pss_common;

use k8s_openapi::api::core::v1::Pod;
use pss_common::{c, enforce, forbidden, ok, pod, restricted_pod};
use secctx_core::pss::{self, LevelVersion};
use serde_json::{Value, json};

#[test]
fn worked_example_restricted_latest() {
    let got = enforce(
        "restricted:latest",
        pod(json!({"containers": [{"name": "app", "image": "nginx"}]})),
    );
    assert_eq!(
        got.as_deref(),
        Some(
            r#"pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        )
    );
}

#[test]
fn minimal_pods_pass() {
    assert_eq!(
        enforce(
            "restricted:latest",
            restricted_pod(vec![ok("a")], json!({}))
        ),
        None
    );
    assert_eq!(
        enforce(
            "baseline:latest",
            pod(json!({"containers": [{"name": "a"}]}))
        ),
        None
    );
}

#[test]
fn baseline_checks_singular_and_plural() {
    let b = "baseline:latest";
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "appArmorProfile singular",
            json!({"metadata": {"name": "x", "annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}},
                   "spec": {"containers": [{"name": "a"}]}}),
            r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined"")"#,
        ),
        (
            "appArmorProfile plural",
            pod(
                json!({"containers": [c("a", json!({"appArmorProfile": {"type": "Unconfined"}})),
                                      c("b", json!({"appArmorProfile": {"type": "Bogus"}}))]}),
            ),
            r#"forbidden AppArmor profiles (containers "a", "b" must not set AppArmor profile type to "Bogus", "Unconfined")"#,
        ),
        (
            "capabilities_baseline singular",
            pod(json!({"containers": [c("a", json!({"capabilities": {"add": ["NET_RAW"]}}))]})),
            r#"non-default capabilities (container "a" must not include "NET_RAW" in securityContext.capabilities.add)"#,
        ),
        (
            "capabilities_baseline plural",
            pod(
                json!({"initContainers": [c("i", json!({"capabilities": {"add": ["SYS_ADMIN"]}}))],
                       "containers": [c("a", json!({"capabilities": {"add": ["NET_RAW", "CHOWN"]}}))]}),
            ),
            r#"non-default capabilities (containers "i", "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)"#,
        ),
        (
            "hostNamespaces singular",
            pod(json!({"hostPID": true, "containers": [{"name": "a"}]})),
            "host namespaces (hostPID=true)",
        ),
        (
            "hostNamespaces plural",
            pod(json!({"hostIPC": true, "hostNetwork": true, "containers": [{"name": "a"}]})),
            "host namespaces (hostNetwork=true, hostIPC=true)",
        ),
        (
            "hostPathVolumes singular",
            pod(
                json!({"containers": [{"name": "a"}], "volumes": [{"name": "v", "hostPath": {"path": "/"}}]}),
            ),
            r#"hostPath volumes (volume "v")"#,
        ),
        (
            "hostPathVolumes plural",
            pod(json!({"containers": [{"name": "a"}], "volumes": [
                {"name": "v", "hostPath": {"path": "/"}}, {"name": "w", "hostPath": {"path": "/"}}]})),
            r#"hostPath volumes (volumes "v", "w")"#,
        ),
        (
            "hostPorts singular",
            pod(
                json!({"containers": [{"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}),
            ),
            r#"hostPort (container "a" uses hostPort 8080)"#,
        ),
        (
            "hostPorts plural, sorted as strings",
            pod(json!({"containers": [
                {"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}]},
                {"name": "b", "ports": [{"containerPort": 80, "hostPort": 10000}]}]})),
            r#"hostPort (containers "a", "b" use hostPorts 10000, 8080)"#,
        ),
        (
            "hostProbesAndHostLifecycle singular",
            pod(
                json!({"containers": [{"name": "a", "livenessProbe": {"httpGet": {"host": "bad.host", "port": 80}}}]}),
            ),
            r#"probe or lifecycle host (container "a" uses probe or lifecycle host "bad.host")"#,
        ),
        (
            "hostProbesAndHostLifecycle plural, sorted sets",
            pod(json!({"containers": [
                {"name": "b", "readinessProbe": {"tcpSocket": {"host": "8.8.8.8", "port": 1}}},
                {"name": "a", "lifecycle": {"preStop": {"httpGet": {"host": "127.0.0.1", "port": 1}}}}]})),
            r#"probe or lifecycle host (containers "a", "b" use probe or lifecycle hosts "127.0.0.1", "8.8.8.8")"#,
        ),
        (
            "privileged singular",
            pod(json!({"containers": [c("a", json!({"privileged": true}))]})),
            r#"privileged (container "a" must not set securityContext.privileged=true)"#,
        ),
        (
            "privileged plural",
            pod(
                json!({"containers": [c("a", json!({"privileged": true})), c("b", json!({"privileged": true}))]}),
            ),
            r#"privileged (containers "a", "b" must not set securityContext.privileged=true)"#,
        ),
        (
            "procMount singular",
            pod(json!({"containers": [c("a", json!({"procMount": "Unmasked"}))]})),
            r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#,
        ),
        (
            "procMount plural",
            pod(
                json!({"hostUsers": true, "containers": [c("a", json!({"procMount": "Unmasked"})), c("b", json!({"procMount": "Other"}))]}),
            ),
            r#"procMount (containers "a", "b" must not set securityContext.procMount to "Other", "Unmasked")"#,
        ),
        (
            "seLinuxOptions singular",
            pod(
                json!({"securityContext": {"seLinuxOptions": {"type": "somevalue"}}, "containers": [{"name": "a"}]}),
            ),
            r#"seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "somevalue")"#,
        ),
        (
            "seLinuxOptions plural",
            pod(
                json!({"securityContext": {"seLinuxOptions": {"type": "t1", "user": "u"}},
                       "containers": [c("a", json!({"seLinuxOptions": {"type": "t2", "role": "r"}})),
                                      c("b", json!({"seLinuxOptions": {"user": "u"}}))]}),
            ),
            r#"seLinuxOptions (pod and containers "a", "b" set forbidden securityContext.seLinuxOptions: types "t1", "t2"; user may not be set; role may not be set)"#,
        ),
        (
            "seccompProfile_baseline singular",
            pod(
                json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "a"}]}),
            ),
            r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#,
        ),
        (
            "seccompProfile_baseline plural",
            pod(
                json!({"containers": [c("a", json!({"seccompProfile": {"type": "Unconfined"}})),
                                      c("b", json!({"seccompProfile": {"type": "Bogus"}}))]}),
            ),
            r#"seccompProfile (containers "a", "b" must not set securityContext.seccompProfile.type to "Bogus", "Unconfined")"#,
        ),
        (
            "sysctls singular",
            pod(
                json!({"securityContext": {"sysctls": [{"name": "othersysctl", "value": "1"}]}, "containers": [{"name": "a"}]}),
            ),
            "forbidden sysctls (othersysctl)",
        ),
        (
            "sysctls plural",
            pod(
                json!({"securityContext": {"sysctls": [{"name": "b", "value": "1"}, {"name": "kernel.shm_rmid_forced", "value": "1"}, {"name": "a", "value": "1"}]},
                       "containers": [{"name": "a"}]}),
            ),
            "forbidden sysctls (b, a)",
        ),
        (
            "windowsHostProcess singular",
            pod(json!({"containers": [c("a", json!({"windowsOptions": {"hostProcess": true}}))]})),
            r#"hostProcess (container "a" must not set securityContext.windowsOptions.hostProcess=true)"#,
        ),
        (
            "windowsHostProcess plural",
            pod(
                json!({"securityContext": {"windowsOptions": {"hostProcess": true}},
                       "containers": [c("a", json!({"windowsOptions": {"hostProcess": true}})), c("b", json!({"windowsOptions": {"hostProcess": true}}))]}),
            ),
            r#"hostProcess (pod and containers "a", "b" must not set securityContext.windowsOptions.hostProcess=true)"#,
        ),
    ];
    for (name, p, detail) in cases {
        assert_eq!(enforce(b, p), forbidden(b, detail), "{name}");
    }
}

#[test]
fn warn_and_forbidden_wrappers() {
    let p: Pod =
        serde_json::from_value(json!({"spec": {"hostPID": true, "containers": [{"name": "a"}]}}))
            .unwrap();
    let lv: LevelVersion = "baseline:v1.30".parse().unwrap();
    let eval = pss::evaluate(lv, &p.metadata, p.spec.as_ref().unwrap());
    assert_eq!(
        eval.warn_message().as_deref(),
        Some(r#"would violate PodSecurity "baseline:v1.30": host namespaces (hostPID=true)"#)
    );
    assert_eq!(eval.forbidden_reason(), "host namespaces");
    assert_eq!(
        pss::forbidden_message("", &eval.enforce_message().unwrap()),
        r#"pods is forbidden: violates PodSecurity "baseline:v1.30": host namespaces (hostPID=true)"#
    );
    let v = &eval.violations[0];
    assert_eq!(
        (v.check_id, v.fields[0].to_string()),
        ("hostNamespaces", "spec.hostPID".to_owned())
    );
}
