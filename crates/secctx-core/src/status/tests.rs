use super::*;
use crate::resolve::{NodeConfig, resolve_pod};

fn pod(yaml: &str) -> (k8s_openapi::api::core::v1::PodSpec, ResolvedPod) {
    let loaded = crate::load::load_text("t.yaml", yaml);
    let w = loaded.workloads().next().expect("a pod");
    let r = resolve_pod(&w.pod_meta, &w.spec, &|_| None, &NodeConfig::default());
    (w.spec.clone(), r)
}

const TWO: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Never\n  securityContext: {runAsUser: 1000, runAsGroup: 3000}\n  initContainers:\n  - {name: i, image: busybox}\n  containers:\n  - {name: a, image: busybox}\n  - {name: b, image: busybox}\n";

#[test]
fn admitted_pod_is_pending_with_pod_initializing() {
    let (_, r) = pod(TWO);
    let s = PodStatus::admitted(&r, "2026-01-01T00:00:00Z");
    assert_eq!(s.phase, Phase::Pending);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json["containerStatuses"][0]["state"]["waiting"]["reason"],
        "PodInitializing"
    );
    assert_eq!(json["initContainerStatuses"][0]["name"], "i");
}

#[test]
fn phases_follow_get_phase() {
    let (spec, r) = pod(TWO);
    let policy = spec.restart_policy.as_deref();
    let mut s = PodStatus::admitted(&r, "t0");
    let user = r.containers[0].status_user();
    s.container_mut("i")
        .unwrap()
        .set_running("c1", "t1", user.as_ref());
    s.update_phase(policy, false);
    assert_eq!(s.phase, Phase::Pending);
    s.container_mut("i").unwrap().set_terminated(0, "t2");
    s.container_mut("a").unwrap().set_running("c2", "t3", None);
    s.update_phase(policy, false);
    assert_eq!(s.phase, Phase::Pending, "b is still waiting");
    s.container_mut("b").unwrap().set_running("c3", "t3", None);
    s.update_phase(policy, false);
    assert_eq!(s.phase, Phase::Running);
    s.container_mut("a").unwrap().set_terminated(0, "t4");
    s.container_mut("b").unwrap().set_terminated(3, "t4");
    s.update_phase(policy, false);
    assert_eq!(s.phase, Phase::Failed);
    let b = serde_json::to_value(s.container("b").unwrap()).unwrap();
    assert_eq!(b["state"]["terminated"]["reason"], "Error");
    assert_eq!(b["state"]["terminated"]["exitCode"], 3);
    assert_eq!(b["state"]["terminated"]["startedAt"], "t3");
}

#[test]
fn failed_init_with_never_fails_the_pod() {
    let (spec, r) = pod(TWO);
    let mut s = PodStatus::admitted(&r, "t0");
    s.container_mut("i").unwrap().set_terminated(1, "t1");
    s.update_phase(spec.restart_policy.as_deref(), false);
    assert_eq!(s.phase, Phase::Failed);
}

#[test]
fn restart_always_keeps_running_until_terminal() {
    let stopped = |code| {
        let (_, r) = pod(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: busybox}\n",
        );
        let mut s = PodStatus::admitted(&r, "t0");
        s.container_mut("a").unwrap().set_terminated(code, "t1");
        s
    };
    let mut s = stopped(0);
    s.update_phase(None, false);
    assert_eq!(s.phase, Phase::Running);
    s.update_phase(None, true);
    assert_eq!(s.phase, Phase::Succeeded);
    let mut s = stopped(2);
    s.update_phase(Some("OnFailure"), false);
    assert_eq!(s.phase, Phase::Running);
    s.update_phase(Some("OnFailure"), true);
    assert_eq!(s.phase, Phase::Failed);
}

#[test]
fn create_config_error_keeps_the_pod_pending_with_the_kubelet_message() {
    let (spec, r) = pod(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns, uid: u1}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 0}\n  containers:\n  - {name: a, image: busybox}\n",
    );
    let c = &r.containers[0];
    let e = c.start_error.as_ref().unwrap();
    let mut s = PodStatus::admitted(&r, "t0");
    s.container_mut("a")
        .unwrap()
        .set_create_error(&e.reason, &e.message);
    s.update_phase(spec.restart_policy.as_deref(), false);
    assert_eq!(s.phase, Phase::Pending);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(
        json["containerStatuses"][0]["state"]["waiting"],
        serde_json::json!({
            "reason": "CreateContainerConfigError",
            "message": "container's runAsUser breaks non-root policy (pod: \"p_ns(u1)\", container: a)"
        })
    );
}

#[test]
fn rejected_pod_is_failed_with_prefixed_message() {
    let r = crate::resolve::Rejection {
        reason: "SysctlForbidden".into(),
        message: "forbidden sysctl: \"kernel.msgmax\" not allowlisted".into(),
    };
    let mut s = PodStatus::rejected(&r);
    s.update_phase(None, true);
    assert_eq!(s.phase, Phase::Failed);
    assert_eq!(
        s.message.as_deref(),
        Some("Pod was rejected: forbidden sysctl: \"kernel.msgmax\" not allowlisted")
    );
}

#[test]
fn user_linux_is_camel_case() {
    let (_, r) = pod(TWO);
    let mut s = PodStatus::admitted(&r, "t0");
    // Without the image's /etc/group the groups are not predictable; give them.
    let u = crate::resolve::LinuxUser {
        uid: 1000,
        gid: 3000,
        supplemental_groups: vec![3000],
    };
    s.container_mut("a")
        .unwrap()
        .set_running("c", "t", Some(&u));
    let json = serde_json::to_value(s.container("a").unwrap()).unwrap();
    assert_eq!(
        json["user"]["linux"],
        serde_json::json!({"uid": 1000, "gid": 3000, "supplementalGroups": [3000]})
    );
}
