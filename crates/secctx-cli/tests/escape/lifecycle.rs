//! State, store and pod lifecycle (issue 17: defects 4, 6, 7, the lifecycle extras, bars 3
//! and 5): another host user walking the state and store while a pod with a secret runs; a
//! runner killed between init's "ready" and its state record; two state directories running
//! the same pod name; a pod directory swapped for a symlink; a forged journal; a seccomp
//! profile that denies `execve`. Each compares the host before and after.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::Outcome;
use crate::pods_support::{Env, text};

pub fn attempts() -> Vec<Outcome> {
    let env = Env::new();
    vec![
        other_users(&env),
        killed_after_init_ready(&env),
        two_state_dirs(&env),
        symlinked_pod_dir(&env),
        forged_journal(&env),
        exec_denied_by_seccomp(&env),
    ]
}

/// Every path under `root` (not following symlinks).
fn walk(root: &Path, out: &mut Vec<PathBuf>) {
    out.push(root.to_path_buf());
    let Ok(meta) = std::fs::symlink_metadata(root) else {
        return;
    };
    if meta.is_dir()
        && let Ok(rd) = std::fs::read_dir(root)
    {
        for e in rd.flatten() {
            walk(&e.path(), out);
        }
    }
}

/// Runs `sh -c script` as uid/gid 65534 with no groups (setpriv, util-linux).
fn as_nobody(script: &str, args: &[PathBuf]) -> std::process::Output {
    assert!(
        Path::new("/usr/bin/setpriv").exists(),
        "/usr/bin/setpriv (util-linux) is needed to act as another user"
    );
    Command::new("/usr/bin/setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            "/bin/sh",
            "-c",
            script,
            "sh",
        ])
        .args(args)
        .output()
        .unwrap()
}

