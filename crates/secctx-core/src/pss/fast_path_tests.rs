//! The fast path must never change a result: on generated pods (biased towards compliance, so
//! that both outcomes are frequent), the standard registry (fast path on) and a registry of the
//! same checks without it give identical evaluations at every level and version, and every pod
//! the fast path accepts passes everywhere.

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

use super::{bit, certainly_passes, suspects};
use crate::pss::checks::ALL_CHECKS;
use crate::pss::level::Level;
use crate::pss::registry::Registry;
use crate::pss::version::{LevelVersion, Version};

/// xorshift64*: deterministic test data without extra dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `good` with probability 31/32, else one of `bad`.
    fn pick(&mut self, good: Value, bad: &[Value]) -> Value {
        let r = self.next();
        if !r.is_multiple_of(32) || bad.is_empty() {
            good
        } else {
            bad[(r / 32) as usize % bad.len()].clone()
        }
    }
}

fn seccomp(t: &str) -> Value {
    json!({"type": t})
}

fn security_context(rng: &mut Rng) -> Value {
    let mut sc = serde_json::Map::new();
    let fields = [
        (
            "allowPrivilegeEscalation",
            json!(false),
            vec![Value::Null, json!(true)],
        ),
        (
            "capabilities",
            json!({"drop": ["ALL"]}),
            vec![
                Value::Null,
                json!({}),
                json!({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}),
                json!({"drop": ["ALL"], "add": ["CHOWN"]}),
                json!({"add": ["NET_RAW"]}),
            ],
        ),
        ("privileged", Value::Null, vec![json!(false), json!(true)]),
        (
            "procMount",
            Value::Null,
            vec![json!("Default"), json!("Unmasked")],
        ),
        ("runAsNonRoot", Value::Null, vec![json!(true), json!(false)]),
        ("runAsUser", Value::Null, vec![json!(1000), json!(0)]),
        (
            "seccompProfile",
            Value::Null,
            vec![seccomp("RuntimeDefault"), seccomp("Unconfined")],
        ),
        (
            "seLinuxOptions",
            Value::Null,
            vec![
                json!({"type": "container_t"}),
                json!({"type": "container_engine_t"}),
                json!({"role": "r"}),
            ],
        ),
        (
            "appArmorProfile",
            Value::Null,
            vec![
                json!({"type": "Localhost", "localhostProfile": "p"}),
                json!({"type": "Unconfined"}),
            ],
        ),
        (
            "windowsOptions",
            Value::Null,
            vec![json!({"hostProcess": false}), json!({"hostProcess": true})],
        ),
    ];
    for (name, good, bad) in fields {
        let v = rng.pick(good, &bad);
        if !v.is_null() {
            sc.insert(name.to_owned(), v);
        }
    }
    Value::Object(sc)
}

fn container(rng: &mut Rng, name: &str) -> Value {
    let mut c = json!({"name": name, "image": "i"});
    let sc = security_context(rng);
    if !rng.next().is_multiple_of(16) {
        c["securityContext"] = sc;
    }
    c["ports"] = rng.pick(
        json!([{"containerPort": 80}]),
        &[json!([{"containerPort": 80, "hostPort": 8080}])],
    );
    let probe = rng.pick(
        json!({"httpGet": {"port": 80}}),
        &[
            json!({"httpGet": {"host": "h", "port": 80}}),
            json!({"tcpSocket": {"host": "", "port": 1}}),
        ],
    );
    c["readinessProbe"] = probe;
    c["lifecycle"] = rng.pick(
        Value::Null,
        &[json!({"preStop": {"tcpSocket": {"host": "h", "port": 1}}})],
    );
    c
}

