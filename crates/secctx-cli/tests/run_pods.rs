//! `secctx run` end to end (root): every example pod is run with a probe and what the probe
//! reads inside the container (`id`, `/proc/1/status`, volume ownership) must equal what
//! `secctx explain` predicts; refusals, bad input, crash recovery.

mod common;
mod pods_support;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::shared;
use pods_support::{Env, PROBE, by_container, in_crun_namespace, observed, predicted, text};
use serde_json::Value;

fn example(name: &str) -> PathBuf {
    shared().join("examples/pods").join(name)
}

/// Runs an example with the probe; every regular container's observation must equal explain.
fn check_example(env: &Env, file: &str) -> Output {
    let path = example(file);
    let explained = env.explain(&path);
    let pod = &explained["pods"][0];
    let o = env.run(&path, &["--command", PROBE]);
    let seen = by_container(&o);
    for c in pod["containers"].as_array().unwrap() {
        if c["kind"] != "regular" {
            continue;
        }
        let name = c["name"].as_str().unwrap();
        let lines = seen
            .get(name)
            .unwrap_or_else(|| panic!("{file}: no output from {name}: {}", text(&o)));
        assert_eq!(observed(lines), predicted(c), "{file}: container {name}");
    }
    o
}

/// The same pod through crun (`--runtime /usr/bin/crun`, same bundles): the probe must see
/// the same values as with the embedded executor. Leaves no pod behind.
fn check_example_with_crun(env: &Env, file: &str, embedded: &Output) {
    let path = example(file).to_string_lossy().into_owned();
    let o = in_crun_namespace(
        env,
        &[
            "run",
            &path,
            "--runtime",
            "/usr/bin/crun",
            "--command",
            PROBE,
        ],
    );
    assert_eq!(
        by_container(&o),
        by_container(embedded),
        "{file}: crun vs embedded\n{}",
        text(&o)
    );
    for p in env.pods() {
        let rm = in_crun_namespace(env, &["rm", &p]);
        assert!(rm.status.success(), "{}", text(&rm));
    }
}

fn pod_name(file: &str) -> String {
    let text = std::fs::read_to_string(example(file)).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("name: "))
        .unwrap()
        .to_string()
}

#[test]
fn every_example_pod_matches_explain() {
    let env = Env::new();
    let mut ran = 0;
    for file in [
        "security-context.yaml",
        "security-context-2.yaml",
        "security-context-3.yaml",
        "security-context-4.yaml",
        "security-context-5.yaml",
        "security-context-6.yaml",
        "fsgroup-change-policy.yaml",
        "readonly-rootfs-drop-all.yaml",
        "proc-mount-unmasked.yaml",
    ] {
        let o = check_example(&env, file);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", text(&o));
        let name = env.pods().into_iter().next().unwrap();
        let status = env.inspect(&name);
        assert_eq!(status["status"]["phase"], "Succeeded", "{file}");
        let explained = env.explain(&example(file));
        let c0 = explained["pods"][0]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "regular")
            .unwrap()
            .clone();
        assert_eq!(
            status["status"]["containerStatuses"][0]["user"]["linux"], c0["statusUser"],
            "{file}: user.linux"
        );
        env.rm(&name);
        check_example_with_crun(&env, file, &o);
        ran += 1;
    }
    assert_eq!(ran, 9);
    let _ = pod_name("security-context.yaml");
}