/// An image with a setuid-root busybox and a 0666 `/dev/kmsg` node (as some images ship).
fn hostile_image(env: &Env) -> String {
    let dir = env.state().parent().unwrap().join("hostile-rootfs");
    for d in ["bin", "dev", "etc", "tmp"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", dir.join("bin/busybox")).unwrap();
    for a in ["sh", "sleep", "cat", "true", "id"] {
        let _ = std::os::unix::fs::symlink("busybox", dir.join("bin").join(a));
    }
    std::fs::copy("/bin/busybox", dir.join("bin/suid")).unwrap();
    std::fs::set_permissions(
        dir.join("bin/suid"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    let kmsg = dir.join("dev/kmsg");
    if !kmsg.exists() {
        let st = Command::new("mknod")
            .args(["-m", "0666"])
            .arg(&kmsg)
            .args(["c", "1", "11"])
            .status()
            .unwrap();
        assert!(st.success(), "mknod kmsg");
    }
    std::fs::write(dir.join("etc/passwd"), "root:x:0:0::/:/bin/sh\n").unwrap();
    let o = env
        .cmd()
        .args(["image", "import", "lc-hostile"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "import: {}", text(&o));
    "lc-hostile".into()
}

/// Bar 3: while pods with a secret volume and an env password run (one in the host's user
/// namespace, one with `hostUsers: false`, whose directories are 0710 to the namespace's
/// group), uid 65534 opens nothing under the state and store roots, cannot run the image's
/// setuid file nor write its kmsg node.
fn other_users(env: &Env) -> Outcome {
    let image = hostile_image(env);
    let userns = env.write(
        "lc-secrets-userns.yaml",
        &format!(
            "apiVersion: v1
kind: Secret
metadata: {{name: lc-sec}}
stringData: {{pass: hunter2}}
---
apiVersion: v1
kind: Pod
metadata: {{name: lc-secrets-userns}}
spec:
  restartPolicy: Never
  hostUsers: false
  containers:
  - name: c
    image: {image}
    command: [sleep, '60']
    env: [{{name: PASSWORD, value: hunter2}}]
    volumeMounts: [{{name: s, mountPath: /s}}]
  volumes: [{{name: s, secret: {{secretName: lc-sec}}}}]
"
        ),
    );
    let file = env.write(
        "lc-secrets.yaml",
        &format!(
            "apiVersion: v1
kind: Secret
metadata: {{name: lc-sec}}
stringData: {{pass: hunter2}}
---
apiVersion: v1
kind: Pod
metadata: {{name: lc-secrets}}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: {image}
    command: [sleep, '60']
    env: [{{name: PASSWORD, value: hunter2}}]
    volumeMounts: [{{name: s, mountPath: /s}}]
  volumes: [{{name: s, secret: {{secretName: lc-sec}}}}]
"
        ),
    );
    // The test's own temporary directory is 0700: open it up, so that only the modes
    // secctx gives the state and store roots (and what lies below) stand in the way.
    let top = env.state().parent().unwrap().to_path_buf();
    std::fs::set_permissions(&top, std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in [&file, &userns] {
        let o = env.cmd().args(["run", "-d"]).arg(f).output().unwrap();
        if !o.status.success() {
            return Outcome::new("another user reads state and store", false, text(&o));
        }
    }
    let mut paths = Vec::new();
    walk(&env.state(), &mut paths);
    walk(&env.store(), &mut paths);
    let suid: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.ends_with("bin/suid"))
        .cloned()
        .collect();
    let kmsg: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.ends_with("dev/kmsg"))
        .cloned()
        .collect();
    let secret_seen = paths.iter().any(|p| {
        std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file())
            && std::fs::read(p).is_ok_and(|b| b == b"hunter2")
    });
    // One process opens everything it can: directories by listing, files by reading; the
    // setuid file is executed, the kmsg node written.
    let script = r#"
for p; do
  case "$p" in
    */bin/suid) if [ "$(timeout 5 "$p" id -u 2>/dev/null)" = 0 ]; then echo "EUID0 $p"; fi ;;
    */dev/kmsg) if (echo lc-kmsg-canary > "$p") 2>/dev/null; then echo "WROTE $p"; fi ;;
  esac
  if [ -L "$p" ]; then continue; fi
  if [ -d "$p" ]; then ls "$p" >/dev/null 2>&1 && echo "OPEN $p";
  else cat "$p" >/dev/null 2>&1 && echo "OPEN $p"; fi
done"#;
    let seen = as_nobody(script, &paths);
    let opened = String::from_utf8_lossy(&seen.stdout).into_owned();
    // The walk itself must have run: uid 65534 can reach the roots' parent.
    let reach = as_nobody(
        "ls \"$1\" >/dev/null && echo REACHED",
        std::slice::from_ref(&top),
    );
    let reached = String::from_utf8_lossy(&reach.stdout).contains("REACHED");
    std::fs::set_permissions(&top, std::fs::Permissions::from_mode(0o700)).unwrap();
    let blocked =
        opened.trim().is_empty() && suid.len() == 2 && kmsg.len() == 2 && secret_seen && reached;
    let detail = format!(
        "{} paths walked as uid 65534 (parent reachable: {reached}, secret present: {secret_seen}, setuid files: {}, kmsg nodes: {}); opened: [{}]",
        paths.len(),
        suid.len(),
        kmsg.len(),
        opened.trim().replace('\n', ", ")
    );
    let rm = env
        .cmd()
        .args(["rm", "lc-secrets", "lc-secrets-userns"])
        .output()
        .unwrap();
    Outcome::new(
        "another user walks state and store, runs the setuid file, writes kmsg",
        blocked && rm.status.success(),
        detail,
    )
}

/// Pids whose command line mentions `needle`, or that sit in a cgroup named with it.
fn procs_of(needle: &str) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if pid == std::process::id() as i32 {
            continue;
        }
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        if String::from_utf8_lossy(&cmd).contains(needle) || cg.contains(needle) {
            out.insert(pid);
        }
    }
    out
}

/// Cgroup directories (any controller, at any depth under `secctx/`: a pod's containers nest
/// under its pod cgroup) whose name contains `needle`.
fn cgroups_of(needle: &str) -> BTreeSet<PathBuf> {
    fn walk(dir: &Path, needle: &str, out: &mut BTreeSet<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if e.file_name().to_string_lossy().contains(needle) {
                    out.insert(e.path());
                }
                walk(&e.path(), needle, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for c in std::fs::read_dir("/sys/fs/cgroup").unwrap().flatten() {
        walk(&c.path().join("secctx"), needle, &mut out);
    }
    out
}

fn state_entries(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in [dir.to_path_buf(), dir.join(".containers")] {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                out.insert(e.path().display().to_string());
            }
        }
    }
    out
}