fn pod(rng: &mut Rng) -> Value {
    let mut psc = json!({"runAsNonRoot": true, "seccompProfile": seccomp("RuntimeDefault")});
    psc["runAsNonRoot"] = rng.pick(json!(true), &[Value::Null, json!(false)]);
    psc["seccompProfile"] = rng.pick(
        seccomp("RuntimeDefault"),
        &[Value::Null, seccomp("Localhost"), seccomp("Unconfined")],
    );
    psc["runAsUser"] = rng.pick(Value::Null, &[json!(0), json!(1)]);
    psc["sysctls"] = rng.pick(
        json!([{"name": "kernel.shm_rmid_forced", "value": "1"}]),
        &[
            json!([{"name": "net.ipv4.tcp_rmem", "value": "1"}]),
            json!([{"name": "net.ipv4.tcp_notsent_lowat", "value": "1"}]),
            json!([{"name": "kernel.msgmax", "value": "1"}]),
        ],
    );
    psc["seLinuxOptions"] = rng.pick(
        Value::Null,
        &[json!({"type": "container_engine_t"}), json!({"user": "u"})],
    );
    let n = 1 + (rng.next() % 3) as usize;
    let containers: Vec<Value> = (0..n).map(|i| container(rng, &format!("c{i}"))).collect();
    let mut spec = json!({"securityContext": psc, "containers": containers});
    if rng.next().is_multiple_of(3) {
        spec["initContainers"] = json!([container(rng, "init")]);
    }
    if rng.next().is_multiple_of(4) {
        spec["ephemeralContainers"] = json!([container(rng, "debug")]);
    }
    spec["volumes"] = rng.pick(
        json!([{"name": "v", "emptyDir": {}}, {"name": "s", "secret": {}}]),
        &[
            json!([{"name": "h", "hostPath": {"path": "/"}}]),
            json!([{"name": "m", "configMap": {"name": "x"}, "hostPath": {"path": "/"}}]),
            json!([{"name": "n", "nfs": {"server": "s", "path": "/"}}]),
            json!([{"name": "u"}]),
        ],
    );
    spec["hostUsers"] = rng.pick(Value::Null, &[json!(false), json!(true)]);
    spec["os"] = rng.pick(
        Value::Null,
        &[json!({"name": "windows"}), json!({"name": "linux"})],
    );
    spec["hostNetwork"] = rng.pick(Value::Null, &[json!(true), json!(false)]);
    let annotations = rng.pick(
        json!({"other": "x"}),
        &[
            json!({"container.apparmor.security.beta.kubernetes.io/c0": "unconfined"}),
            json!({"container.apparmor.security.beta.kubernetes.io/c0": "runtime/default"}),
            json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}),
            json!({"container.seccomp.security.alpha.kubernetes.io/c0": ""}),
            json!({"container.seccomp.security.alpha.kubernetes.io/c0": "localhost/p"}),
        ],
    );
    json!({"metadata": {"name": "p", "annotations": annotations}, "spec": spec})
}

#[test]
fn fast_path_never_changes_a_result() {
    let fast = Registry::standard(None);
    let slow = Registry::new(ALL_CHECKS, None).unwrap();
    assert!(fast.uses_fast_path() && !slow.uses_fast_path());
    let mut rng = Rng(0x00C0_FFEE);
    let (mut accepted, mut compliant_elsewhere) = (0, 0);
    for _ in 0..1500 {
        let p: Pod = serde_json::from_value(pod(&mut rng)).unwrap();
        let spec = p.spec.unwrap();
        let quick = certainly_passes(&p.metadata, &spec);
        let may_fail = suspects(&p.metadata, &spec);
        accepted += usize::from(quick);
        let mut all_pass = true;
        for level in [Level::Baseline, Level::Restricted] {
            for minor in 0..=38 {
                let lv = LevelVersion::new(level, Version::V1(minor));
                let want = slow.evaluate(lv, &p.metadata, &spec);
                all_pass &= want.is_allowed();
                for v in &want.violations {
                    let i = ALL_CHECKS.iter().position(|c| c.id == v.check_id).unwrap();
                    assert!(
                        may_fail & (1 << i) != 0,
                        "{lv}: {} failed unsuspected",
                        v.check_id
                    );
                }
                assert_eq!(fast.evaluate(lv, &p.metadata, &spec), want, "{lv}");
            }
        }
        if quick {
            assert!(all_pass, "fast path accepted a pod that fails somewhere");
        } else if all_pass {
            compliant_elsewhere += 1;
        }
    }
    eprintln!(
        "fast path accepted {accepted}/1500; {compliant_elsewhere} compliant pods evaluated in full"
    );
    // Both paths are exercised.
    assert!(accepted > 100, "only {accepted} pods took the fast path");
    assert!(accepted < 1400, "{accepted} pods took the fast path");
    // Conservative rejections exist (e.g. baseline-only-valid pods) but are not the norm.
    assert!(
        compliant_elsewhere < accepted,
        "{compliant_elsewhere} vs {accepted}"
    );
}