#[test]
fn apparmor_pod_is_rejected_like_the_kubelet_on_this_kernel() {
    let env = Env::new();
    assert!(
        !Path::new("/sys/kernel/security/apparmor").exists(),
        "this test expects a kernel without AppArmor"
    );
    let o = env.run(
        &example("seccomp-apparmor-selinux.yaml"),
        &["--command", PROBE],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(by_container(&o).is_empty(), "nothing ran: {}", text(&o));
    let s = env.inspect("profiles-demo");
    assert_eq!(s["status"]["phase"], "Failed");
    assert_eq!(s["status"]["reason"], "AppArmor");
    assert_eq!(
        s["status"]["message"],
        "Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host"
    );
    let explained = env.explain(&example("seccomp-apparmor-selinux.yaml"));
    assert_eq!(
        explained["pods"][0]["rejections"][0]["message"],
        "Cannot enforce AppArmor: AppArmor is not enabled on the host"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("not enforced: SELinux"));
}

#[test]
fn fsgroup_volume_ownership_is_observed() {
    let env = Env::new();
    let o = env.run(
        &example("security-context.yaml"),
        &[
            "--rm",
            "--command",
            "ls -ldn /data/demo; touch /data/demo/f; ls -ln /data/demo/f",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(env.pods().is_empty(), "--rm removed the pod");
    let lines = &by_container(&o)["sec-ctx-demo"];
    assert!(lines[0].starts_with("drwxrwsrwx "), "{lines:?}");
    let f: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!((f[2], f[3]), ("0", "2000"), "{lines:?}");
    let f: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!((f[2], f[3]), ("1000", "2000"), "{lines:?}");
    let explained = env.explain(&example("security-context.yaml"));
    assert_eq!(
        explained["pods"][0]["volumes"][0]["root"],
        "drwxrwsrwx root 2000"
    );
}

#[test]
fn run_as_non_root_refusal_is_create_container_config_error() {
    let env = Env::new();
    let f = env.write(
        "nonroot.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: nonroot}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n  - {name: c, image: busybox:1.28, command: [id]}\n",
    );
    let o = env.run(&f, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let s = env.inspect("nonroot");
    let uid = s["metadata"]["uid"].as_str().unwrap();
    assert_eq!(s["status"]["phase"], "Pending");
    let w = &s["status"]["containerStatuses"][0]["state"]["waiting"];
    assert_eq!(w["reason"], "CreateContainerConfigError");
    assert_eq!(
        w["message"],
        format!(
            "container has runAsNonRoot and image will run as root (pod: \"nonroot_default({uid})\", container: c)"
        )
    );
    // Nothing was created: no container in the executor's state.
    let containers = env.state().join(".containers");
    let n = std::fs::read_dir(&containers)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(n, 0, "no container may exist");
}

#[test]
fn bad_pod_file_exits_2_and_starts_nothing() {
    let env = Env::new();
    for (name, yaml) in [
        (
            "bad-yaml.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
        ),
        (
            "bad-field.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: c, image: busybox:1.28, securityContext: {runAsUser: nope}}\n",
        ),
        (
            "invalid.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  securityContext: {runAsUser: -1}\n  containers:\n  - {name: c, image: busybox:1.28}\n",
        ),
        (
            "no-image.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - {name: c, image: nowhere:1}\n",
        ),
    ] {
        let f = env.write(name, yaml);
        let o = env.run(&f, &[]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        assert!(env.pods().is_empty(), "{name}: a pod was created");
    }
}

fn mounts_under(dir: &Path) -> Vec<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(&*dir.to_string_lossy()))
        .map(String::from)
        .collect()
}

fn container_pids(env: &Env) -> Vec<i32> {
    let root = env.state().join(".containers");
    let mut pids = Vec::new();
    for e in std::fs::read_dir(root).unwrap().flatten() {
        if let Ok(t) = std::fs::read(e.path().join("state.json")) {
            let v: Value = serde_json::from_slice(&t).unwrap();
            pids.push(v["pid"].as_i64().unwrap() as i32);
        }
    }
    pids
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit_once(')').unwrap().1.trim_start().starts_with('Z'))
        .unwrap_or(false)
}

#[test]
fn kill_9_mid_run_then_rm_leaves_nothing() {
    let env = Env::new();
    let f = env.write(
        "long.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: long}\nspec:\n  securityContext: {fsGroup: 2000}\n  initContainers:\n  - {name: init, image: busybox:1.28, command: [sh, -c, 'echo init > /mem/x'], volumeMounts: [{name: mem, mountPath: /mem}]}\n  containers:\n  - name: a\n    image: busybox:1.28\n    command: [sh, -c, 'sleep 1000 & sleep 1000']\n    volumeMounts: [{name: mem, mountPath: /mem}, {name: disk, mountPath: /disk}]\n  - {name: b, image: busybox:1.28, command: [sleep, '1000']}\n  volumes:\n  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 16Mi}}\n  - {name: disk, emptyDir: {}}\n",
    );
    let mut child = env
        .cmd()
        .arg("run")
        .arg(&f)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until both containers run.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let s = std::fs::read(env.state().join("long/status.json"))
            .ok()
            .and_then(|t| serde_json::from_slice::<Value>(&t).ok());
        if s.as_ref().is_some_and(|s| s["phase"] == "Running") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "pod never ran: {s:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !mounts_under(&env.state()).is_empty(),
        "the tmpfs is mounted"
    );
    // The init container has exited; the sandbox and the two containers run.
    let pids: Vec<i32> = container_pids(&env)
        .into_iter()
        .filter(|p| alive(*p))
        .collect();
    assert_eq!(pids.len(), 3, "sandbox and two containers: {pids:?}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(pids.iter().all(|p| alive(*p)), "containers outlive secctx");
    env.rm("long");
    assert_eq!(mounts_under(&env.state()), Vec::<String>::new());
    let left: Vec<i32> = pids.into_iter().filter(|p| alive(*p)).collect();
    assert!(left.is_empty(), "processes left: {left:?}");
    assert!(env.pods().is_empty());
}

#[test]
fn detached_pod_exec_logs_and_status() {
    let env = Env::new();
    let f = env.write(
        "web.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  shareProcessNamespace: true\n  securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000]}\n  initContainers:\n  - {name: setup, image: busybox:1.28, command: [sh, -c, 'echo from init']}\n  containers:\n  - name: app\n    image: busybox:1.28\n    command: [sh, -c, 'echo hello; echo oops >&2; exec sleep 1000']\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL]}\n      seccompProfile: {type: RuntimeDefault}\n  - {name: side, image: busybox:1.28, command: [sleep, '1000']}\n",
    );
    // A node option must reach the detached runner: with seccompDefault the side container,
    // which names no profile, runs under RuntimeDefault (Seccomp 2 rather than 0).
    let o = env.run(&f, &["-d", "--seccomp-default"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "web");
    let o = env
        .cmd()
        .args([
            "exec",
            "web",
            "-c",
            "side",
            "--",
            "grep",
            "^Seccomp:",
            "/proc/self/status",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "Seccomp:\t2\n",
        "{}",
        text(&o)
    );
    let o = env
        .cmd()
        .args(["exec", "web", "-c", "app", "--", "sh", "-c"])
        .arg("id; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; ps -o comm")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("uid=1000 gid=3000 groups=3000,4000"), "{out}");
    assert!(out.contains("CapEff:\t0000000000000000"), "{out}");
    assert!(out.contains("NoNewPrivs:\t1"), "{out}");
    assert!(out.contains("Seccomp:\t2"), "{out}");
    // shareProcessNamespace: the other container's sleep is visible.
    assert!(out.matches("sleep").count() >= 2, "{out}");
    // The exec'd process is confined too: unshare is blocked by RuntimeDefault.
    let o = env
        .cmd()
        .args(["exec", "web", "-c", "app", "--", "unshare", "-U", "true"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    let logs = env
        .cmd()
        .args(["logs", "web", "-c", "app"])
        .output()
        .unwrap();
    let logs = String::from_utf8_lossy(&logs.stdout).to_string();
    assert!(
        logs.contains("hello\n") && logs.contains("oops\n"),
        "{logs}"
    );
    let raw = env
        .cmd()
        .args(["logs", "web", "-c", "setup", "--raw"])
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&raw.stdout).to_string();
    assert!(raw.contains(" stdout F from init"), "{raw}");
    let o = env.cmd().args(["logs", "web"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(
            "a container name must be specified for pod web, choose one of: [setup app side]"
        ),
        "{}",
        text(&o)
    );
    let s = env.inspect("web");
    assert_eq!(s["status"]["phase"], "Running");
    assert_eq!(
        s["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert!(s["status"]["containerStatuses"][0]["state"]["running"]["startedAt"].is_string());
    let ps = env.cmd().arg("ps").output().unwrap();
    assert!(String::from_utf8_lossy(&ps.stdout).contains("web"));
    env.rm("web");
    assert!(env.pods().is_empty());
}

#[test]
fn unmasked_proc_in_a_user_namespace_has_no_masked_paths() {
    let env = Env::new();
    let o = env.run(
        &example("proc-mount-unmasked.yaml"),
        &[
            "--command",
            "cat /proc/self/uid_map; grep -c ' /proc/' /proc/self/mountinfo || true",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lines = &by_container(&o)["nested"];
    let map: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(map, ["0", "65536", "65536"], "{lines:?}");
    assert_eq!(lines[1], "0", "no mounts over /proc paths: {lines:?}");
    let explained = env.explain(&example("proc-mount-unmasked.yaml"));
    let c = &explained["pods"][0]["containers"][0];
    assert_eq!(c["maskedPaths"], serde_json::json!([]));
    assert_eq!(c["readonlyPaths"], serde_json::json!([]));
}

#[test]
fn twenty_pods_run_concurrently_without_interfering() {
    let env = Env::new();
    let mut children = Vec::new();
    for i in 0..20 {
        let f = env.write(
            &format!("c{i}.yaml"),
            &format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: c{i}}}\nspec:\n  securityContext: {{runAsUser: {}, fsGroup: {}}}\n  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sh, -c, 'echo c{i} > /v/me; sleep 1000']\n    volumeMounts: [{{name: v, mountPath: /v}}]\n  volumes:\n  - {{name: v, emptyDir: {{}}}}\n",
                1000 + i,
                5000 + i
            ),
        );
        children.push(env.cmd().arg("run").arg("-d").arg(&f).output_async());
    }
    for (i, c) in children.into_iter().enumerate() {
        let o = c.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "c{i}: {}", text(&o));
    }
    for i in 0..20 {
        let o = env
            .cmd()
            .args([
                "exec",
                &format!("c{i}"),
                "--",
                "sh",
                "-c",
                "id -u; stat -c %g /v; cat /v/me",
            ])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            format!("{}\n{}\nc{i}\n", 1000 + i, 5000 + i),
            "c{i}: {}",
            text(&o)
        );
    }
    let names: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
    let o = env.cmd().arg("rm").args(&names).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(env.pods().is_empty());
}

trait Spawn {
    fn output_async(&mut self) -> std::process::Child;
}

impl Spawn for std::process::Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

#[test]
fn projected_volumes_and_env_from_objects_in_the_input() {
    let env = Env::new();
    let f = env.write(
        "proj.yaml",
        r#"apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "alpha", b: "beta"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {pass: hunter2}
---
apiVersion: v1
kind: Pod
metadata: {name: proj, labels: {app: web}}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 1000, fsGroup: 2000}
  containers:
  - name: c
    image: busybox:1.28
    command: [sh, -c, 'cat /cm/a; echo; stat -c "%a %g" /cm/..data/a /cm/dir/bee /s/..data/pass; cat /d/labels; echo; echo "$X $P"; readlink /cm/a']
    env:
    - {name: X, valueFrom: {configMapKeyRef: {name: cfg, key: b}}}
    - {name: P, valueFrom: {secretKeyRef: {name: sec, key: pass}}}
    volumeMounts:
    - {name: cm, mountPath: /cm}
    - {name: s, mountPath: /s}
    - {name: d, mountPath: /d}
  volumes:
  - {name: cm, configMap: {name: cfg, defaultMode: 0400, items: [{key: a, path: a}, {key: b, path: dir/bee, mode: 0600}]}}
  - {name: s, secret: {secretName: sec}}
  - {name: d, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
"#,
    );
    let o = env.run(&f, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lines = &by_container(&o)["c"];
    assert_eq!(
        lines,
        &[
            "alpha",
            "440 2000",
            "640 2000",
            "644 2000",
            "app=\"web\"",
            "beta hunter2",
            "..data/a"
        ]
        .map(String::from)
        .to_vec(),
        "{}",
        text(&o)
    );
    env.rm("proj");
    let f = env.write(
        "missing.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: missing}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.28\n    env: [{name: X, valueFrom: {configMapKeyRef: {name: nope, key: k}}}]\n",
    );
    let o = env.run(&f, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let s = env.inspect("missing");
    assert_eq!(
        s["status"]["containerStatuses"][0]["state"]["waiting"],
        serde_json::json!({"reason": "CreateContainerConfigError", "message": "configmap \"nope\" not found"})
    );
}

#[test]
fn sysctls_unsafe_rejected_safe_applied_in_the_pod_namespaces() {
    let env = Env::new();
    let f = env.write(
        "unsafe.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: unsafe}\nspec:\n  securityContext:\n    sysctls: [{name: kernel.msgmax, value: '65536'}]\n  containers:\n  - {name: c, image: busybox:1.28, command: ['true']}\n",
    );
    let o = env.run(&f, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let s = env.inspect("unsafe");
    assert_eq!(s["status"]["phase"], "Failed");
    assert_eq!(s["status"]["reason"], "SysctlForbidden");
    assert_eq!(
        s["status"]["message"],
        "Pod was rejected: forbidden sysctl: \"kernel.msgmax\" not allowlisted"
    );
    let f = env.write(
        "safe.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: safe}\nspec:\n  securityContext:\n    sysctls: [{name: net.ipv4.tcp_syncookies, value: '0'}]\n  containers:\n  - {name: a, image: busybox:1.28, command: [sh, -c, 'cat /proc/sys/net/ipv4/tcp_syncookies /proc/sys/net/ipv4/ip_unprivileged_port_start; hostname']}\n",
    );
    let o = env.run(&f, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        by_container(&o)["a"],
        ["0", "0", "safe"].map(String::from).to_vec(),
        "{}",
        text(&o)
    );
}
