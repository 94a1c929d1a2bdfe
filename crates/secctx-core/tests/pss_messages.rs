//! Golden tests of the exact messages a user sees from Pod Security Admission, for every check
//! (singular and plural forms), the worked example of the spec (kubernetes-semantics.md §1.4),
//! version-dependent forms and the order of several violations. Expected strings are written
//! from PSA's format strings, not captured from this implementation.

use k8s_openapi::api::core::v1::Pod;
use secctx_core::pss::{self, LevelVersion};
use serde_json::{Value, json};

/// `pods "<name>" is forbidden: violates PodSecurity "<lv>": <detail>`, or `None` if allowed.
fn enforce(lv: &str, pod: Value) -> Option<String> {
    let pod: Pod = serde_json::from_value(pod).expect("pod");
    let lv: LevelVersion = lv.parse().expect("level:version");
    let spec = pod.spec.unwrap_or_default();
    let eval = pss::evaluate(lv, &pod.metadata, &spec);
    let name = pod.metadata.name.unwrap_or_default();
    eval.enforce_message()
        .map(|m| pss::forbidden_message(&name, &m))
}

fn forbidden(lv: &str, detail: &str) -> Option<String> {
    Some(format!(
        r#"pods "x" is forbidden: violates PodSecurity "{lv}": {detail}"#
    ))
}

/// A container that passes restricted:latest.
fn ok(name: &str) -> Value {
    json!({"name": name, "image": "i", "securityContext": {
        "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}})
}

/// A restricted:latest pod named `x` with `containers`, `extra` merged into the spec.
fn restricted_pod(containers: Vec<Value>, extra: Value) -> Value {
    let mut spec = json!({
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": containers,
    });
    merge(&mut spec, extra);
    json!({"metadata": {"name": "x"}, "spec": spec})
}

/// A pod named `x` with the given spec (baseline checks need nothing else).
fn pod(spec: Value) -> Value {
    json!({"metadata": {"name": "x"}, "spec": spec})
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

fn c(name: &str, sc: Value) -> Value {
    json!({"name": name, "image": "i", "securityContext": sc})
}

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
fn restricted_checks_singular_and_plural() {
    let r = "restricted:latest";
    let mut bad_ape = ok("b");
    bad_ape["securityContext"]["allowPrivilegeEscalation"] = json!(true);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "allowPrivilegeEscalation singular",
            restricted_pod(vec![ok("a"), bad_ape.clone()], json!({})),
            r#"allowPrivilegeEscalation != false (container "b" must set securityContext.allowPrivilegeEscalation=false)"#,
        ),
        (
            "allowPrivilegeEscalation plural",
            restricted_pod(
                vec![c("a", json!({"capabilities": {"drop": ["ALL"]}})), bad_ape],
                json!({}),
            ),
            r#"allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false)"#,
        ),
        (
            "capabilities_restricted both parts",
            restricted_pod(
                vec![
                    c("a", json!({"allowPrivilegeEscalation": false})),
                    c(
                        "b",
                        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "CHOWN"]}}),
                    ),
                ],
                json!({}),
            ),
            r#"unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]; container "b" must not include "CHOWN" in securityContext.capabilities.add)"#,
        ),
        (
            "capabilities_restricted plural",
            restricted_pod(
                vec![
                    c(
                        "a",
                        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["all"]}}),
                    ),
                    c(
                        "b",
                        json!({"allowPrivilegeEscalation": false, "capabilities": {}}),
                    ),
                ],
                json!({}),
            ),
            r#"unrestricted capabilities (containers "a", "b" must set securityContext.capabilities.drop=["ALL"])"#,
        ),
        (
            "procMount_restricted ignores hostUsers: false",
            restricted_pod(
                vec![c(
                    "a",
                    json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "procMount": "Unmasked"}),
                )],
                json!({"hostUsers": false}),
            ),
            r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#,
        ),
        (
            "restrictedVolumes singular",
            restricted_pod(
                vec![ok("a")],
                json!({"volumes": [{"name": "v", "nfs": {"server": "s", "path": "/"}}]}),
            ),
            r#"restricted volume types (volume "v" uses restricted volume type "nfs")"#,
        ),
        (
            "restrictedVolumes plural",
            restricted_pod(
                vec![ok("a")],
                json!({"volumes": [
                {"name": "v", "hostPath": {"path": "/"}}, {"name": "w", "gitRepo": {"repository": "r"}}]}),
            ),
            r#"restricted volume types (volumes "v", "w" use restricted volume types "gitRepo", "hostPath")"#,
        ),
        (
            "runAsNonRoot explicit",
            restricted_pod(
                vec![ok("a")],
                json!({"securityContext": {"runAsNonRoot": false}}),
            ),
            "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)",
        ),
        (
            "runAsNonRoot implicit plural",
            restricted_pod(
                vec![ok("a"), ok("b")],
                json!({"securityContext": {"runAsNonRoot": null}}),
            ),
            r#"runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true)"#,
        ),
        (
            "runAsUser singular",
            restricted_pod(vec![ok("a")], json!({"securityContext": {"runAsUser": 0}})),
            "runAsUser=0 (pod must not set runAsUser=0)",
        ),
        (
            "runAsUser plural",
            restricted_pod(
                vec![
                    c(
                        "a",
                        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "runAsUser": 0}),
                    ),
                    c(
                        "b",
                        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "runAsUser": 0}),
                    ),
                ],
                json!({"securityContext": {"runAsUser": 0}}),
            ),
            r#"runAsUser=0 (pod and containers "a", "b" must not set runAsUser=0)"#,
        ),
        (
            "seccompProfile_restricted explicit",
            restricted_pod(
                vec![ok("a")],
                json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
            ),
            r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")"#,
        ),
        (
            "seccompProfile_restricted implicit plural",
            restricted_pod(
                vec![ok("a"), ok("b")],
                json!({"securityContext": {"seccompProfile": null}}),
            ),
            r#"seccompProfile (pod or containers "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
        ),
    ];
    for (name, p, detail) in cases {
        assert_eq!(enforce(r, p), forbidden(r, detail), "{name}");
    }
}

