//! Issue 17, defect 11: with `shareProcessNamespace: true` a container sees the pod sandbox's
//! process (PID 1 of the pod) and so its `/proc/1/root` and `/proc/1/exe`. A canary file placed
//! in the host's `/usr/lib` must not be readable through any `/proc/<pid>/root` the container
//! sees, `/proc/1/exe` must not be the host's secctx binary (compared by hash), and chmod
//! 04755 of it must fail.

use std::path::Path;
use std::process::Command;

use super::Outcome;
use crate::pods_support::{Env, text};

/// Removes the canary even when the test panics.
struct Canary(std::path::PathBuf);

impl Drop for Canary {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn sha256(p: &Path) -> String {
    let o = Command::new("sha256sum").arg(p).output().unwrap();
    assert!(o.status.success(), "sha256sum: {}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

pub fn attempts() -> Vec<Outcome> {
    let name = format!("secctx-canary-{}", std::process::id());
    let secret = format!("CANARY-{}-SECRET", std::process::id());
    let canary = Canary(Path::new("/usr/lib").join(&name));
    std::fs::write(&canary.0, &secret).unwrap();
    let host_sha = sha256(Path::new(env!("CARGO_BIN_EXE_secctx")));

    let env = Env::new();
    let script = format!(
        "for r in /proc/[0-9]*/root; do cat $r/usr/lib/{name} 2>/dev/null && echo \" LEAK $r\"; done; \
         echo ROOT1 $(ls /proc/1/root); \
         for e in /proc/[0-9]*/exe; do echo EXE $e $(sha256sum $e 2>/dev/null | cut -d' ' -f1); done; \
         chmod 4755 /proc/1/exe 2>/dev/null && echo CHMOD-OK; \
         echo MODE $(stat -L -c %a /proc/1/exe); echo DONE"
    );
    let yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: secctx-pause-root}}\nspec:\n  shareProcessNamespace: true\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sh, -c, {script:?}]\n"
    );
    let file = env.write("secctx-pause-root.yaml", &yaml);
    let o = env.run(&file, &[]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let _ = env.cmd().args(["rm", "secctx-pause-root"]).output();
    drop(canary);
    if !out.contains("DONE") {
        let d = format!("the probe did not run: {}", text(&o));
        return vec![
            Outcome::new("host canary through /proc/<pid>/root", false, d.clone()),
            Outcome::new("sandbox /proc/1/exe is the secctx binary", false, d),
        ];
    }
    let pid1_exe = out
        .lines()
        .find_map(|l| l.split_once("EXE /proc/1/exe ").map(|(_, h)| h.trim()))
        .unwrap_or("")
        .to_string();
    let root1 = out
        .lines()
        .find_map(|l| l.split_once("ROOT1 ").map(|(_, r)| r.to_string()))
        .unwrap_or_default();
    let mode = out
        .lines()
        .find_map(|l| l.split_once("MODE ").map(|(_, m)| m.trim().to_string()))
        .unwrap_or_default();
    let leaked = out.contains(&secret) || out.contains("LEAK");
    let host_exe = out.lines().any(|l| l.contains(&host_sha));
    vec![
        Outcome::new(
            "host canary through /proc/<pid>/root",
            !leaked && !root1.contains("usr"),
            format!(
                "/proc/1/root holds: {root1}; canary {}",
                if leaked { "READ" } else { "not readable" }
            ),
        ),
        Outcome::new(
            "sandbox /proc/1/exe is the secctx binary, or chmod 04755 of it",
            !host_exe && !pid1_exe.is_empty() && !out.contains("CHMOD-OK") && mode == "555",
            format!(
                "/proc/1/exe sha256 {pid1_exe} (secctx {host_sha}); chmod {}; mode after {mode}",
                if out.contains("CHMOD-OK") {
                    "SUCCEEDED"
                } else {
                    "refused"
                }
            ),
        ),
    ]
}