fn wait_stopped(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('T'))
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Defect 6: the runner is stopped after init reported ready, before the container's state
/// is complete (SECCTX_TEST_PAUSE), then killed; `rm` must leave nothing and the same pod
/// must run again.
fn killed_after_init_ready(env: &Env) -> Outcome {
    let name = "lc-crash";
    let file = env.write(
        "lc-crash.yaml",
        &format!(
            "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: Never
  containers:
  - {{name: app, image: 'busybox:1.28', command: [sleep, '60']}}
"
        ),
    );
    let needle = file.display().to_string();
    // The container cgroups are named by the executor ids, `<pod>_<container>`.
    let tag_needle = format!("{name}_");
    let before = (
        procs_of(&needle),
        cgroups_of(&tag_needle),
        state_entries(&env.state()),
    );
    let mut child = env
        .cmd()
        .arg("run")
        .arg(&file)
        .env("SECCTX_TEST_PAUSE", format!("after-init-ready:{name}_app"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stopped = wait_stopped(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let during = (procs_of(&needle), cgroups_of(&tag_needle));
    let rm = env.cmd().args(["rm", name]).output().unwrap();
    let after = (
        procs_of(&needle),
        cgroups_of(&tag_needle),
        state_entries(&env.state()),
    );
    let rerun = env.run(&file, &["--command", "true", "--rm"]);
    let detail = format!(
        "stopped at the step: {stopped}; while killed: {} processes, {} cgroup dirs; rm: {}; left after rm: processes {:?}, cgroups {:?}, state {:?}; rerun exit {:?}",
        during.0.len(),
        during.1.len(),
        rm.status,
        after.0.difference(&before.0).collect::<Vec<_>>(),
        after.1.difference(&before.1).collect::<Vec<_>>(),
        after.2.difference(&before.2).collect::<Vec<_>>(),
        rerun.status.code(),
    );
    let blocked = stopped
        && !during.0.is_empty()
        && !during.1.is_empty()
        && rm.status.success()
        && after == before
        && rerun.status.success();
    Outcome::new(
        "runner killed between init ready and its state record",
        blocked,
        if blocked {
            detail
        } else {
            format!("{detail}\n{}\n{}", text(&rm), text(&rerun))
        },
    )
}

/// Defect 7: the same pod name in two state directories; `rm` in one leaves the other's
/// container running.
fn two_state_dirs(env: &Env) -> Outcome {
    let file = env.write(
        "lc-twin.yaml",
        "apiVersion: v1
kind: Pod
metadata: {name: lc-twin}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: 'busybox:1.28', command: [sleep, '60']}
",
    );
    let other = env.state().parent().unwrap().join("state-b");
    let in_b = |args: &[&str]| {
        env.cmd()
            .env("SECCTX_STATE_DIR", &other)
            .args(args)
            .output()
            .unwrap()
    };
    let f = file.to_string_lossy().into_owned();
    let a = env.cmd().args(["run", "-d", &f]).output().unwrap();
    let b = in_b(&["run", "-d", &f]);
    let pid_b = || {
        let o = in_b(&["inspect", "lc-twin"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        v["status"]["containerStatuses"][0]["state"]["running"].is_object()
    };
    let running_before = pid_b();
    let rm_a = env.cmd().args(["rm", "lc-twin"]).output().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let running_after = pid_b();
    let rm_b = in_b(&["rm", "lc-twin"]);
    let blocked = a.status.success()
        && b.status.success()
        && running_before
        && rm_a.status.success()
        && running_after
        && rm_b.status.success();
    Outcome::new(
        "rm in one state dir kills the same pod name in another",
        blocked,
        format!(
            "B running before rm in A: {running_before}, after: {running_after}\n{}\n{}",
            text(&b),
            text(&rm_a)
        ),
    )
}

/// Extra: a pod directory replaced by a symlink to a host directory; `rm` must not create
/// `lock` (or anything) in the target, and must say why it refuses.
fn symlinked_pod_dir(env: &Env) -> Outcome {
    let canary = env.state().parent().unwrap().join("host-canary-link");
    std::fs::create_dir_all(&canary).unwrap();
    std::fs::write(canary.join("keep"), "x").unwrap();
    // The state root exists once a pod ran; make sure it does.
    std::fs::create_dir_all(env.state()).unwrap();
    let link = env.state().join("lc-link");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&canary, &link).unwrap();
    let list = |d: &Path| -> BTreeSet<String> {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let before = list(&canary);
    let rm = env.cmd().args(["rm", "lc-link"]).output().unwrap();
    let after = list(&canary);
    let _ = std::fs::remove_file(&link);
    let stderr = String::from_utf8_lossy(&rm.stderr).into_owned();
    Outcome::new(
        "rm of a pod directory that is a symlink to a host directory",
        before == after && !rm.status.success() && stderr.contains("symlink"),
        format!(
            "target before {before:?} after {after:?}; {}",
            stderr.trim()
        ),
    )
}

/// Extra: a journal with entries pointing outside the pod (a host directory, a container
/// under another root); `rm` removes the pod but nothing outside, and reports the refusal.
fn forged_journal(env: &Env) -> Outcome {
    let file = env.write(
        "lc-forged.yaml",
        "apiVersion: v1
kind: Pod
metadata: {name: lc-forged}
spec:
  restartPolicy: Never
  containers:
  - {name: app, image: 'busybox:1.28', command: ['true']}
",
    );
    let run = env.run(&file, &[]);
    let canary = env.state().parent().unwrap().join("host-canary-journal");
    std::fs::create_dir_all(canary.join("lc-forged_x")).unwrap();
    std::fs::write(canary.join("lc-forged_x/keep"), "x").unwrap();
    let journal = env.state().join("lc-forged/journal");
    let forged = format!(
        "{}\n{}\n{}\n",
        serde_json::json!({"kind": "dir", "path": canary}),
        serde_json::json!({"kind": "dir", "path": env.state().join("lc-forged/../../host-canary-journal")}),
        serde_json::json!({"kind": "container", "id": "lc-forged_x", "runtime": null, "root": canary}),
    );
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .and_then(|mut f| f.write_all(forged.as_bytes()))
        .unwrap();
    let rm = env.cmd().args(["rm", "lc-forged"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&rm.stderr).into_owned();
    let intact = canary.join("lc-forged_x/keep").is_file();
    let refused = stderr.matches("journal entry refused").count();
    Outcome::new(
        "forged journal entries pointing at host paths",
        run.status.code().is_some() && intact && refused == 3 && !rm.status.success(),
        format!(
            "canary intact: {intact}; refusals reported: {refused}; pod dir gone: {}",
            !env.state().join("lc-forged").exists()
        ),
    )
}

/// Bar 5: a Localhost profile denying every syscall (the Kubernetes tutorial's
/// violation.json): the embedded executor must end the container `StartError`, exit code
/// 128, with a message, as runc + containerd do, and `run` must print it.
fn exec_denied_by_seccomp(env: &Env) -> Outcome {
    let root = env.state().parent().unwrap().join("seccomp");
    std::fs::create_dir_all(root.join("profiles")).unwrap();
    std::fs::write(
        root.join("profiles/violation.json"),
        r#"{"defaultAction": "SCMP_ACT_ERRNO"}"#,
    )
    .unwrap();
    let file = env.write(
        "lc-violation.yaml",
        "apiVersion: v1
kind: Pod
metadata: {name: lc-violation}
spec:
  restartPolicy: Never
  securityContext:
    seccompProfile: {type: Localhost, localhostProfile: profiles/violation.json}
  containers:
  - {name: app, image: 'busybox:1.28', command: ['true']}
",
    );
    let seccomp_root = root.to_string_lossy().into_owned();
    let o = env.run(&file, &["--seccomp-root", &seccomp_root]);
    let status = env.inspect("lc-violation");
    let t = &status["status"]["containerStatuses"][0]["state"]["terminated"];
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let ok = t["reason"] == "StartError"
        && t["exitCode"] == 128
        && t["message"].as_str().is_some_and(|m| !m.is_empty())
        && stderr.contains("StartError");
    let rm = env.cmd().args(["rm", "lc-violation"]).output().unwrap();
    // The same pod through runc (the reference): StartError, 128 as well.
    assert!(
        Path::new("/usr/bin/runc").exists(),
        "/usr/bin/runc is needed to compare the start failure with runc's"
    );
    let _ = env.run(
        &file,
        &[
            "--seccomp-root",
            &seccomp_root,
            "--runtime",
            "/usr/bin/runc",
        ],
    );
    let runc = env.inspect("lc-violation");
    let rt = runc["status"]["containerStatuses"][0]["state"]["terminated"].clone();
    let rm_runc = env.cmd().args(["rm", "lc-violation"]).output().unwrap();
    let same = rt["reason"] == t["reason"] && rt["exitCode"] == t["exitCode"];
    Outcome::new(
        "a seccomp profile that denies execve ends StartError 128 (as with runc)",
        ok && same && rm.status.success() && rm_runc.status.success(),
        format!("embedded: {t}; runc: {rt}; run said: {}", stderr.trim()),
    )
}
