//! Bar 3 (executor part): 20 containers at once, a `kill -9` of secctx mid-run followed by
//! `delete --force` leaves nothing behind, and a bad bundle exits 2 and starts nothing.

mod common;
mod executor_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use executor_support::*;
use serde_json::json;

fn secctx(args: &[&str], root: &Path) -> std::process::Output {
    Command::new(secctx_bin())
        .arg("bundle")
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

#[test]
fn twenty_concurrent_containers() {
    let mut children = Vec::new();
    for i in 0..20 {
        let config = base_config(&[
            "sh",
            "-c",
            &format!(
                "hostname; cat /proc/self/cgroup | grep -c c20-{i}; exit {}",
                i % 7
            ),
        ]);
        let mut config = config;
        config["hostname"] = json!(format!("c20-{i}"));
        let b = bundle(&format!("c20-{i}"), &config);
        let child = Command::new(secctx_bin())
            .args(["bundle", "run", "--root"])
            .arg(state_root("lifecycle"))
            .args(["--id", &format!("c20-{i}")])
            .arg(&b)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        children.push((i, child));
    }
    for (i, child) in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(i % 7), "c20-{i}: {}", text(&out));
        assert!(
            stdout.starts_with(&format!("c20-{i}\n")),
            "c20-{i}: {}",
            text(&out)
        );
    }
    let left = std::fs::read_dir(state_root("lifecycle"))
        .map(|d| {
            d.flatten()
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(left, 0, "state directories left behind");
}

#[test]
fn kill_9_then_delete_leaves_nothing() {
    let root = state_root("kill9");
    let config = base_config(&["sleep", "100"]);
    let b = bundle("kill9", &config);
    let mut run = Command::new(secctx_bin())
        .args(["bundle", "run", "--root"])
        .arg(&root)
        .args(["--id", "kill9"])
        .arg(&b)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let state = loop {
        let out = secctx(&["state", "kill9"], &root);
        if out.status.success() {
            let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if s["status"] == "running" {
                break s;
            }
        }
        assert!(Instant::now() < deadline, "container never ran");
        std::thread::sleep(Duration::from_millis(20));
    };
    // kill -9 of secctx mid-run: the container and its monitor survive it.
    run.kill().unwrap();
    let _ = run.wait();
    let pid = state["pid"].as_i64().unwrap();
    let monitor = state["monitorPid"].as_i64().unwrap();
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "container died with secctx"
    );
    let out = secctx(&["delete", "--force", "kill9"], &root);
    assert!(out.status.success(), "{}", text(&out));
    std::thread::sleep(Duration::from_millis(50));
    for p in [pid, monitor] {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default();
        let zombie_or_gone = stat.is_empty() || stat.contains(") Z");
        assert!(zombie_or_gone, "process {p} survived delete: {stat}");
    }
    for dir in state["cgroups"].as_array().unwrap() {
        assert!(
            !Path::new(dir.as_str().unwrap()).exists(),
            "cgroup {dir} left behind"
        );
    }
    assert!(!root.join("kill9").exists(), "state dir left behind");
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let rootfs = rootfs().to_string_lossy().into_owned();
    assert!(
        !mountinfo.contains(&rootfs),
        "a mount of the rootfs leaked to the host"
    );
}

#[test]
fn bad_bundle_exits_2_and_starts_nothing() {
    let root = state_root("bad");
    let b = bundle("bad-json", &json!({}));
    std::fs::write(b.join("config.json"), "{ not json").unwrap();
    let out = secctx(&["run", "--id", "bad-json", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!root.join("bad-json").exists());

    // Hooks are supported (docs/executor.md); a failing prestart hook fails the container
    // before its process runs, and nothing is left.
    let mut config = base_config(&["true"]);
    config["hooks"] = json!({"prestart": [{"path": "/bin/false"}]});
    let b = bundle("bad-hooks", &config);
    let out = secctx(&["run", "--id", "bad-hooks", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("hooks.prestart[0] \"/bin/false\""),
        "{}",
        text(&out)
    );
    assert!(!root.join("bad-hooks").exists());

    let mut config = base_config(&["true"]);
    config["process"]["apparmorProfile"] = json!("runtime/default");
    let b = bundle("bad-apparmor", &config);
    let out = secctx(&["run", "--id", "bad-apparmor", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("AppArmor"),
        "{}",
        text(&out)
    );

    let config = base_config(&["/no/such/binary"]);
    let b = bundle("bad-exe", &config);
    let out = secctx(&["run", "--id", "bad-exe", b.to_str().unwrap()], &root);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!root.join("bad-exe").exists());
}

#[test]
fn create_start_wait_from_separate_processes() {
    let root = state_root("separate");
    let b = bundle("separate", &base_config(&["sh", "-c", "sleep 0.2; exit 3"]));
    // `output()` reads stdout to EOF: create must not leave the monitor holding it.
    let out = secctx(
        &["create", "--detach", "--id", "sep", b.to_str().unwrap()],
        &root,
    );
    assert!(out.status.success(), "{}", text(&out));
    let state = secctx(&["state", "sep"], &root);
    assert!(
        String::from_utf8_lossy(&state.stdout).contains("\"created\""),
        "{}",
        text(&state)
    );
    let out = secctx(&["start", "sep"], &root);
    assert!(out.status.success(), "{}", text(&out));
    let out = secctx(&["wait", "sep"], &root);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let state = secctx(&["state", "sep"], &root);
    assert!(
        String::from_utf8_lossy(&state.stdout).contains("\"stopped\""),
        "{}",
        text(&state)
    );
    let out = secctx(&["delete", "sep"], &root);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!root.join("sep").exists());
}
