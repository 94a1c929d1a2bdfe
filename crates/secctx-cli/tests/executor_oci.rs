//! Issue 18, item 1 and 2 on the embedded executor: hooks (order, state on stdin, failure
//! rules), namespaces left out inherited (the mount namespace too), every rootfsPropagation,
//! SELinux labels warned about, capability checks at create, `delete --force` of an unknown
//! id, and the runc command line (`secctx runc`, `secctx-runc`).

mod common;
mod executor_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use executor_support::*;
use serde_json::json;

fn bundle_cmd(args: &[&str], root: &Path) -> Output {
    Command::new(secctx_bin())
        .arg("bundle")
        .args(args)
        .arg("--root")
        .arg(root)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// `bundle_cmd` in a mount namespace of its own whose mounts are shared, so that a slave
/// root has a master to show (the host's "/" here may be private).
fn bundle_cmd_shared(args: &[&str], root: &Path) -> Output {
    Command::new("unshare")
        .args(["-m", "--propagation", "shared"])
        .arg(secctx_bin())
        .arg("bundle")
        .args(args)
        .arg("--root")
        .arg(root)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn runc(args: &[&str], root: &Path) -> Output {
    Command::new(secctx_bin())
        .arg("runc")
        .arg("--root")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn host_hook(name: &str, log: &Path) -> serde_json::Value {
    json!({
        "path": "/bin/sh",
        "args": ["sh", "-c", format!("echo {name} $(cat) >> {}", log.display())]
    })
}

#[test]
fn hooks_run_in_order_with_the_state_on_stdin() {
    let root = state_root("hooks");
    let log = std::env::temp_dir().join(format!("secctx-hooks-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let inside = format!("/tmp/start-{}", std::process::id());
    let mut config = base_config(&["sh", "-c", "echo process >> /tmp/order-$PPID; true"]);
    config["hooks"] = json!({
        "prestart": [host_hook("prestart", &log)],
        "createRuntime": [host_hook("createRuntime", &log)],
        "createContainer": [host_hook("createContainer", &log)],
        // In the container: the path resolves in its root, its /tmp is the rootfs's.
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", format!("cat > {inside}")]}],
        "poststart": [{"path": "/bin/false"}, host_hook("poststart", &log)],
        "poststop": [host_hook("poststop", &log)]
    });
    let b = bundle("hooks", &config);
    let out = bundle_cmd(&["run", "--id", "hooks", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A failing poststart hook only warns, and the next one still runs.
    assert!(
        stderr(&out).contains("warning: hooks.poststart[0] \"/bin/false\""),
        "{}",
        text(&out)
    );
    let lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "prestart",
            "createRuntime",
            "createContainer",
            "poststart",
            "poststop"
        ]
    );
    for (line, status) in lines
        .iter()
        .zip(["created", "created", "created", "running", "stopped"])
    {
        let state: serde_json::Value =
            serde_json::from_str(line.split_once(' ').unwrap().1).unwrap();
        assert_eq!(state["id"], "hooks", "{line}");
        assert_eq!(state["status"], status, "{line}");
        assert_eq!(state["ociVersion"], "1.0.2", "{line}");
        assert_eq!(
            Path::new(state["bundle"].as_str().unwrap()),
            b.canonicalize().unwrap()
        );
        if status != "stopped" {
            assert!(state["pid"].as_i64().unwrap() > 1, "{line}");
        }
    }
    let start = std::fs::read_to_string(rootfs().join(inside.trim_start_matches('/'))).unwrap();
    let state: serde_json::Value = serde_json::from_str(&start).unwrap();
    assert_eq!(state["id"], "hooks");
    assert!(state["pid"].as_i64().unwrap() > 1, "host pid: {start}");

    // A failing startContainer hook fails `start`; the process never runs.
    let mut config = base_config(&["sh", "-c", "touch /tmp/ran-anyway"]);
    config["hooks"] = json!({"startContainer": [{"path": "/bin/false"}]});
    let b = bundle("hooks-fail", &config);
    let out = bundle_cmd(&["run", "--id", "hooks-fail", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("hooks.startContainer[0]"),
        "{}",
        text(&out)
    );
    assert!(!rootfs().join("tmp/ran-anyway").exists());

    // A hook over its timeout is killed and fails create.
    let mut config = base_config(&["true"]);
    config["hooks"] =
        json!({"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]});
    let b = bundle("hooks-timeout", &config);
    let t0 = Instant::now();
    let out = bundle_cmd(
        &["run", "--id", "hooks-timeout", b.to_str().unwrap()],
        &root,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("timed out after 1 s"),
        "{}",
        text(&out)
    );
    assert!(t0.elapsed() < Duration::from_secs(10));
    assert!(!root.join("hooks-timeout").exists());
}

#[test]
fn namespaces_left_out_are_the_runtimes_own() {
    let root = state_root("nsinherit");
    let mut config = base_config(&[
        "sh",
        "-c",
        "for n in cgroup ipc mnt net pid user uts; do readlink /proc/self/ns/$n; done",
    ]);
    config["linux"]["namespaces"] = json!([]);
    config.as_object_mut().unwrap().remove("hostname");
    let b = bundle("nsinherit", &config);
    let out = bundle_cmd(&["run", "--id", "nsinherit", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ours: Vec<String> = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"]
        .iter()
        .map(|n| {
            std::fs::read_link(format!("/proc/self/ns/{n}"))
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    let theirs: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(theirs, ours);
    // Its mounts were made on the host, under the rootfs: delete removed them.
    let rootfs = rootfs().canonicalize().unwrap();
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let left: Vec<&str> = info
        .lines()
        .filter(|l| l.contains(rootfs.to_str().unwrap()))
        .collect();
    assert!(left.is_empty(), "mounts left on the host: {left:#?}");
}

#[test]
fn every_rootfs_propagation_is_applied() {
    let root = state_root("propagation");
    for (value, want) in [
        ("shared", "shared:"),
        ("rshared", "shared:"),
        ("slave", "master:"),
        ("rslave", "master:"),
        ("unbindable", "unbindable"),
        ("runbindable", "unbindable"),
        ("private", ""),
        ("rprivate", ""),
    ] {
        let mut config = base_config(&["awk", "$5 == \"/\"", "/proc/self/mountinfo"]);
        config["linux"]["rootfsPropagation"] = json!(value);
        let id = format!("prop-{value}");
        let b = bundle(&id, &config);
        let out = bundle_cmd_shared(&["run", "--id", &id, b.to_str().unwrap()], &root);
        assert_eq!(out.status.code(), Some(0), "{value}: {}", text(&out));
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        let optional: Vec<&str> = line
            .split(" - ")
            .next()
            .unwrap()
            .split_whitespace()
            .skip(6)
            .collect();
        if want.is_empty() {
            assert!(optional.is_empty(), "{value}: {line}");
        } else {
            assert!(
                optional.iter().any(|o| o.starts_with(want)),
                "{value}: {line}"
            );
        }
    }
    let mut config = base_config(&["true"]);
    config["linux"]["rootfsPropagation"] = json!("sideways");
    let b = bundle("prop-bad", &config);
    let out = bundle_cmd(&["run", "--id", "prop-bad", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("linux.rootfsPropagation \"sideways\""),
        "{}",
        text(&out)
    );
}

#[test]
fn selinux_labels_are_applied_or_reported_as_not_applied() {
    let root = state_root("selinux");
    let mut config = base_config(&["sh", "-c", "cat /proc/self/attr/current 2>/dev/null; true"]);
    config["linux"]["mountLabel"] = json!("system_u:object_r:container_file_t:s0:c1,c2");
    config["process"]["selinuxLabel"] = json!("system_u:system_r:container_t:s0:c1,c2");
    let b = bundle("selinux", &config);
    let out = bundle_cmd(&["run", "--id", "selinux", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    if Path::new("/sys/fs/selinux/enforce").exists() {
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("container_t"),
            "{}",
            text(&out)
        );
    } else {
        for field in ["linux.mountLabel", "process.selinuxLabel"] {
            assert!(
                stderr(&out).contains(&format!("warning: {field}"))
                    && stderr(&out).contains("not applied: SELinux is not enabled in this kernel"),
                "{field}: {}",
                text(&out)
            );
        }
    }
}

#[test]
fn capabilities_are_checked_at_create_naming_the_field() {
    let root = state_root("caps");
    let mut config = base_config(&["true"]);
    config["process"]["capabilities"]["permitted"] = json!(["CAP_CHOWN", "CAP_NOPE"]);
    let b = bundle("caps-unknown", &config);
    let out = bundle_cmd(
        &["create", "--id", "caps-unknown", b.to_str().unwrap()],
        &root,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("process.capabilities.permitted[1]: unknown capability \"CAP_NOPE\""),
        "{}",
        text(&out)
    );
    assert!(!root.join("caps-unknown").exists());

    // A runtime without CAP_SYS_TIME in its bounding set refuses it at create, not in init.
    let mut config = base_config(&["true"]);
    config["process"]["capabilities"]["effective"] = json!(["CAP_CHOWN", "CAP_SYS_TIME"]);
    let b = bundle("caps-bounding", &config);
    let out = Command::new("setpriv")
        .args(["--bounding-set", "-sys_time"])
        .arg(secctx_bin())
        .args(["bundle", "create", "--detach", "--id", "caps-bounding"])
        .arg(&b)
        .arg("--root")
        .arg(&root)
        .output()
        .expect("setpriv (util-linux) is needed");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains(
            "process.capabilities.effective: not in the runtime's own bounding set: CAP_SYS_TIME"
        ),
        "{}",
        text(&out)
    );
    assert!(!root.join("caps-bounding").exists());
}

#[test]
fn delete_force_of_an_unknown_id_succeeds() {
    let root = state_root("unknown");
    let out = bundle_cmd(&["delete", "--force", "no-such"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = runc(&["delete", "--force", "no-such"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = runc(&["delete", "no-such"], &root);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
}

fn wait_status(root: &Path, id: &str, want: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = runc(&["state", id], root);
        assert!(out.status.success(), "{}", text(&out));
        let state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if state["status"] == want {
            return state;
        }
        assert!(Instant::now() < deadline, "never {want}: {state}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn runc_command_line_lifecycle() {
    let root = state_root("runc");
    let b = bundle("runc", &base_config(&["sleep", "300"]));
    let pid_file = b.join("pid");
    let log = b.join("log.json");
    let out = Command::new(secctx_bin())
        .args(["runc", "--root"])
        .arg(&root)
        .arg("--log")
        .arg(&log)
        .args(["--log-format", "json", "create", "--bundle"])
        .arg(&b)
        .arg("--pid-file")
        .arg(&pid_file)
        .arg("c1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(out.success());
    let pid: i32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
    let cg = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    assert!(cg.contains("_c1"), "init is not in its cgroups: {cg}");
    let state = wait_status(&root, "c1", "created");
    assert_eq!(state["pid"], pid);
    assert_eq!(state["id"], "c1");
    assert!(state["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        Path::new(state["rootfs"].as_str().unwrap()),
        b.canonicalize().unwrap().join("rootfs")
    );
    assert!(runc(&["start", "c1"], &root).status.success());
    wait_status(&root, "c1", "running");

    // exec with a process JSON, detached, as containerd's shim does it.
    let process = b.join("process.json");
    std::fs::write(
        &process,
        serde_json::to_vec(&json!({
            "args": ["sleep", "300"], "cwd": "/", "user": {"uid": 1000, "gid": 1000},
            "env": ["PATH=/bin"], "capabilities": {}
        }))
        .unwrap(),
    )
    .unwrap();
    let exec_pid = b.join("exec.pid");
    // The detached process keeps the stdio it was given: not our pipes.
    let out = Command::new(secctx_bin())
        .args(["runc", "--root"])
        .arg(&root)
        .args(["exec", "--process"])
        .arg(&process)
        .args(["--detach", "--pid-file"])
        .arg(&exec_pid)
        .arg("c1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(out.success());
    let epid: i32 = std::fs::read_to_string(&exec_pid).unwrap().parse().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{epid}/status")).unwrap();
    assert!(status.contains("Uid:\t1000\t"), "{status}");
    let ps = runc(&["ps", "--format", "json", "c1"], &root);
    let pids: Vec<i32> = serde_json::from_slice(&ps.stdout).unwrap();
    assert!(
        pids.contains(&pid) && pids.contains(&epid),
        "{pids:?} should hold {pid} and {epid}: {}",
        text(&ps)
    );

    // A running container is not deleted without --force.
    assert!(!runc(&["delete", "c1"], &root).status.success());
    let out = runc(&["kill", "--all", "c1", "KILL"], &root);
    assert!(out.status.success(), "{}", text(&out));
    wait_status(&root, "c1", "stopped");
    assert!(
        !Path::new(&format!("/proc/{epid}/status")).exists() || {
            let s = std::fs::read_to_string(format!("/proc/{epid}/status")).unwrap_or_default();
            s.contains("State:\tZ")
        }
    );
    let out = runc(&["delete", "c1"], &root);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!root.join("c1").exists());

    // Errors go to --log as JSON lines, as the shim reads them.
    let out = Command::new(secctx_bin())
        .args(["runc", "--root"])
        .arg(&root)
        .arg("--log")
        .arg(&log)
        .args(["--log-format", "json", "start", "no-such"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let last = std::fs::read_to_string(&log).unwrap();
    let entry: serde_json::Value = serde_json::from_str(last.lines().last().unwrap()).unwrap();
    assert_eq!(entry["level"], "error");
    assert!(
        entry["msg"].as_str().unwrap().contains("no-such"),
        "{entry}"
    );

    // Refused clearly: systemd cgroups.
    let out = runc(&["--systemd-cgroup", "state", "c1"], &root);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--systemd-cgroup is not supported"),
        "{}",
        text(&out)
    );
}

#[test]
fn secctx_runc_by_argv0_and_features() {
    let dir = std::env::temp_dir().join(format!("secctx-runc-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let link: PathBuf = dir.join("secctx-runc");
    std::os::unix::fs::symlink(secctx_bin(), &link).unwrap();
    let out = Command::new(&link).arg("features").output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(f["ociVersionMin"], "1.0.0");
    assert!(
        f["hooks"]
            .as_array()
            .unwrap()
            .contains(&json!("startContainer"))
    );
    assert!(
        f["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .contains(&json!("mount"))
    );
    assert!(
        f["mountOptions"]
            .as_array()
            .unwrap()
            .contains(&json!("runbindable"))
    );
    let out = Command::new(&link).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("spec: 1.2.1"));
    let out = Command::new(&link).args(["pause", "x"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("pause: not supported"),
        "{}",
        text(&out)
    );
}