#[test]
fn version_dependent_allowances_are_not_relied_upon() {
    let base = || {
        json!({"metadata": {}, "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "a", "securityContext": {
                "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}})
    };
    let accepts = |v: Value| {
        let p: Pod = serde_json::from_value(v).unwrap();
        certainly_passes(&p.metadata, p.spec.as_ref().unwrap())
    };
    assert!(accepts(base()));
    // Windows exemption (1.25+): missing APE is not accepted.
    let mut v = base();
    v["spec"]["os"] = json!({"name": "windows"});
    v["spec"]["containers"][0]["securityContext"] = json!({"capabilities": {"drop": ["ALL"]}});
    assert!(!accepts(v));
    // hostUsers: false relaxation (1.35+): runAsUser 0 is not accepted.
    let mut v = base();
    v["spec"]["hostUsers"] = json!(false);
    v["spec"]["securityContext"]["runAsUser"] = json!(0);
    assert!(!accepts(v));
    // Sysctls added after 1.0 and container_engine_t (1.31) are not accepted.
    let mut v = base();
    v["spec"]["securityContext"]["sysctls"] = json!([{"name": "net.ipv4.tcp_wmem", "value": "1"}]);
    assert!(!accepts(v));
    let mut v = base();
    v["spec"]["securityContext"]["seLinuxOptions"] = json!({"type": "container_engine_t"});
    assert!(!accepts(v));
    // A volume with an allowed source and a hostPath passes restricted but not baseline.
    let mut v = base();
    v["spec"]["volumes"] =
        json!([{"name": "m", "configMap": {"name": "x"}, "hostPath": {"path": "/"}}]);
    assert!(!accepts(v));
}

#[test]
fn bits_follow_all_checks() {
    let bits = [
        ("appArmorProfile", bit::APP_ARMOR_PROFILE),
        ("capabilities_baseline", bit::CAPABILITIES_BASELINE),
        ("hostNamespaces", bit::HOST_NAMESPACES),
        ("hostPathVolumes", bit::HOST_PATH_VOLUMES),
        ("hostPorts", bit::HOST_PORTS),
        (
            "hostProbesAndHostLifecycle",
            bit::HOST_PROBES_AND_HOST_LIFECYCLE,
        ),
        ("privileged", bit::PRIVILEGED),
        ("procMount", bit::PROC_MOUNT),
        ("seLinuxOptions", bit::SE_LINUX_OPTIONS),
        ("seccompProfile_baseline", bit::SECCOMP_PROFILE_BASELINE),
        ("sysctls", bit::SYSCTLS),
        ("windowsHostProcess", bit::WINDOWS_HOST_PROCESS),
        ("allowPrivilegeEscalation", bit::ALLOW_PRIVILEGE_ESCALATION),
        ("capabilities_restricted", bit::CAPABILITIES_RESTRICTED),
        ("procMount_restricted", bit::PROC_MOUNT_RESTRICTED),
        ("restrictedVolumes", bit::RESTRICTED_VOLUMES),
        ("runAsNonRoot", bit::RUN_AS_NON_ROOT),
        ("runAsUser", bit::RUN_AS_USER),
        ("seccompProfile_restricted", bit::SECCOMP_PROFILE_RESTRICTED),
    ];
    assert_eq!(bits.len(), ALL_CHECKS.len());
    for (i, (check, (id, b))) in ALL_CHECKS.iter().zip(bits).enumerate() {
        assert_eq!(check.id, id);
        assert_eq!(b, 1 << i, "{id}");
    }
}
