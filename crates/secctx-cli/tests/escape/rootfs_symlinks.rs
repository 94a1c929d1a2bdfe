//! Issue 17, defects 2 and 3: an image's symlinks steering the executor's host-side writes.
//! Each attack copies the busybox rootfs, plants the links, runs a bundle, and compares a
//! host canary directory (names, types, modes, contents, link targets) and the host's
//! mountinfo lines naming it before and after.
//!
//! * defect 2: `tmp -> /q`, `q -> /tmp` and bind-mount destinations (an emptyDir-like
//!   directory and a terminationMessagePath-like file) under `/tmp/<canary>`: the old
//!   string join gave up after 255 hops and the kernel then followed the loop's last link on
//!   the host, creating both in the canary;
//! * defect 3: `dev -> <canary>`: the `/dev` symlinks and the `ptmx` link were made with
//!   `rootfs.join("dev")`, on the host;
//! * `proc -> <canary>` with sysctls, masked and read-only paths: everything must land in
//!   the container's own proc, inside the rootfs.
//!
//! The helpers here (rootfs copy, canary snapshot) serve the other rootfs classes too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use super::Outcome;
use crate::executor_support::{base_config, bundle, rootfs, run_secctx, text};

/// A private copy of the busybox rootfs (`cp -a`), for attacks that change it.
pub fn rootfs_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("secctx-rootfs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new("cp")
        .arg("-a")
        .arg(rootfs())
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "cp -a: {out:?}");
    dir
}

/// A bundle like [`bundle`] but on the rootfs `root`.
pub fn bundle_on(name: &str, config: &serde_json::Value, root: &Path) -> PathBuf {
    let b = bundle(name, config);
    std::fs::remove_file(b.join("rootfs")).unwrap();
    std::os::unix::fs::symlink(root, b.join("rootfs")).unwrap();
    b
}

