//! The runc command line (`secctx runc ...`, what containerd's shim drives), attacked where
//! the bundle or the container process decides something the host then acts on:
//!
//! * `exec` into a container that has no mount namespace of its own (a type left out of
//!   `linux.namespaces` is the runtime's): its init is `chroot`ed into the rootfs, and the
//!   exec'd process must be too, not left at the host's `/` where it reads host files;
//! * init's pid reused by a host process: with the shim as reaper no `exit` file is written,
//!   so a container whose init has exited must still read as `stopped`, and `exec`, `kill`
//!   and `delete --force` must not join or signal the host process that now has the pid (the
//!   reuse is forced with `ns_last_pid`; on a busy host pids wrap by themselves);
//! * `--pid-file` in a directory someone else can write: a symlink planted at the name of
//!   the temporary file must not make secctx overwrite its target;
//! * a `create` that fails (the image lacks the binary) for a container without a mount
//!   namespace: the mounts init made on the host under the rootfs must not outlive it;
//! * container ids that are paths (`/`, `..`, a newline, absolute, 129 bytes): nothing may be
//!   created outside the state root;
//! * a bundle joining a pod sandbox's namespaces by `/proc/<pid>/ns/<type>` (as `secctx
//!   run` and containerd's CRI plugin render them) after the sandbox exited and a host
//!   process got its pid: it must not join the host's namespaces;
//! * `--root` naming a directory another user owns and may write (a shared `/tmp` path):
//!   a `state.json` planted there names a host process; `kill` and `delete --force` must
//!   not signal it;
//! * `exec --process` JSON asking for confinement this host cannot apply (an AppArmor
//!   profile): refused as `create` refuses it, never run unconfined.
//!
//! Each compares the host before and after (a canary file, a host process).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::Outcome;
use crate::executor_support::{base_config, bundle, require, secctx_bin};

