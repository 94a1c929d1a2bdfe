//! The field paths of violations, mapped to source positions with the project's loader
//! ([`secctx_core::load::Workload::locate`]): they point at fields that exist in the manifest
//! (the nearest existing ancestor when the offending thing is a missing field), for a Pod and
//! for a pod template.

use secctx_core::load::{self, Workload};
use secctx_core::pss::{self, LevelVersion};

fn workloads(text: &str) -> Vec<Workload> {
    let loaded = load::load_text("test.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded.workloads().cloned().collect()
}

/// `check: path @ line:column` for every field of every violation.
fn located(w: &Workload, lv: &str) -> Vec<String> {
    let lv: LevelVersion = lv.parse().unwrap();
    let eval = pss::evaluate(lv, &w.pod_meta, &w.spec);
    let mut out = Vec::new();
    for v in &eval.violations {
        for path in v.field_paths() {
            let (pos, found) = w.locate(&path);
            assert!(found, "{}: {path} not in the manifest", v.check_id);
            out.push(format!(
                "{}: {path} @ {}:{}",
                v.check_id, pos.line, pos.column
            ));
        }
    }
    out
}

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: x
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  hostPID: true
  containers:
  - name: app
    image: nginx
    securityContext:
      allowPrivilegeEscalation: true
      capabilities:
        add: [CHOWN, NET_ADMIN]
  - name: sidecar
    image: busybox
  volumes:
  - name: host
    hostPath:
      path: /var/run
"#;

#[test]
fn pod_paths_point_into_the_manifest() {
    let w = workloads(POD);
    assert_eq!(
        located(&w[0], "restricted:latest"),
        [
            "appArmorProfile: metadata.annotations[container.apparmor.security.beta.kubernetes.io/app] @ 6:5",
            "hostNamespaces: spec.hostPID @ 8:3",
            "allowPrivilegeEscalation: spec.containers[0].securityContext.allowPrivilegeEscalation @ 13:7",
            "allowPrivilegeEscalation: spec.containers[1] @ 16:5",
            "capabilities_restricted: spec.containers[0].securityContext.capabilities @ 14:7",
            "capabilities_restricted: spec.containers[1] @ 16:5",
            "capabilities_restricted: spec.containers[0].securityContext.capabilities.add[0] @ 15:15",
            "capabilities_restricted: spec.containers[0].securityContext.capabilities.add[1] @ 15:22",
            "restrictedVolumes: spec.volumes[0].hostPath @ 20:5",
            "runAsNonRoot: spec @ 7:1",
            "runAsNonRoot: spec.containers[0].securityContext @ 12:5",
            "runAsNonRoot: spec.containers[1] @ 16:5",
            "seccompProfile_restricted: spec @ 7:1",
            "seccompProfile_restricted: spec.containers[0].securityContext @ 12:5",
            "seccompProfile_restricted: spec.containers[1] @ 16:5",
        ]
    );
}

/// Every path of every violation of every upstream fixture exists in the fixture's YAML.
#[test]
fn fixture_paths_exist() {
    let root = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/pss"
    ));
    assert!(
        root.is_dir(),
        "PSS fixtures not found at {}",
        root.display()
    );
    let mut checked = 0;
    for level in ["baseline", "restricted"] {
        for minor in 0..=37 {
            for outcome in ["pass", "fail"] {
                let dir = root.join(level).join(format!("v1.{minor}")).join(outcome);
                for file in std::fs::read_dir(&dir).unwrap() {
                    let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
                    for w in workloads(&text) {
                        checked += located(&w, &format!("{level}:v1.{minor}")).len();
                    }
                }
            }
        }
    }
    assert!(checked > 4000, "only {checked} paths checked");
}

#[test]
fn template_paths_are_relative_to_the_template() {
    let deployment = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata:
      labels: {app: d}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: nginx
        securityContext:
          privileged: true
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
"#;
    let w = workloads(deployment);
    assert_eq!(
        located(&w[0], "baseline:latest"),
        ["privileged: spec.containers[0].securityContext.privileged @ 18:11"]
    );
}
