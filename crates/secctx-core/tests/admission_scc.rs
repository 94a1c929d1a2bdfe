//! Bar 2 of issue 12: a table of SCC admission cases, one SCC field group at a time, each
//! allowed and denied path, with the exact messages of spec §3.6–3.7.
//!
//! Every case runs one SCC `t` (permissive except for the fields the case sets) granted to
//! the requesting user `alice`, in namespace `adm-ns` holding block 68 (`1000680000/10000`,
//! `s0:c26,c15`), unless the case says otherwise.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use secctx_core::admission::admitted::Admitted;
use secctx_core::admission::authz::{Grant, UserInfo};
use secctx_core::admission::decide::{Decision, Operation, Request, admit_and_render};
use secctx_core::admission::provider::NamespaceInfo;
use secctx_core::admission::scc::Scc;
use secctx_core::admission::standard::{standard_grants, standard_sccs};
use serde_json::{Value, json};

fn base_scc() -> Value {
    json!({
        "apiVersion": "security.openshift.io/v1",
        "kind": "SecurityContextConstraints",
        "metadata": {"name": "t"},
        "allowPrivilegedContainer": true,
        "allowHostDirVolumePlugin": true,
        "allowHostNetwork": true,
        "allowHostPorts": true,
        "allowHostPID": true,
        "allowHostIPC": true,
        "allowedCapabilities": ["*"],
        "volumes": ["*"],
        "seccompProfiles": ["*"],
        "allowedUnsafeSysctls": ["*"],
        "runAsUser": {"type": "RunAsAny"},
        "seLinuxContext": {"type": "RunAsAny"},
        "fsGroup": {"type": "RunAsAny"},
        "supplementalGroups": {"type": "RunAsAny"},
        "users": ["alice"],
    })
}

