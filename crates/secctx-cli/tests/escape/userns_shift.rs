//! Issue 17 defect 5: a layer file owned 4294901760:4294901760 with mode 04755 in a
//! `hostUsers: false` pod. Shifting the rootfs by the pod's offset (65536) wrapped that owner
//! to 0:0, leaving a setuid-root file on the host that an unprivileged host user ran as
//! euid 0. With id-mapped mounts nothing is chowned: the host must gain no setuid 0:0 file,
//! and uid 65534 must not get euid 0 from the file (neither by its host path nor through the
//! container's `/proc/<pid>/root`).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Outcome;
use crate::executor_support::require;
use crate::pods_support::{Env, text};

const OWNER: u32 = 4_294_901_760;

const EUID: &str = r#"
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("euid=%d\n", (int)geteuid()); return 0; }
"#;

/// Setuid files owned by uid 0 under `dir`.
fn setuid_root(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if m.is_file() && m.mode() & 0o4000 != 0 && m.uid() == 0 {
            out.push(p.clone());
        }
        if m.is_dir() {
            for e in std::fs::read_dir(&p).into_iter().flatten().flatten() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Runs `path` as uid/gid 65534 with no groups; its stdout and stderr.
fn as_nobody(path: &Path) -> String {
    let o = Command::new(path).uid(65534).gid(65534).output(); // as root, std drops the supplementary groups when uid is set
    match o {
        Ok(o) => format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => format!("exec: {e}"),
    }
}

/// Builds the image: busybox (for `sh`, `sleep`) plus `/suid`, the euid printer.
fn image(env: &Env, work: &Path) -> Result<(), String> {
    let root = work.join("rootfs");
    for d in ["bin", "proc", "sys", "dev", "etc", "tmp"] {
        std::fs::create_dir_all(root.join(d)).map_err(|e| e.to_string())?;
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).map_err(|e| e.to_string())?;
    for a in ["sh", "sleep", "ls", "cat", "stat"] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(a))
            .map_err(|e| e.to_string())?;
    }
    std::fs::write(work.join("euid.c"), EUID).map_err(|e| e.to_string())?;
    let cc = Command::new("gcc")
        .args(["-static", "-O1", "-o"])
        .arg(root.join("suid"))
        .arg(work.join("euid.c"))
        .output()
        .map_err(|e| e.to_string())?;
    if !cc.status.success() {
        return Err(format!("gcc: {}", String::from_utf8_lossy(&cc.stderr)));
    }
    // chown clears the setuid bit: owner first, then the mode.
    std::os::unix::fs::chown(root.join("suid"), Some(OWNER), Some(OWNER))
        .map_err(|e| e.to_string())?;
    std::fs::set_permissions(root.join("suid"), std::fs::Permissions::from_mode(0o4755))
        .map_err(|e| e.to_string())?;
    let layout = work.join("layout");
    let o = env
        .cmd()
        .args(["image", "build", "--rootfs"])
        .arg(&root)
        .args(["--tag", "uns-wrap:1", "--output"])
        .arg(&layout)
        .output()
        .map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(format!("image build: {}", text(&o)));
    }
    let o = env
        .cmd()
        .args(["image", "import", "uns-wrap:1"])
        .arg(&layout)
        .output()
        .map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(format!("image import: {}", text(&o)));
    }
    Ok(())
}

pub fn attempts() -> Vec<Outcome> {
    require("/usr/bin/gcc", "gcc and libc6-dev build the euid helper");
    let env = Env::new();
    let work = env.state().parent().unwrap().join("uns-wrap");
    std::fs::create_dir_all(&work).unwrap();
    if let Err(e) = image(&env, &work) {
        panic!("building the wrap image: {e}");
    }
    let before = setuid_root(env.state().parent().unwrap());
    let pod = env.write(
        "uns-wrap.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: uns-wrap}\nspec:\n  hostUsers: false\n  containers:\n  - name: c\n    image: uns-wrap:1\n    command: [sh, -c, 'stat -c \"%u %g %a\" /suid; /suid; sleep 1000']\n",
    );
    let o = env.cmd().arg("run").arg("-d").arg(&pod).output().unwrap();
    assert!(o.status.success(), "run: {}", text(&o));
    // Wait until the container has run /suid (its output is in the log).
    let mut inside = String::new();
    for _ in 0..200 {
        let logs = env.cmd().args(["logs", "uns-wrap"]).output().unwrap();
        inside = String::from_utf8_lossy(&logs.stdout)
            .trim()
            .replace('\n', "; ");
        if inside.contains("euid=") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        inside.contains("euid="),
        "the container did not run /suid: {inside}"
    );
    let mut out = Vec::new();

    // 1. No new setuid-root file anywhere under the pod's state and store.
    let after = setuid_root(env.state().parent().unwrap());
    let unpacked = env.state().join("uns-wrap/bundles/c/rootfs/suid");
    let m = std::fs::metadata(&unpacked).unwrap();
    out.push(Outcome::new(
        "userns wrap: no setuid 0:0 file on the host",
        after == before && (m.uid(), m.gid()) == (OWNER, OWNER),
        format!(
            "unpacked /suid on the host: {}:{} {:o}; new setuid-root files: {:?}; inside: {inside}",
            m.uid(),
            m.gid(),
            m.mode() & 0o7777,
            after
                .iter()
                .filter(|p| !before.contains(p))
                .collect::<Vec<_>>()
        ),
    ));

    // 2. uid 65534 runs the unpacked file by its host path (reachable while the state
    //    directory's ancestors are searchable): it keeps the image's owner, never 0.
    let seen = as_nobody(&unpacked);
    out.push(Outcome::new(
        "userns wrap: uid 65534 runs the host copy",
        !seen.contains("euid=0\n") && !seen.contains("euid=0 "),
        seen.trim().to_string(),
    ));

    // 3. uid 65534 runs it through the container's root.
    let mut via_proc = String::from("no container process found");
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if cmdline.starts_with(b"sleep\x001000") {
            let p = e.path().join("root/suid");
            if std::fs::metadata(&p).is_ok() {
                via_proc = as_nobody(&p);
                break;
            }
        }
    }
    out.push(Outcome::new(
        "userns wrap: uid 65534 runs it through /proc/<pid>/root",
        via_proc != "no container process found" && !via_proc.contains("euid=0"),
        via_proc.trim().to_string(),
    ));
    env.rm("uns-wrap");
    let _ = std::fs::remove_dir_all(&work);
    out
}
