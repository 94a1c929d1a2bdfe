//! OCI hooks run as root on the host (from the bundle's author; pods never give hooks), each
//! with a `timeout`. A timeout must bound the hook: what the hook started must not outlive
//! it (a process left on the host after `delete`), and a hook that never reads the state on
//! its stdin (larger than a pipe's buffer: big annotations) must not hold `create` past it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::Outcome;
use crate::executor_support::{base_config, bundle, secctx_bin};

pub fn attempts() -> Vec<Outcome> {
    let root = std::env::temp_dir().join(format!("secctx-hooks-escape-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let out = vec![child_outlives_timeout(&root), unread_state(&root)];
    let _ = std::fs::remove_dir_all(&root);
    out
}

fn read_pid(p: &Path) -> Option<i32> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim_start().to_string()))
        .is_some_and(|r| !r.starts_with('Z'))
}

/// `secctx runc create` bounded by `limit`: (finished in time, exit success, log).
fn create(root: &Path, id: &str, b: &Path, limit: Duration) -> (bool, bool, String) {
    let log = b.join("runc.log");
    let mut child = Command::new(secctx_bin())
        .arg("runc")
        .arg("--root")
        .arg(root)
        .arg("--log")
        .arg(&log)
        .args(["create", "--bundle"])
        .arg(b)
        .arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = Command::new(secctx_bin())
        .arg("runc")
        .arg("--root")
        .arg(root)
        .args(["delete", "--force", id])
        .stdin(Stdio::null())
        .output();
    (
        status.is_some(),
        status.is_some_and(|s| s.success()),
        std::fs::read_to_string(&log).unwrap_or_default(),
    )
}

fn child_outlives_timeout(root: &Path) -> Outcome {
    let name = "a createRuntime hook's child outlives the hook's timeout";
    let b = bundle("hooks-child", &base_config(&["true"]));
    let pid_file = b.join("child.pid");
    let mut c = base_config(&["true"]);
    c["hooks"] = json!({"createRuntime": [{
        "path": "/bin/sh",
        "args": ["sh", "-c", format!("sleep 600 & echo $! > {}; wait", pid_file.display())],
        "timeout": 1
    }]});
    std::fs::write(b.join("config.json"), serde_json::to_vec(&c).unwrap()).unwrap();
    let (done, ok, log) = create(root, "hooks-child", &b, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(200));
    let child = read_pid(&pid_file);
    let left = child.is_some_and(alive);
    if let Some(p) = child.filter(|_| left) {
        let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
    }
    Outcome::new(
        name,
        done && !ok && child.is_some() && !left && log.contains("timed out"),
        format!(
            "create {}; the hook's child (pid {child:?}) {} after it; {}",
            if ok { "SUCCEEDED" } else { "failed" },
            if left { "STILL RUNS" } else { "is gone" },
            log.trim()
        ),
    )
}

fn unread_state(root: &Path) -> Outcome {
    let name = "a hook that does not read a 256 KiB state on stdin holds create past its timeout";
    let b = bundle("hooks-stdin", &base_config(&["true"]));
    let pid_file = b.join("hook.pid");
    let mut c = base_config(&["true"]);
    c["annotations"] = json!({"big": "x".repeat(256 * 1024)});
    c["hooks"] = json!({"createRuntime": [{
        "path": "/bin/sh",
        "args": ["sh", "-c", format!("echo $$ > {}; exec sleep 600", pid_file.display())],
        "timeout": 1
    }]});
    std::fs::write(b.join("config.json"), serde_json::to_vec(&c).unwrap()).unwrap();
    let started = Instant::now();
    let (done, ok, log) = create(root, "hooks-stdin", &b, Duration::from_secs(20));
    let took = started.elapsed();
    if let Some(p) = read_pid(&pid_file).filter(|p| alive(*p)) {
        let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
    }
    Outcome::new(
        name,
        done && !ok && log.contains("timed out"),
        format!(
            "create {} after {:.1} s; {}",
            if !done {
                "STILL BLOCKED (killed by the test)"
            } else if ok {
                "SUCCEEDED"
            } else {
                "failed"
            },
            took.as_secs_f64(),
            log.trim()
        ),
    )
}
