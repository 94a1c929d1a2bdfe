//! Issue 17, defect 8: `recursiveReadOnly` was dropped, so a submount of a read-only
//! hostPath volume stayed writable. A host directory gets a tmpfs submount; pods mount the
//! directory `readOnly: true` with `recursiveReadOnly: Enabled` / `IfPossible` and try to
//! write into the submount and the top; a pod asking for it without `readOnly` must be
//! refused with the API server's message. The host directory is compared before and after.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Outcome;
use super::rootfs_symlinks::{diff, snapshot};
use crate::pods_support::{Env, text};

fn pod(name: &str, dir: &Path, mount_extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sh, -c, 'touch /h/sub/x 2>&1; touch /h/top 2>&1; echo tried']\n    volumeMounts: [{{name: h, mountPath: /h{mount_extra}}}]\n  volumes:\n  - {{name: h, hostPath: {{path: {}, type: Directory}}}}\n",
        dir.display()
    )
}

/// A host directory with a tmpfs mounted at `sub` (unmounted by [`Drop`]).
struct HostDir(PathBuf);

impl HostDir {
    fn new(name: &str) -> HostDir {
        let dir = PathBuf::from(format!("/tmp/secctx-rro-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "secctx-rro"])
            .arg(dir.join("sub"))
            .output()
            .unwrap();
        assert!(out.status.success(), "mount tmpfs: {out:?}");
        std::fs::write(dir.join("sub/keep"), "submount\n").unwrap();
        HostDir(dir)
    }
}

impl Drop for HostDir {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.0.join("sub"))
            .output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(env: &Env, name: &str, extra: &str, refused_with: Option<&str>) -> Outcome {
    // A fresh host directory per attack, so one attack's leftovers cannot hide another's.
    let host = HostDir::new(name);
    let dir = host.0.as_path();
    let before = snapshot(dir);
    let file = env.write(&format!("{name}.yaml"), &pod(name, dir, extra));
    let out = env.run(&file, &[]);
    let after = snapshot(dir);
    let changed = diff(&before, &after);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let (blocked, why) = match refused_with {
        Some(msg) => (
            changed.is_empty() && out.status.code() == Some(2) && stderr.contains(msg),
            format!("expected refusal containing {msg:?}"),
        ),
        None => (
            changed.is_empty() && String::from_utf8_lossy(&out.stdout).contains("tried"),
            "expected the writes to fail inside the container".to_string(),
        ),
    };
    if refused_with.is_none() {
        let _ = env.cmd().args(["rm", name]).output();
    }
    let detail = if blocked {
        format!(
            "host directory unchanged; {}",
            text(&out).replace('\n', " ")
        )
    } else {
        format!(
            "{why}; changed: [{changed}]; {}",
            text(&out).replace('\n', " ")
        )
    };
    Outcome::new(
        format!(
            "hostPath with a submount mounted{}",
            extra.replace(", ", " ")
        ),
        blocked,
        detail,
    )
}

/// Every attack of the class.
pub fn attempts() -> Vec<Outcome> {
    let env = Env::new();
    vec![
        run(
            &env,
            "rootfs-rro-enabled",
            ", readOnly: true, recursiveReadOnly: Enabled",
            None,
        ),
        run(
            &env,
            "rootfs-rro-ifpossible",
            ", readOnly: true, recursiveReadOnly: IfPossible",
            None,
        ),
        run(
            &env,
            "rootfs-rro-writable",
            ", recursiveReadOnly: Enabled",
            Some(
                "spec.containers[0].volumeMounts.recursiveReadOnly: Forbidden: may only be specified when readOnly is true",
            ),
        ),
    ]
}
