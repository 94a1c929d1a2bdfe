//! Golden tests of the exact messages of Pod Security Admission for the restricted checks
//! (singular and plural forms), version-dependent forms and the order of several violations.
//! Expected strings are written from PSA's format strings, not captured from this
//! implementation.

mod pss_common;

use pss_common::{c, enforce, forbidden, ok, pod, restricted_pod};
use serde_json::{Value, json};

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