#[test]
fn version_dependent_forms() {
    // seccomp annotations before 1.19.
    let annotated = json!({"metadata": {"name": "x", "annotations": {
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/a": ""}},
        "spec": {"containers": [{"name": "a"}]}});
    assert_eq!(
        enforce("baseline:v1.18", annotated.clone()),
        forbidden(
            "baseline:v1.18",
            r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/a="", seccomp.security.alpha.kubernetes.io/pod="unconfined")"#
        )
    );
    assert_eq!(enforce("baseline:v1.19", annotated), None);
    // sysctls allow-list growth at 1.37.
    let sysctl = pod(
        json!({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_notsent_lowat", "value": "1"}]},
                            "containers": [{"name": "a"}]}),
    );
    assert_eq!(
        enforce("baseline:v1.36", sysctl.clone()),
        forbidden(
            "baseline:v1.36",
            "forbidden sysctls (net.ipv4.tcp_notsent_lowat)"
        )
    );
    assert_eq!(enforce("baseline:v1.37", sysctl.clone()), None);
    assert_eq!(enforce("baseline:v1.99", sysctl), None);
    // seLinux container_engine_t from 1.31.
    let engine = pod(
        json!({"securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}, "containers": [{"name": "a"}]}),
    );
    assert!(enforce("baseline:v1.30", engine.clone()).is_some());
    assert_eq!(enforce("baseline:v1.31", engine), None);
    // Windows pods exempt from APE/caps/seccomp from 1.25.
    let windows = pod(
        json!({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true},
                             "containers": [{"name": "a"}]}),
    );
    assert_eq!(enforce("restricted:v1.25", windows.clone()), None);
    assert_eq!(
        enforce("restricted:v1.24", windows),
        forbidden(
            "restricted:v1.24",
            r#"allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]), seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        )
    );
    // hostUsers: false relaxes runAsNonRoot/runAsUser and baseline procMount from 1.35.
    let userns = pod(
        json!({"hostUsers": false, "securityContext": {"runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [c("a", json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "procMount": "Unmasked"}))]}),
    );
    assert_eq!(
        enforce("restricted:v1.35", userns.clone()),
        forbidden(
            "restricted:v1.35",
            r#"procMount (container "a" must not set securityContext.procMount to "Unmasked")"#
        )
    );
    assert_eq!(enforce("baseline:v1.35", userns.clone()), None);
    assert_eq!(
        enforce("restricted:v1.34", userns),
        forbidden(
            "restricted:v1.34",
            r#"procMount (container "a" must not set securityContext.procMount to "Unmasked"), runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true), runAsUser=0 (pod must not set runAsUser=0)"#
        )
    );
}

#[test]
fn several_violations_in_psa_order() {
    let p = json!({"metadata": {"name": "x"}, "spec": {
        "hostNetwork": true,
        "securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}], "runAsUser": 0},
        "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
        "initContainers": [c("init", json!({"privileged": true, "capabilities": {"add": ["SYS_ADMIN"]}}))],
        "containers": [{"name": "app", "image": "i", "ports": [{"containerPort": 80, "hostPort": 80}]}],
    }});
    assert_eq!(
        enforce("baseline:latest", p.clone()),
        forbidden(
            "baseline:latest",
            r#"non-default capabilities (container "init" must not include "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "h"), hostPort (container "app" uses hostPort 80), privileged (container "init" must not set securityContext.privileged=true), forbidden sysctls (kernel.msgmax)"#
        )
    );
    assert_eq!(
        enforce("restricted:latest", p.clone()),
        forbidden(
            "restricted:latest",
            r#"host namespaces (hostNetwork=true), hostPort (container "app" uses hostPort 80), privileged (container "init" must not set securityContext.privileged=true), forbidden sysctls (kernel.msgmax), allowPrivilegeEscalation != false (containers "init", "app" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (containers "init", "app" must set securityContext.capabilities.drop=["ALL"]; container "init" must not include "SYS_ADMIN" in securityContext.capabilities.add), restricted volume types (volume "h" uses restricted volume type "hostPath"), runAsNonRoot != true (pod or containers "init", "app" must set securityContext.runAsNonRoot=true), runAsUser=0 (pod must not set runAsUser=0), seccompProfile (pod or containers "init", "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
        )
    );
    // Before 1.22 the baseline capabilities check is not overridden at restricted.
    let v121 = enforce("restricted:v1.21", p).unwrap();
    assert!(v121.contains(
        r#"violates PodSecurity "restricted:v1.21": non-default capabilities (container "init""#
    ));
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
