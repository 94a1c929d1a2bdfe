//! `secctx run` with `subPath` and `subPathExpr` (defect 9): mounts that used to be dropped
//! now show the sub-path's content inside the container; a sub-path leaving its volume is
//! refused with the kubelet's `CreateContainerConfigError`.

mod common;
mod pods_support;

use pods_support::{Env, by_container, text};

#[test]
fn sub_paths_of_empty_dir_and_config_map_are_mounted() {
    let env = Env::new();
    let f = env.write(
        "subpath-ok.yaml",
        r#"apiVersion: v1
kind: ConfigMap
metadata: {name: subpath-cfg}
data: {app.conf: "listen 8080"}
---
apiVersion: v1
kind: Pod
metadata: {name: subpath-ok}
spec:
  restartPolicy: Never
  initContainers:
  - name: fill
    image: busybox:1.28
    command: [sh, -c, 'mkdir -p /all/work /all/subpath-ok && echo from-work > /all/work/hello && echo from-expr > /all/subpath-ok/who && echo top > /all/top']
    volumeMounts: [{name: data, mountPath: /all}]
  containers:
  - name: c
    image: busybox:1.28
    command: [sh, -c, 'cat /w/hello; cat /who/who; cat /etc/app.conf; echo; ls /w; stat -c "%a" /fresh; echo written > /fresh/f; ls /all 2>&1 | head -1']
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    volumeMounts:
    - {name: data, mountPath: /w, subPath: work}
    - {name: data, mountPath: /who, subPathExpr: $(POD_NAME)}
    - {name: data, mountPath: /fresh, subPath: new/dir}
    - {name: cfg, mountPath: /etc/app.conf, subPath: app.conf}
  volumes:
  - {name: data, emptyDir: {}}
  - {name: cfg, configMap: {name: subpath-cfg}}
"#,
    );
    let o = env.run(&f, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lines = &by_container(&o)["c"];
    assert_eq!(
        lines,
        &[
            "from-work",
            "from-expr",
            "listen 8080",
            "hello",
            // A missing sub-path is created with the volume root's mode (emptyDir: 0777).
            "777",
            "ls: /all: No such file or directory",
        ]
        .map(String::from)
        .to_vec(),
        "{}",
        text(&o)
    );
    // What the container wrote through the created sub-path is in the volume.
    let state = env.state().join("subpath-ok");
    let written = walk_find(&state, "f");
    assert!(
        written
            .iter()
            .any(|p| p.ends_with("empty-dir/data/new/dir/f")),
        "{written:?}"
    );
    env.rm("subpath-ok");
}

fn walk_find(dir: &std::path::Path, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if m.is_dir() {
            out.extend(walk_find(&p, name));
        } else if p.file_name().is_some_and(|n| n == name) {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn sub_paths_leaving_the_volume_are_refused() {
    let env = Env::new();
    let f = env.write(
        "subpath-out.yaml",
        r#"apiVersion: v1
kind: Pod
metadata: {name: subpath-out}
spec:
  restartPolicy: Never
  initContainers:
  - name: plant
    image: busybox:1.28
    command: [sh, -c, 'ln -s / /v/root && ln -s ../../../../../../../../etc /v/up && mkdir /v/d && ln -s /etc /v/d/abs']
    volumeMounts: [{name: v, mountPath: /v}]
  containers:
  - name: root
    image: busybox:1.28
    command: [ls, /x]
    volumeMounts: [{name: v, mountPath: /x, subPath: root}]
  - name: up
    image: busybox:1.28
    command: [ls, /x]
    volumeMounts: [{name: v, mountPath: /x, subPath: up/shadow}]
  - name: abs
    image: busybox:1.28
    command: [ls, /x]
    volumeMounts: [{name: v, mountPath: /x, subPath: d/abs}]
  - name: missing
    image: busybox:1.28
    command: [ls, /x]
    volumeMounts: [{name: v, mountPath: /x, subPathExpr: $(NOPE)}]
  volumes:
  - {name: v, emptyDir: {}}
"#,
    );
    let o = env.run(&f, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let s = env.inspect("subpath-out");
    let waiting = |name: &str| {
        s["status"]["containerStatuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["state"]["waiting"].clone())
            .unwrap()
    };
    for c in ["root", "abs"] {
        assert_eq!(
            waiting(c),
            serde_json::json!({
                "reason": "CreateContainerConfigError",
                "message": format!("failed to prepare subPath for volumeMount \"v\" of container \"{c}\""),
            }),
            "{}",
            text(&o)
        );
    }
    // `up/shadow` resolves through `up`, which leaves the volume: refused before anything is
    // created (the kubelet, too, finds it "existing" on the host and fails to prepare it).
    assert_eq!(
        waiting("up"),
        serde_json::json!({
            "reason": "CreateContainerConfigError",
            "message": "failed to prepare subPath for volumeMount \"v\" of container \"up\"",
        })
    );
    assert_eq!(
        waiting("missing"),
        serde_json::json!({
            "reason": "CreateContainerConfigError",
            "message": "missing value for NOPE",
        })
    );
    assert!(!std::path::Path::new("/etc/shadow/").is_dir());
    env.rm("subpath-out");
}