pub fn attempts() -> Vec<Outcome> {
    require("/bin/busybox", "Debian busybox-static");
    let root = std::env::temp_dir().join(format!("secctx-runc-escape-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let canary = Canary::new("runc");
    let out = vec![
        exec_without_mount_namespace(&root, &canary),
        reused_init_pid(&root, &canary),
        planted_pid_file(&root),
        failed_create_without_mount_namespace(&root),
        hostile_ids(&root),
        exec_process_fields(&root),
        join_reused_sandbox_namespaces(&root),
        planted_state_in_lax_root(&root),
    ];
    let _ = std::fs::remove_dir_all(&root);
    out
}

/// A host file holding a secret, removed on drop.
struct Canary {
    path: PathBuf,
    secret: String,
}

impl Canary {
    fn new(tag: &str) -> Canary {
        let path =
            Path::new("/usr/lib").join(format!("secctx-canary-{tag}-{}", std::process::id()));
        let secret = format!("CANARY-{tag}-{}-SECRET", std::process::id());
        std::fs::write(&path, &secret).unwrap();
        Canary { path, secret }
    }
}

impl Drop for Canary {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `secctx runc --root ROOT ARGS...` with stdin from /dev/null and its output captured.
fn runc(root: &Path, args: &[&str]) -> Output {
    Command::new(secctx_bin())
        .arg("runc")
        .arg("--root")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `runc create` (the container inherits no pipe of ours: its stdio is /dev/null, errors go
/// to the log file), then `start`. Init's pid, or what went wrong.
fn create_and_start(root: &Path, id: &str, bundle: &Path) -> Result<i32, String> {
    let log = bundle.join("runc.log");
    let pid_file = bundle.join("init.pid");
    let status = Command::new(secctx_bin())
        .arg("runc")
        .arg("--root")
        .arg(root)
        .arg("--log")
        .arg(&log)
        .args(["create", "--bundle"])
        .arg(bundle)
        .arg("--pid-file")
        .arg(&pid_file)
        .arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    if !status.success() {
        return Err(format!("create: {status}: {}", log_text()));
    }
    let o = runc(root, &["start", id]);
    if !o.status.success() {
        return Err(format!("start: {}", text(&o)));
    }
    std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| format!("no pid file: {}", log_text()))
}

fn text(o: &Output) -> String {
    format!(
        "exit={:?} {}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The probe every `exec` runs: the canary (if the host's files are visible) and a marker
/// that the process ran at all.
fn probe(canary: &Canary) -> String {
    format!("cat {} 2>/dev/null; echo PROBE-RAN", canary.path.display())
}

fn exec_without_mount_namespace(root: &Path, canary: &Canary) -> Outcome {
    let name = "exec into a container without a mount namespace reads the host's files";
    let mut c = base_config(&["sleep", "600"]);
    // No mount namespace: init is chroot'ed into the rootfs, its mounts made on the host
    // under it (only /proc, so that nothing else is left to clean).
    c["linux"]["namespaces"] = json!([{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}]);
    c["mounts"] = json!([{"destination": "/proc", "type": "proc", "source": "proc"}]);
    c["linux"]["maskedPaths"] = json!([]);
    c["linux"]["readonlyPaths"] = json!([]);
    let b = bundle("runc-nomnt", &c);
    let id = "runc-nomnt";
    if let Err(e) = create_and_start(root, id, &b) {
        let _ = runc(root, &["delete", "--force", id]);
        return Outcome::new(name, false, format!("the container did not start: {e}"));
    }
    let o = runc(root, &["exec", id, "sh", "-c", &probe(canary)]);
    let del = runc(root, &["delete", "--force", id]);
    let out = String::from_utf8_lossy(&o.stdout);
    let leaked = out.contains(&canary.secret);
    Outcome::new(
        name,
        !leaked && out.contains("PROBE-RAN") && del.status.success(),
        format!(
            "exec: {}; the host canary {}; delete: {}",
            text(&o).trim(),
            if leaked {
                "WAS READ"
            } else {
                "was not readable"
            },
            text(&del).trim()
        ),
    )
}

/// Starts a host `sleep` that gets pid `pid` (through `ns_last_pid`), or None after 200 tries.
fn host_process_at(pid: i32) -> Option<std::process::Child> {
    for _ in 0..200 {
        std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string()).ok()?;
        let mut child = Command::new("sleep")
            .arg("600")
            .stdin(Stdio::null())
            .spawn()
            .ok()?;
        if child.id() as i32 == pid {
            return Some(child);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    None
}

fn reused_init_pid(root: &Path, canary: &Canary) -> Outcome {
    let name = "state, exec, kill and delete of a container whose init pid a host process reuses";
    // A short-lived init: once it has exited (and was reaped by whoever reaps orphans here,
    // as the shim would), its pid is free.
    let b = bundle("runc-reuse", &base_config(&["sleep", "1"]));
    let id = "runc-reuse";
    let pid = match create_and_start(root, id, &b) {
        Ok(p) => p,
        Err(e) => {
            let _ = runc(root, &["delete", "--force", id]);
            return Outcome::new(name, false, format!("the container did not start: {e}"));
        }
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let Some(mut host) = host_process_at(pid) else {
        let _ = runc(root, &["delete", "--force", id]);
        return Outcome::new(
            name,
            false,
            format!("could not start a host process at init's old pid {pid} (test setup)"),
        );
    };
    let state = runc(root, &["state", id]);
    let status = serde_json::from_slice::<serde_json::Value>(&state.stdout)
        .ok()
        .and_then(|v| v["status"].as_str().map(str::to_string))
        .unwrap_or_default();
    let exec = runc(root, &["exec", id, "sh", "-c", &probe(canary)]);
    let kill = runc(root, &["kill", id, "KILL"]);
    std::thread::sleep(Duration::from_millis(100));
    let alive_after_kill = host.try_wait().unwrap().is_none();
    let del = runc(root, &["delete", "--force", id]);
    std::thread::sleep(Duration::from_millis(100));
    let alive_after_delete = host.try_wait().unwrap().is_none();
    let _ = host.kill();
    let _ = host.wait();
    let leaked = String::from_utf8_lossy(&exec.stdout).contains(&canary.secret);
    let ran_on_host = String::from_utf8_lossy(&exec.stdout).contains("PROBE-RAN");
    Outcome::new(
        name,
        status == "stopped"
            && !leaked
            && !ran_on_host
            && !exec.status.success()
            && alive_after_kill
            && alive_after_delete
            && del.status.success(),
        format!(
            "host process at pid {pid}: state says {status:?}; exec {} (canary {}); kill {}; host process {} after kill, {} after delete --force ({})",
            text(&exec).trim(),
            if leaked { "READ" } else { "not read" },
            if kill.status.success() {
                "succeeded"
            } else {
                "refused"
            },
            if alive_after_kill { "alive" } else { "KILLED" },
            if alive_after_delete {
                "alive"
            } else {
                "KILLED"
            },
            text(&del).trim()
        ),
    )
}

fn planted_pid_file(root: &Path) -> Outcome {
    let name = "--pid-file in a shared directory with a symlink planted at its temporary name";
    let target = Canary::new("pidfile");
    let b = bundle("runc-pidfile", &base_config(&["sleep", "600"]));
    // The directory of the pid file is writable by others (as /tmp is); they plant a link
    // at every name secctx could use for the temporary file.
    let shared = b.join("shared");
    std::fs::create_dir(&shared).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    for n in ["init.secctx-tmp", "init.pid.tmp", ".init.pid"] {
        std::os::unix::fs::symlink(&target.path, shared.join(n)).unwrap();
    }
    let id = "runc-pidfile";
    let log = b.join("runc.log");
    let status = Command::new(secctx_bin())
        .arg("runc")
        .arg("--root")
        .arg(root)
        .arg("--log")
        .arg(&log)
        .args(["create", "--bundle"])
        .arg(&b)
        .arg("--pid-file")
        .arg(shared.join("init.pid"))
        .arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let del = runc(root, &["delete", "--force", id]);
    let after = std::fs::read_to_string(&target.path).unwrap_or_default();
    let pid_file = std::fs::read_to_string(shared.join("init.pid")).unwrap_or_default();
    let pid_ok = pid_file.trim().parse::<i32>().is_ok_and(|p| p > 0)
        && std::fs::symlink_metadata(shared.join("init.pid")).is_ok_and(|m| m.is_file());
    Outcome::new(
        name,
        after == target.secret && status.success() && pid_ok && del.status.success(),
        format!(
            "create {status}; the link's target now holds {after:?}; the pid file holds {pid_file:?} ({}); delete: {}; {}",
            if pid_ok { "a file" } else { "NOT a plain file" },
            text(&del).trim(),
            std::fs::read_to_string(&log).unwrap_or_default().trim()
        ),
    )
}

/// The host's mount points at or below `dir`.
fn mounts_under(dir: &Path) -> Vec<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| Path::new(p).starts_with(dir))
        .map(str::to_string)
        .collect()
}

fn failed_create_without_mount_namespace(root: &Path) -> Outcome {
    let name =
        "a failed create of a container without a mount namespace leaves its mounts on the host";
    let mut c = base_config(&["/no/such/binary"]);
    c["linux"]["namespaces"] = json!([{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}]);
    c["mounts"] = json!([
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}
    ]);
    c["linux"]["maskedPaths"] = json!([]);
    c["linux"]["readonlyPaths"] = json!([]);
    let b = bundle("runc-nomnt-fail", &c);
    let rootfs = std::fs::canonicalize(b.join("rootfs")).unwrap();
    let before = mounts_under(&rootfs);
    let id = "runc-nomnt-fail";
    let created = create_and_start(root, id, &b);
    let del = runc(root, &["delete", "--force", id]);
    let after = mounts_under(&rootfs);
    // Whatever is left is removed here so that later attempts start clean.
    for m in after.iter().rev() {
        let _ = Command::new("umount").args(["-l", m]).status();
    }
    Outcome::new(
        name,
        created.is_err() && before.is_empty() && after.is_empty() && del.status.success(),
        format!(
            "create: {}; host mounts under the rootfs before {before:?}, after create and delete --force {after:?}",
            match &created {
                Ok(p) => format!("STARTED (pid {p})"),
                Err(e) => format!("refused ({})", e.trim()),
            }
        ),
    )
}

/// Every path under `dir` (not following symlinks).
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            out.extend(tree(&e.path()));
        }
    }
    out.sort();
    out
}

fn hostile_ids(root: &Path) -> Outcome {
    let name = "container ids that are paths (/, .., a newline, absolute, 129 bytes)";
    // The state root lives in a parent the test watches: an id that escapes the root lands
    // in that parent (or at /tmp, named by the absolute id).
    let parent = root
        .parent()
        .unwrap()
        .join(format!("secctx-runc-ids-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir_all(&parent).unwrap();
    let ids_root = parent.join("root");
    let b = bundle("runc-ids", &base_config(&["true"]));
    let abs = format!("/tmp/secctx-runc-abs-id-{}", std::process::id());
    let long = "a".repeat(129);
    let ids = [
        "../escaped".to_string(),
        "a/../../escaped2".to_string(),
        "..".to_string(),
        ".".to_string(),
        abs.clone(),
        "bad\nid".to_string(),
        long,
    ];
    let before = tree(&parent);
    let mut accepted = Vec::new();
    for id in &ids {
        let o = runc(
            &ids_root,
            &["create", "--bundle", b.to_str().unwrap(), id.as_str()],
        );
        if o.status.success() {
            accepted.push(id.clone());
            let _ = runc(&ids_root, &["delete", "--force", id.as_str()]);
        }
    }
    let after = tree(&parent);
    let stray: Vec<&PathBuf> = after
        .iter()
        .filter(|p| !before.contains(p) && !p.starts_with(&ids_root))
        .collect();
    let abs_made = Path::new(&abs).exists();
    let blocked = accepted.is_empty() && stray.is_empty() && !abs_made;
    let detail = format!(
        "accepted: {accepted:?}; new paths outside the state root: {stray:?}; {abs} {}",
        if abs_made { "CREATED" } else { "absent" }
    );
    let _ = std::fs::remove_dir_all(&parent);
    let _ = std::fs::remove_dir_all(&abs);
    Outcome::new(name, blocked, detail)
}

fn exec_process_fields(root: &Path) -> Outcome {
    let name = "exec --process with an AppArmor profile runs the process unconfined";
    let b = bundle("runc-exec-fields", &base_config(&["sleep", "600"]));
    let id = "runc-exec-fields";
    if let Err(e) = create_and_start(root, id, &b) {
        let _ = runc(root, &["delete", "--force", id]);
        return Outcome::new(name, false, format!("the container did not start: {e}"));
    }
    let mut process = base_config(&["sh", "-c", "echo PROBE-RAN"])["process"].clone();
    process["apparmorProfile"] = json!("secctx-escape-profile");
    let file = b.join("process.json");
    std::fs::write(&file, serde_json::to_vec(&process).unwrap()).unwrap();
    let o = runc(root, &["exec", "--process", file.to_str().unwrap(), id]);
    let del = runc(root, &["delete", "--force", id]);
    let ran = String::from_utf8_lossy(&o.stdout).contains("PROBE-RAN");
    let named = String::from_utf8_lossy(&o.stderr).contains("apparmorProfile");
    Outcome::new(
        name,
        !ran && !o.status.success() && named && del.status.success(),
        format!("exec: {}", text(&o).trim()),
    )
}

fn join_reused_sandbox_namespaces(root: &Path) -> Outcome {
    let name = "a container joining an exited sandbox's /proc/<pid>/ns paths after a host process got the pid";
    let sandbox = bundle("runc-sandbox", &base_config(&["sleep", "1"]));
    let sid = "runc-sandbox";
    let pid = match create_and_start(root, sid, &sandbox) {
        Ok(p) => p,
        Err(e) => {
            let _ = runc(root, &["delete", "--force", sid]);
            return Outcome::new(name, false, format!("the sandbox did not start: {e}"));
        }
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let Some(mut host) = host_process_at(pid) else {
        let _ = runc(root, &["delete", "--force", sid]);
        return Outcome::new(
            name,
            false,
            format!("could not start a host process at the sandbox's old pid {pid} (test setup)"),
        );
    };
    let mut c = base_config(&["sleep", "600"]);
    c["linux"]["namespaces"] = json!([
        {"type": "pid"},
        {"type": "mount"},
        {"type": "network", "path": format!("/proc/{pid}/ns/net")},
        {"type": "ipc", "path": format!("/proc/{pid}/ns/ipc")},
        {"type": "uts", "path": format!("/proc/{pid}/ns/uts")}
    ]);
    let app = bundle("runc-app", &c);
    let aid = "runc-app";
    let started = create_and_start(root, aid, &app);
    let ns = |p: &str, n: &str| std::fs::read_link(format!("/proc/{p}/ns/{n}")).ok();
    let shared: Vec<&str> = match &started {
        Ok(app_pid) => ["net", "ipc", "uts"]
            .into_iter()
            .filter(|n| ns(&app_pid.to_string(), n) == ns("self", n))
            .collect(),
        Err(_) => Vec::new(),
    };
    let _ = runc(root, &["delete", "--force", aid]);
    let _ = runc(root, &["delete", "--force", sid]);
    let alive = host.try_wait().unwrap().is_none();
    let _ = host.kill();
    let _ = host.wait();
    Outcome::new(
        name,
        shared.is_empty() && alive,
        format!(
            "host process at pid {pid}; the app container {}; host namespaces joined: {shared:?}",
            match &started {
                Ok(p) => format!("STARTED (pid {p})"),
                Err(e) => format!("was refused ({})", e.trim()),
            }
        ),
    )
}

fn planted_state_in_lax_root(root: &Path) -> Outcome {
    let name = "kill and delete --force with a --root another user planted a state.json in";
    let lax = root.with_file_name(format!("secctx-runc-lax-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&lax);
    std::fs::create_dir_all(lax.join("planted")).unwrap();
    let mut host = Command::new("sleep")
        .arg("600")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let state = json!({
        "ociVersion": "1.0.2", "id": "planted", "status": "running",
        "pid": host.id(), "bundle": "/nonexistent", "cgroups": []
    });
    std::fs::write(
        lax.join("planted/state.json"),
        serde_json::to_vec(&state).unwrap(),
    )
    .unwrap();
    // What another user (65534) could have made: the root, its entry and the file are theirs.
    use std::os::unix::fs::PermissionsExt;
    for p in [
        lax.join("planted/state.json"),
        lax.join("planted"),
        lax.clone(),
    ] {
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
    }
    std::fs::set_permissions(&lax, std::fs::Permissions::from_mode(0o777)).unwrap();
    let kill = runc(&lax, &["kill", "planted", "KILL"]);
    std::thread::sleep(Duration::from_millis(100));
    let alive_after_kill = host.try_wait().unwrap().is_none();
    let del = runc(&lax, &["delete", "--force", "planted"]);
    std::thread::sleep(Duration::from_millis(100));
    let alive_after_delete = host.try_wait().unwrap().is_none();
    let _ = host.kill();
    let _ = host.wait();
    let _ = std::fs::remove_dir_all(&lax);
    Outcome::new(
        name,
        alive_after_kill && alive_after_delete && !kill.status.success() && !del.status.success(),
        format!(
            "host process {} after kill ({}), {} after delete --force ({})",
            if alive_after_kill { "alive" } else { "KILLED" },
            text(&kill).trim(),
            if alive_after_delete {
                "alive"
            } else {
                "KILLED"
            },
            text(&del).trim()
        ),
    )
}