/// A host canary directory with a file, a mode-0600 `ptmx` file and `pts/ptmx`.
pub fn canary(name: &str) -> PathBuf {
    let dir = PathBuf::from(format!("/tmp/secctx-canary-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("pts")).unwrap();
    std::fs::write(dir.join("keep"), "canary\n").unwrap();
    std::fs::write(dir.join("ptmx"), "host ptmx\n").unwrap();
    std::fs::write(dir.join("pts/ptmx"), "host pts/ptmx\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("ptmx"), std::fs::Permissions::from_mode(0o600)).unwrap();
    dir
}

/// Everything under `dir` (never following links): path -> type, mode, content or target;
/// and the host mountinfo lines that name `dir`.
pub fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    fn walk(base: &Path, p: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(md) = std::fs::symlink_metadata(p) else {
            return;
        };
        let rel = p.strip_prefix(base).unwrap().display().to_string();
        let kind = if md.file_type().is_symlink() {
            format!("link -> {}", std::fs::read_link(p).unwrap().display())
        } else if md.is_dir() {
            "dir".to_string()
        } else if md.is_file() {
            format!("file {:?}", std::fs::read(p).unwrap_or_default())
        } else {
            format!("special rdev {}", md.rdev())
        };
        out.insert(
            rel,
            format!(
                "{kind} mode {:o} owner {}:{}",
                md.mode(),
                md.uid(),
                md.gid()
            ),
        );
        if md.is_dir() && !md.file_type().is_symlink() {
            for e in std::fs::read_dir(p).unwrap().flatten() {
                walk(base, &e.path(), out);
            }
        }
    }
    walk(dir, dir, &mut out);
    let needle = dir.display().to_string();
    for (i, l) in std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| l.contains(&needle))
        .enumerate()
    {
        out.insert(format!("mountinfo {i}"), l.to_string());
    }
    out
}

/// What changed between two snapshots, in a few words.
pub fn diff(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> String {
    let mut d = Vec::new();
    for (k, v) in after {
        match before.get(k) {
            None => d.push(format!("new {k}: {v}")),
            Some(b) if b != v => d.push(format!("changed {k}: {b} -> {v}")),
            _ => {}
        }
    }
    for k in before.keys().filter(|k| !after.contains_key(*k)) {
        d.push(format!("removed {k}"));
    }
    d.join("; ")
}

/// What a contained run must show: the container ran and printed this, or it was refused
/// with this message.
pub enum Expect {
    /// Exit 0 and this text on stdout.
    Ran(&'static str),
    /// A failure whose output contains this text.
    Refused(&'static str),
}

/// Runs `config` on `root` (bundle and container id `id`) and judges it by the canary:
/// blocked when the canary is unchanged and the run did what `expect` says.
fn attempt(
    id: &str,
    name: &str,
    root: &Path,
    config: &serde_json::Value,
    canary: &Path,
    expect: Expect,
) -> Outcome {
    let before = snapshot(canary);
    let q_before = Path::new("/q").exists();
    let b = bundle_on(id, config, root);
    let out = run_secctx(&b, &format!("rootfs-{id}"));
    let after = snapshot(canary);
    let mut changed = diff(&before, &after);
    if !q_before && Path::new("/q").exists() {
        changed.push_str("; /q created on the host");
    }
    let all = text(&out);
    let as_expected = match expect {
        Expect::Ran(s) => out.status.success() && String::from_utf8_lossy(&out.stdout).contains(s),
        Expect::Refused(s) => !out.status.success() && all.contains(s),
    };
    let blocked = changed.is_empty() && as_expected;
    let detail = format!(
        "{}{}; {}",
        if changed.is_empty() {
            "canary unchanged".to_string()
        } else {
            format!("HOST CHANGED: {changed}")
        },
        if as_expected {
            ""
        } else {
            "; NOT the expected run"
        },
        all.trim().replace('\n', " ")
    );
    let _ = std::fs::remove_dir_all(&b);
    Outcome::new(name, blocked, detail)
}

fn bind(dest: &str, source: &Path) -> serde_json::Value {
    json!({"destination": dest, "type": "bind", "source": source, "options": ["rbind", "rw"]})
}

fn symlink_loop() -> Outcome {
    let canary = canary("loop");
    let root = rootfs_copy("loop");
    std::fs::remove_dir_all(root.join("tmp")).unwrap();
    std::os::unix::fs::symlink("/q", root.join("tmp")).unwrap();
    std::os::unix::fs::symlink("/tmp", root.join("q")).unwrap();
    let vol = tempfile::tempdir().unwrap();
    let term = vol.path().join("termination-log");
    std::fs::write(&term, "").unwrap();
    let src = vol.path().join("empty-dir");
    std::fs::create_dir_all(&src).unwrap();
    let mut c = base_config(&["true"]);
    let under = canary.display().to_string();
    c["mounts"].as_array_mut().unwrap().extend([
        bind(&format!("{under}/vol"), &src),
        bind(&format!("{under}/term"), &term),
    ]);
    let o = attempt(
        "loop",
        "image symlink loop tmp -> /q -> /tmp under an emptyDir mountPath and terminationMessagePath",
        &root,
        &c,
        &canary,
        Expect::Refused("Too many levels of symbolic links"),
    );
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&canary);
    o
}

fn dev_to_host() -> Outcome {
    let canary = canary("dev");
    let root = rootfs_copy("dev");
    std::fs::remove_dir_all(root.join("dev")).unwrap();
    std::os::unix::fs::symlink(&canary, root.join("dev")).unwrap();
    let c = base_config(&[
        "sh",
        "-c",
        "ls /dev/null /dev/ptmx /dev/fd/ >/dev/null && echo RAN",
    ]);
    let o = attempt(
        "dev",
        "image /dev symlink to a host directory",
        &root,
        &c,
        &canary,
        Expect::Ran("RAN"),
    );
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&canary);
    o
}

fn proc_to_host() -> Outcome {
    let canary = canary("proc");
    let root = rootfs_copy("proc");
    std::fs::remove_dir_all(root.join("proc")).unwrap();
    std::os::unix::fs::symlink(&canary, root.join("proc")).unwrap();
    // The sysctl applied, /proc/timer_list masked (empty), /proc/sys read-only.
    let script = "cat /proc/sys/net/ipv4/ip_forward; head -c 16 /proc/timer_list | wc -c; \
                  (echo 0 > /proc/sys/net/ipv4/ip_forward) 2>/dev/null || echo RO";
    let mut c = base_config(&["sh", "-c", script]);
    c["linux"]["sysctl"] = json!({"net.ipv4.ip_forward": "1"});
    let o = attempt(
        "proc",
        "image /proc symlink to a host directory, with sysctls, masked and read-only paths",
        &root,
        &c,
        &canary,
        Expect::Ran("1\n0\nRO"),
    );
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&canary);
    o
}

/// Every attack of the class.
pub fn attempts() -> Vec<Outcome> {
    vec![symlink_loop(), dev_to_host(), proc_to_host()]
}