fn merge(into: &mut Value, over: &Value) {
    match (into, over) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_object() && a.get(k).is_some_and(Value::is_object) {
                    merge(a.get_mut(k).unwrap(), v);
                } else {
                    a.insert(k.clone(), v.clone());
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

fn ns(annotations: &[(&str, &str)]) -> NamespaceInfo {
    NamespaceInfo {
        name: "adm-ns".into(),
        annotations: annotations
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn block68() -> NamespaceInfo {
    ns(&[
        ("openshift.io/sa.scc.uid-range", "1000680000/10000"),
        (
            "openshift.io/sa.scc.supplemental-groups",
            "1000680000/10000",
        ),
        ("openshift.io/sa.scc.mcs", "s0:c26,c15"),
    ])
}

fn pod(over: Value) -> Pod {
    let mut p = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
    });
    merge(&mut p, &over);
    serde_json::from_value(p).unwrap()
}

fn alice() -> UserInfo {
    UserInfo {
        name: "alice".into(),
        groups: vec!["system:authenticated".into()],
    }
}

/// What a case expects.
enum Expect {
    /// Admitted by `scc`, with these JSON-pointer values in the admitted pod (`null`: absent).
    Allow(&'static str, Vec<(&'static str, Value)>),
    /// Denied with exactly this message.
    Deny(String),
}

fn denied(list: &str) -> Expect {
    Expect::Deny(format!(
        "pods \"p\" is forbidden: unable to validate against any security context constraint: {list}"
    ))
}

struct Case {
    name: &'static str,
    scc: Value,
    pod: Value,
    ns: NamespaceInfo,
    expect: Expect,
}

fn case(name: &'static str, scc: Value, pod: Value, expect: Expect) -> Case {
    Case {
        name,
        scc,
        pod,
        ns: block68(),
        expect,
    }
}

fn allow(v: Vec<(&'static str, Value)>) -> Expect {
    Expect::Allow("t", v)
}

const C0: &str = "/spec/containers/0/securityContext";
const PSC: &str = "/spec/securityContext";

fn p(path: &'static str) -> &'static str {
    path
}

fn sc(over: Value) -> Value {
    json!({"spec": {"containers": [{"name": "c", "image": "i", "securityContext": over}]}})
}

fn cases() -> Vec<Case> {
    let c0 = |f: &str| -> &'static str { Box::leak(format!("{C0}/{f}").into_boxed_str()) };
    let ps = |f: &str| -> &'static str { Box::leak(format!("{PSC}/{f}").into_boxed_str()) };
    let range_ns = json!({"runAsUser": {"type": "MustRunAsRange"}});
    vec![
        // --- runAsUser ---
        case("user range from namespace fills the first uid", range_ns.clone(), json!({}),
            allow(vec![(c0("runAsUser"), json!(1000680000)), (c0("runAsNonRoot"), json!(true))])),
        case("user range rejects a uid outside the block", range_ns.clone(), sc(json!({"runAsUser": 999})),
            denied("provider t: .containers[0].runAsUser: Invalid value: 999: must be in the ranges: [1000680000, 1000689999]")),
        case("user range from the SCC", json!({"runAsUser": {"type": "MustRunAsRange", "uidRangeMin": 1000, "uidRangeMax": 2000}}),
            sc(json!({"runAsUser": 1500})), allow(vec![(c0("runAsUser"), json!(1500)), (c0("runAsNonRoot"), json!(true))])),
        case("user MustRunAs fills the uid", json!({"runAsUser": {"type": "MustRunAs", "uid": 5000}}), json!({}),
            allow(vec![(c0("runAsUser"), json!(5000))])),
        case("user MustRunAs rejects another uid", json!({"runAsUser": {"type": "MustRunAs", "uid": 5000}}),
            sc(json!({"runAsUser": 6000})), denied("provider t: .containers[0].runAsUser: Invalid value: 6000: must be: 5000")),
        case("user non-root marks runAsNonRoot", json!({"runAsUser": {"type": "MustRunAsNonRoot"}}), json!({}),
            allow(vec![(c0("runAsNonRoot"), json!(true)), (c0("runAsUser"), Value::Null)])),
        case("user non-root rejects uid 0", json!({"runAsUser": {"type": "MustRunAsNonRoot"}}), sc(json!({"runAsUser": 0})),
            denied("provider t: .containers[0].runAsUser: Invalid value: 0: running with the root UID is forbidden")),
        case("user non-root rejects runAsNonRoot false", json!({"runAsUser": {"type": "MustRunAsNonRoot"}}),
            sc(json!({"runAsNonRoot": false})), denied("provider t: .containers[0].runAsNonRoot: Invalid value: false: must be true")),
        case("user RunAsAny allows root", json!({}), sc(json!({"runAsUser": 0})),
            allow(vec![(c0("runAsUser"), json!(0)), (c0("runAsNonRoot"), Value::Null)])),
        Case { name: "user range without the namespace annotation", scc: range_ns.clone(), pod: json!({}), ns: ns(&[]),
            expect: denied("unable to find pre-allocated uid annotation for namespace adm-ns while trying to configure SCC t: error fetching namespace \"adm-ns\": unable to find annotation openshift.io/sa.scc.uid-range") },
        case("user range: a pod-level uid is not copied to containers", range_ns.clone(),
            json!({"spec": {"securityContext": {"runAsUser": 1000680005}}}),
            allow(vec![(c0("runAsUser"), Value::Null), (ps("runAsUser"), json!(1000680005)), (c0("runAsNonRoot"), json!(true))])),
        case("user range names init containers by their list", range_ns.clone(),
            json!({"spec": {"initContainers": [{"name": "i", "image": "i", "securityContext": {"runAsUser": 7}}]}}),
            denied("provider t: .initContainers[0].runAsUser: Invalid value: 7: must be in the ranges: [1000680000, 1000689999]")),
        // --- fsGroup ---
        case("fsGroup from namespace is the first gid of the block", json!({"fsGroup": {"type": "MustRunAs"}}), json!({}),
            allow(vec![(ps("fsGroup"), json!(1000680000))])),
        case("fsGroup outside the block", json!({"fsGroup": {"type": "MustRunAs"}}),
            json!({"spec": {"securityContext": {"fsGroup": 999}}}),
            denied("provider t: .spec.securityContext.fsGroup: Invalid value: []int64{999}: 999 is not an allowed group")),
        case("fsGroup within the SCC's ranges", json!({"fsGroup": {"type": "MustRunAs", "ranges": [{"min": 100, "max": 200}]}}),
            json!({"spec": {"securityContext": {"fsGroup": 150}}}), allow(vec![(ps("fsGroup"), json!(150))])),
        case("fsGroup from the namespace allows only the first gid", json!({"fsGroup": {"type": "MustRunAs"}}),
            json!({"spec": {"securityContext": {"fsGroup": 1000680001}}}),
            denied("provider t: .spec.securityContext.fsGroup: Invalid value: []int64{1000680001}: 1000680001 is not an allowed group")),
        case("fsGroup RunAsAny keeps 0", json!({}), json!({"spec": {"securityContext": {"fsGroup": 0}}}),
            allow(vec![(ps("fsGroup"), json!(0))])),
        // --- supplementalGroups ---
        case("supplementalGroups from namespace", json!({"supplementalGroups": {"type": "MustRunAs"}}), json!({}),
            allow(vec![(ps("supplementalGroups"), json!([1000680000]))])),
        case("supplementalGroups outside the blocks", json!({"supplementalGroups": {"type": "MustRunAs"}}),
            json!({"spec": {"securityContext": {"supplementalGroups": [5]}}}),
            denied("provider t: .spec.securityContext.supplementalGroups: Invalid value: []int64{5}: 5 is not an allowed group")),
        case("supplementalGroups empty list", json!({"supplementalGroups": {"type": "MustRunAs"}}),
            json!({"spec": {"securityContext": {"supplementalGroups": []}}}),
            denied("provider t: .spec.securityContext.supplementalGroups: Invalid value: []int64{}: unable to validate empty groups against required ranges")),
        case("supplementalGroups RunAsAny", json!({}), json!({"spec": {"securityContext": {"supplementalGroups": [0]}}}),
            allow(vec![(ps("supplementalGroups"), json!([0]))])),
        Case { name: "supplementalGroups: every block of the annotation", scc: json!({"supplementalGroups": {"type": "MustRunAs"}}),
            pod: json!({"spec": {"securityContext": {"supplementalGroups": [2000000001]}}}),
            ns: ns(&[("openshift.io/sa.scc.uid-range", "1000680000/10000"), ("openshift.io/sa.scc.supplemental-groups", "1000680000/10000,2000000000/5"), ("openshift.io/sa.scc.mcs", "s0:c26,c15")]),
            expect: allow(vec![(ps("supplementalGroups"), json!([2000000001]))]) },
        // --- SELinux ---
        case("selinux level from namespace", json!({"seLinuxContext": {"type": "MustRunAs"}}), json!({}),
            allow(vec![(ps("seLinuxOptions"), json!({"level": "s0:c26,c15"})), (c0("seLinuxOptions"), Value::Null)])),
        case("selinux wrong level, pod and container", json!({"seLinuxContext": {"type": "MustRunAs"}}),
            json!({"spec": {"securityContext": {"seLinuxOptions": {"level": "s0:c1,c0"}}}}),
            denied("[provider t: .spec.securityContext.seLinuxOptions.level: Invalid value: \"s0:c1,c0\": must be s0:c26,c15, provider t: .containers[0].seLinuxOptions.level: Invalid value: \"s0:c1,c0\": must be s0:c26,c15]")),
        case("selinux categories compare as a set", json!({"seLinuxContext": {"type": "MustRunAs"}}),
            json!({"spec": {"securityContext": {"seLinuxOptions": {"level": "s0:c15,c26"}}}}),
            allow(vec![(ps("seLinuxOptions"), json!({"level": "s0:c15,c26"}))])),
        case("selinux type from the SCC", json!({"seLinuxContext": {"type": "MustRunAs", "seLinuxOptions": {"type": "container_t"}}}),
            sc(json!({"seLinuxOptions": {"type": "spc_t", "level": "s0:c26,c15"}})),
            denied("provider t: .containers[0].seLinuxOptions.type: Invalid value: \"spc_t\": must be container_t")),
        case("selinux RunAsAny", json!({}), sc(json!({"seLinuxOptions": {"type": "spc_t"}})),
            allow(vec![(c0("seLinuxOptions"), json!({"type": "spc_t"}))])),
        Case { name: "selinux without the mcs annotation", scc: json!({"seLinuxContext": {"type": "MustRunAs"}}), pod: json!({}),
            ns: ns(&[("openshift.io/sa.scc.uid-range", "1000680000/10000")]),
            expect: denied("unable to find pre-allocated mcs annotation for namespace adm-ns while trying to configure SCC t: error fetching namespace \"adm-ns\": unable to find annotation openshift.io/sa.scc.mcs") },
        // --- capabilities ---
        case("caps: required drop ALL is added", json!({"requiredDropCapabilities": ["ALL"], "allowedCapabilities": []}), json!({}),
            allow(vec![(c0("capabilities"), json!({"drop": ["ALL"]}))])),
        case("caps: an allowed add is kept", json!({"requiredDropCapabilities": ["ALL"], "allowedCapabilities": ["NET_BIND_SERVICE"]}),
            sc(json!({"capabilities": {"add": ["NET_BIND_SERVICE"]}})),
            allow(vec![(c0("capabilities"), json!({"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}))])),
        case("caps: a forbidden add", json!({"allowedCapabilities": ["NET_BIND_SERVICE"]}),
            sc(json!({"capabilities": {"add": ["NET_RAW"]}})),
            denied("provider t: .containers[0].capabilities.add: Invalid value: \"NET_RAW\": capability may not be added")),
        case("caps: default add", json!({"defaultAddCapabilities": ["CHOWN"], "allowedCapabilities": []}), json!({}),
            allow(vec![(c0("capabilities"), json!({"add": ["CHOWN"]}))])),
        case("caps: default add the container drops", json!({"defaultAddCapabilities": ["CHOWN"], "allowedCapabilities": []}),
            sc(json!({"capabilities": {"drop": ["CHOWN"]}})), allow(vec![(c0("capabilities"), json!({"drop": ["CHOWN"]}))])),
        case("caps: * allows anything", json!({"requiredDropCapabilities": ["KILL"]}),
            sc(json!({"capabilities": {"add": ["SYS_ADMIN"]}})),
            allow(vec![(c0("capabilities"), json!({"add": ["SYS_ADMIN"], "drop": ["KILL"]}))])),
        case("caps: required drops merge with the container's, sorted", json!({"requiredDropCapabilities": ["MKNOD", "KILL"], "allowedCapabilities": []}),
            sc(json!({"capabilities": {"drop": ["NET_RAW"]}})),
            allow(vec![(c0("capabilities"), json!({"drop": ["KILL", "MKNOD", "NET_RAW"]}))])),
        case("caps: names compare exactly", json!({"allowedCapabilities": ["NET_BIND_SERVICE"]}),
            sc(json!({"capabilities": {"add": ["net_bind_service"]}})),
            denied("provider t: .containers[0].capabilities.add: Invalid value: \"net_bind_service\": capability may not be added")),
        // --- volumes ---
        case("volumes: hostPath not allowed", json!({"allowHostDirVolumePlugin": false, "volumes": ["secret", "configMap"]}),
            json!({"spec": {"volumes": [{"name": "h", "hostPath": {"path": "/"}}]}}),
            denied("provider t: .spec.volumes[0]: Invalid value: \"hostPath\": hostPath volumes are not allowed to be used")),
        case("volumes: emptyDir allowed", json!({"allowHostDirVolumePlugin": false, "volumes": ["emptyDir"]}),
            json!({"spec": {"volumes": [{"name": "e", "emptyDir": {}}]}}), allow(vec![])),
        case("volumes: the bound token volume passes with secret", json!({"allowHostDirVolumePlugin": false, "volumes": ["secret"]}),
            json!({"spec": {"volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}, {"configMap": {"name": "kube-root-ca.crt"}}]}}]}}),
            allow(vec![])),
        case("volumes: other projected sources need projected", json!({"allowHostDirVolumePlugin": false, "volumes": ["secret"]}),
            json!({"spec": {"volumes": [{"name": "x", "projected": {"sources": [{"configMap": {"name": "app"}}]}}]}}),
            denied("provider t: .spec.volumes[0]: Invalid value: \"projected\": projected volumes are not allowed to be used")),
        case("volumes: * without host dirs still forbids hostPath", json!({"allowHostDirVolumePlugin": false, "volumes": ["*"]}),
            json!({"spec": {"volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}, {"name": "h", "hostPath": {"path": "/"}}]}}),
            denied("provider t: .spec.volumes[1]: Invalid value: \"hostPath\": hostPath volumes are not allowed to be used")),
        case("volumes: an empty list allows none", json!({"allowHostDirVolumePlugin": false, "volumes": []}),
            json!({"spec": {"volumes": [{"name": "e", "emptyDir": {}}]}}),
            denied("provider t: .spec.volumes[0]: Invalid value: \"emptyDir\": emptyDir volumes are not allowed to be used")),
        case("volumes: flex driver not allowed", json!({"volumes": ["flexVolume"], "allowHostDirVolumePlugin": false, "allowedFlexVolumes": [{"driver": "a"}]}),
            json!({"spec": {"volumes": [{"name": "f", "flexVolume": {"driver": "b"}}]}}),
            denied("provider t: .spec.volumes[0].flexVolume.driver: Invalid value: \"b\": Flexvolume driver is not allowed to be used")),
        // --- host namespaces and ports ---
        case("host network forbidden", json!({"allowHostNetwork": false}), json!({"spec": {"hostNetwork": true}}),
            denied("[provider t: .spec.hostNetwork: Invalid value: true: Host network is not allowed to be used, provider t: .containers[0].hostNetwork: Invalid value: true: Host network is not allowed to be used]")),
        case("host network allowed", json!({}), json!({"spec": {"hostNetwork": true}}), allow(vec![("/spec/hostNetwork", json!(true))])),
        case("host PID forbidden", json!({"allowHostPID": false}), json!({"spec": {"hostPID": true}}),
            denied("[provider t: .spec.hostPID: Invalid value: true: Host PID is not allowed to be used, provider t: .containers[0].hostPID: Invalid value: true: Host PID is not allowed to be used]")),
        case("host IPC forbidden", json!({"allowHostIPC": false}), json!({"spec": {"hostIPC": true}}),
            denied("[provider t: .spec.hostIPC: Invalid value: true: Host IPC is not allowed to be used, provider t: .containers[0].hostIPC: Invalid value: true: Host IPC is not allowed to be used]")),
        case("host ports forbidden (upstream's doubled container path)", json!({"allowHostPorts": false}),
            json!({"spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}}),
            denied("provider t: .containers[0].containers[0].hostPort: Invalid value: 8080: Host ports are not allowed to be used")),
        case("host ports allowed", json!({}),
            json!({"spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}}),
            allow(vec![("/spec/containers/0/ports/0/hostPort", json!(8080))])),
        // --- privileged ---
        case("privileged forbidden", json!({"allowPrivilegedContainer": false}), sc(json!({"privileged": true})),
            denied("provider t: .containers[0].privileged: Invalid value: true: Privileged containers are not allowed")),
        case("privileged allowed", json!({}), sc(json!({"privileged": true})), allow(vec![(c0("privileged"), json!(true))])),
        // --- privilege escalation ---
        case("APE false is set when unset", json!({"allowPrivilegeEscalation": false}), json!({}),
            allow(vec![(c0("allowPrivilegeEscalation"), json!(false))])),
        case("APE true is refused", json!({"allowPrivilegeEscalation": false}), sc(json!({"allowPrivilegeEscalation": true})),
            denied("provider t: .containers[0].allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed")),
        case("default APE applies when unset", json!({"defaultAllowPrivilegeEscalation": false}), json!({}),
            allow(vec![(c0("allowPrivilegeEscalation"), json!(false))])),
        case("default APE skips privileged containers", json!({"defaultAllowPrivilegeEscalation": false}), sc(json!({"privileged": true})),
            allow(vec![(c0("allowPrivilegeEscalation"), Value::Null)])),
        case("APE allowed by default", json!({}), sc(json!({"allowPrivilegeEscalation": true})),
            allow(vec![(c0("allowPrivilegeEscalation"), json!(true))])),
        // --- read-only root filesystem ---
        case("read-only root is set when unset", json!({"readOnlyRootFilesystem": true}), json!({}),
            allow(vec![(c0("readOnlyRootFilesystem"), json!(true))])),
        case("read-only root false is refused", json!({"readOnlyRootFilesystem": true}), sc(json!({"readOnlyRootFilesystem": false})),
            denied("provider t: .containers[0].readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true")),
        case("read-only root not required", json!({}), sc(json!({"readOnlyRootFilesystem": false})),
            allow(vec![(c0("readOnlyRootFilesystem"), json!(false))])),
        // --- seccomp ---
        case("seccomp default written as field and annotation", json!({"seccompProfiles": ["runtime/default"]}), json!({}),
            allow(vec![(ps("seccompProfile"), json!({"type": "RuntimeDefault"})), ("/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod", json!("runtime/default"))])),
        case("seccomp unconfined not allowed", json!({"seccompProfiles": ["runtime/default"]}),
            json!({"spec": {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}}),
            denied("pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are [runtime/default]")),
        case("seccomp may not be set", json!({"seccompProfiles": []}),
            json!({"spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}}),
            denied("pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: seccomp may not be set")),
        case("seccomp docker/default equals runtime/default", json!({"seccompProfiles": ["docker/default"]}),
            json!({"spec": {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}}),
            allow(vec![(ps("seccompProfile"), json!({"type": "RuntimeDefault"}))])),
        case("seccomp * allows localhost", json!({}),
            json!({"spec": {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}}}),
            allow(vec![("/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod", json!("localhost/p.json"))])),
        case("seccomp container profile checked", json!({"seccompProfiles": ["runtime/default"]}),
            sc(json!({"seccompProfile": {"type": "Unconfined"}})),
            denied("pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are [runtime/default]")),
        // --- sysctls ---
        case("sysctl unsafe not allowed", json!({"allowedUnsafeSysctls": []}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}}}),
            denied("provider t: .spec.securityContext.sysctls[0]: Forbidden: sysctl \"kernel.msgmax\" is not allowed")),
        case("sysctl safe allowed", json!({"allowedUnsafeSysctls": []}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}}}), allow(vec![])),
        case("sysctl unsafe allowed by pattern", json!({"allowedUnsafeSysctls": ["kernel.msg*"]}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}}}), allow(vec![])),
        case("sysctl forbidden even if safe", json!({"forbiddenSysctls": ["net.ipv4.tcp_syncookies"]}),
            json!({"spec": {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}}}),
            denied("provider t: .spec.securityContext.sysctls[0]: Forbidden: sysctl \"net.ipv4.tcp_syncookies\" is not allowed")),
        // --- user namespaces ---
        case("userns required, hostUsers unset", json!({"userNamespaceLevel": "RequirePodLevel"}), json!({}),
            denied("provider t: .spec.hostUsers: Invalid value: null: Host Users must be set to false")),
        case("userns required, hostUsers true", json!({"userNamespaceLevel": "RequirePodLevel"}), json!({"spec": {"hostUsers": true}}),
            denied("provider t: .spec.hostUsers: Invalid value: true: Host Users must be set to false")),
        case("userns required, hostUsers false", json!({"userNamespaceLevel": "RequirePodLevel"}), json!({"spec": {"hostUsers": false}}),
            allow(vec![("/spec/hostUsers", json!(false))])),
        case("userns host level allows host users", json!({"userNamespaceLevel": "AllowHostLevel"}), json!({"spec": {"hostUsers": true}}),
            allow(vec![])),
        // --- authorization ---
        case("not usable by user or service account", json!({"users": []}), json!({}),
            denied("provider \"t\": Forbidden: not usable by user or serviceaccount")),
        case("usable by the pod's service account", json!({"users": ["system:serviceaccount:adm-ns:builder"]}),
            json!({"spec": {"serviceAccountName": "builder"}}),
            allow(vec![("/metadata/annotations/security.openshift.io~1validated-scc-subject-type", json!("serviceaccount"))])),
        case("usable through the namespace's service account group", json!({"users": [], "groups": ["system:serviceaccounts:adm-ns"]}), json!({}),
            allow(vec![("/metadata/annotations/security.openshift.io~1validated-scc-subject-type", json!("serviceaccount"))])),
        case("usable by the user's group", json!({"users": [], "groups": ["system:authenticated"]}), json!({}),
            allow(vec![("/metadata/annotations/security.openshift.io~1validated-scc-subject-type", json!("user")), ("/metadata/annotations/openshift.io~1scc", json!("t"))])),
        case("required SCC that does not exist", json!({}), json!({"metadata": {"annotations": {"openshift.io/required-scc": "nope"}}}),
            Expect::Deny("pods \"p\" is forbidden: failed to retrieve the required SCC \"nope\": securitycontextconstraints.security.openshift.io \"nope\" not found".into())),
        case("required SCC that exists", json!({}), json!({"metadata": {"annotations": {"openshift.io/required-scc": "t"}}}),
            allow(vec![("/metadata/annotations/openshift.io~1scc", json!("t"))])),
    ]
}

fn pointer_value(v: &Value, ptr: &str) -> Value {
    v.pointer(ptr).cloned().unwrap_or(Value::Null)
}

fn run_case(c: &Case) -> Result<(), String> {
    let mut scc_json = base_scc();
    if let Value::Object(o) = &c.scc {
        for (k, v) in o {
            scc_json[k] = v.clone();
        }
    }
    let scc = Scc::from_json(scc_json).map_err(|e| e.to_string())?;
    let pod = pod(c.pod.clone());
    let user = alice();
    let (d, admitted) = admit_and_render(&Request {
        operation: Operation::Create,
        meta: &pod.metadata,
        spec: pod.spec.as_ref().unwrap(),
        old_meta: None,
        namespace: &c.ns,
        user: &user,
        sccs: std::slice::from_ref(&scc),
        grants: &[],
    });
    match &c.expect {
        Expect::Deny(msg) => match &d.denied {
            Some(got) if got == msg => Ok(()),
            got => Err(format!("expected denial\n  {msg}\ngot\n  {got:?}")),
        },
        Expect::Allow(name, values) => {
            if let Some(m) = &d.denied {
                return Err(format!("expected admission, got {m}"));
            }
            let chosen = d.chosen.as_ref().map(|c| &*c.0);
            if chosen != Some(name) {
                return Err(format!("expected {name}, chose {chosen:?}"));
            }
            let a = admitted.ok_or("admitted without an admitted pod")?;
            let admitted = serde_json::to_value(Pod {
                metadata: a.meta,
                spec: Some(a.spec),
                status: None,
            })
            .unwrap();
            for (ptr, want) in values {
                let got = pointer_value(&admitted, ptr);
                if &got != want {
                    return Err(format!("{ptr}: expected {want}, got {got}"));
                }
            }
            Ok(())
        }
    }
}

#[test]
fn scc_table() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        if let Err(e) = run_case(c) {
            failures.push(format!("{}: {e}", c.name));
        }
    }
    let _ = p(C0);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn standard(
    pod_json: Value,
    user: &UserInfo,
    op: Operation,
    old: Option<&Pod>,
) -> (Decision, Option<Admitted>) {
    let pod = pod(pod_json);
    let ns = block68();
    let grants: Vec<Grant> = standard_grants();
    admit_and_render(&Request {
        operation: op,
        meta: &pod.metadata,
        spec: pod.spec.as_ref().unwrap(),
        old_meta: old.map(|o| &o.metadata),
        namespace: &ns,
        user,
        sccs: standard_sccs(),
        grants: &grants,
    })
}

/// Spec §3.5 "Expected result: a bare pod under restricted-v2".
#[test]
fn bare_pod_under_restricted_v2() {
    let (d, a) = standard(json!({}), &alice(), Operation::Create, None);
    assert_eq!(d.denied, None);
    assert_eq!(&*d.chosen.as_ref().unwrap().0, "restricted-v2");
    let a = a.expect("an admitted pod");
    let admitted = serde_json::to_value(Pod {
        metadata: a.meta.clone(),
        spec: Some(a.spec.clone()),
        status: None,
    })
    .unwrap();
    assert_eq!(
        admitted["spec"]["securityContext"],
        json!({"fsGroup": 1000680000, "seLinuxOptions": {"level": "s0:c26,c15"}, "seccompProfile": {"type": "RuntimeDefault"}})
    );
    assert_eq!(
        admitted["spec"]["containers"][0]["securityContext"],
        json!({"runAsUser": 1000680000, "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}, "allowPrivilegeEscalation": false})
    );
    let ann: BTreeMap<String, String> = a.meta.annotations.clone().unwrap();
    assert_eq!(ann["openshift.io/scc"], "restricted-v2");
    assert_eq!(
        ann["security.openshift.io/validated-scc-subject-type"],
        "user"
    );
    assert_eq!(
        ann["seccomp.security.alpha.kubernetes.io/pod"],
        "runtime/default"
    );
    assert!(d.passed_over.iter().any(|p| &*p.scc == "anyuid"));
}

/// The pulp-operator shape of spec §3.7: every SCC in order, denied ones quoted.
#[test]
fn standard_denial_lists_every_scc_in_order() {
    let (d, _) = standard(
        json!({"spec": {"securityContext": {"fsGroup": 999}, "containers": [{"name": "c", "image": "i", "securityContext": {"runAsUser": 999}}]}}),
        &alice(),
        Operation::Create,
        None,
    );
    let msg = d.denied.unwrap();
    assert_eq!(
        msg,
        "pods \"p\" is forbidden: unable to validate against any security context constraint: [provider \"anyuid\": Forbidden: not usable by user or serviceaccount, provider restricted-v2: .spec.securityContext.fsGroup: Invalid value: []int64{999}: 999 is not an allowed group, provider restricted-v2: .containers[0].runAsUser: Invalid value: 999: must be in the ranges: [1000680000, 1000689999], provider \"restricted-v3\": Forbidden: not usable by user or serviceaccount, provider \"restricted\": Forbidden: not usable by user or serviceaccount, provider \"nested-container\": Forbidden: not usable by user or serviceaccount, provider \"nonroot-v2\": Forbidden: not usable by user or serviceaccount, provider \"nonroot\": Forbidden: not usable by user or serviceaccount, provider \"hostmount-anyuid\": Forbidden: not usable by user or serviceaccount, provider \"hostmount-anyuid-v2\": Forbidden: not usable by user or serviceaccount, provider \"hostnetwork-v2\": Forbidden: not usable by user or serviceaccount, provider \"hostnetwork\": Forbidden: not usable by user or serviceaccount, provider \"hostaccess\": Forbidden: not usable by user or serviceaccount, provider \"privileged\": Forbidden: not usable by user or serviceaccount]"
    );
}

/// The hint entry: restricted-v2 refuses privilege escalation, restricted would allow it.
#[test]
fn hint_when_restricted_would_pass() {
    let (d, _) = standard(
        sc(json!({"allowPrivilegeEscalation": true})),
        &alice(),
        Operation::Create,
        None,
    );
    let msg = d.denied.unwrap();
    assert!(msg.contains("provider restricted-v2: .containers[0].allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed, "), "{msg}");
    assert!(msg.ends_with(", no access to scc/restricted: Forbidden: the pod fails to validate against the `restricted-v2` security context constraint, but would validate successfully against the `restricted` security context constraint]"), "{msg}");
}

#[test]
fn update_may_not_change_the_pod() {
    let old = pod(json!({}));
    let (d, _) = standard(json!({}), &alice(), Operation::Update, Some(&old));
    let msg = d.denied.unwrap();
    assert!(msg.starts_with("pods \"p\" is forbidden: unable to validate against any security context constraint: [provider \"anyuid\""), "{msg}");
    assert!(
        msg.contains("provider restricted-v2: Forbidden: the pod would be changed"),
        "{msg}"
    );
    // The admitted pod itself passes an update unchanged.
    let first = standard(json!({}), &alice(), Operation::Create, None)
        .1
        .expect("an admitted pod");
    let admitted = serde_json::to_value(Pod {
        metadata: first.meta.clone(),
        spec: Some(first.spec.clone()),
        status: None,
    })
    .unwrap();
    let (again, rendered) = standard(admitted, &alice(), Operation::Update, Some(&old));
    assert_eq!(again.denied, None);
    let rendered = rendered.expect("an admitted pod");
    assert!(rendered.changes.is_empty(), "{:?}", rendered.changes);
    assert!(rendered.patch.is_empty(), "{:?}", rendered.patch);
}

#[test]
fn update_may_not_change_required_scc() {
    let old = pod(json!({}));
    let (d, _) = standard(
        json!({"metadata": {"annotations": {"openshift.io/required-scc": "restricted-v2"}}}),
        &alice(),
        Operation::Update,
        Some(&old),
    );
    assert_eq!(
        d.denied.unwrap(),
        "pods \"p\" is forbidden: invalid change of required security context constraint annotation: openshift.io/required-scc"
    );
}

#[test]
fn windows_pods_are_ignored() {
    let (d, a) = standard(
        json!({"spec": {"os": {"name": "windows"}}}),
        &alice(),
        Operation::Create,
        None,
    );
    assert!(d.ignored.is_some() && d.denied.is_none());
    let a = a.expect("an ignored pod is admitted as it is");
    assert!(a.changes.is_empty() && a.patch.is_empty());
}

#[test]
fn generate_name_and_unknown_in_messages() {
    let user = UserInfo {
        name: "bob".into(),
        groups: vec![],
    };
    let (d, _) = standard(
        json!({"metadata": {"name": null, "generateName": "web-"}}),
        &user,
        Operation::Create,
        None,
    );
    assert!(
        d.denied
            .unwrap()
            .starts_with("pods \"web-\" is forbidden: ")
    );
    let (d, _) = standard(
        json!({"metadata": {"name": null}}),
        &user,
        Operation::Create,
        None,
    );
    assert!(
        d.denied
            .unwrap()
            .starts_with("pods \"Unknown\" is forbidden: ")
    );
}
