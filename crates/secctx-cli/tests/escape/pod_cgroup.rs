//! The pod cgroup (`kubepods/<qos>/pod<uid>`) is named by `metadata.uid`, which a manifest
//! may set. The API server never gives two pods one uid; `secctx run` takes what the manifest
//! says. A second pod claiming a running pod's uid must not write its limits into the first
//! pod's cgroup (here: shrink its memory limit from 512Mi to 8Mi, so the kernel reclaims or
//! OOM-kills the first pod's containers), nor have its containers placed beside them.

use std::path::{Path, PathBuf};

use super::Outcome;
use crate::pods_support::{Env, text};

const UID: &str = "secctx-escape-shared-uid";

fn manifest(name: &str, limit: &str) -> String {
    // Burstable (a request below the limit): Guaranteed would ask for oom_score_adj -997,
    // which this host's runtime cannot set without CAP_SYS_RESOURCE.
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, uid: {UID}}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: app\n    image: busybox:1.28\n    command: [sleep, '300']\n    resources:\n      requests: {{memory: 4Mi}}\n      limits: {{memory: {limit}}}\n"
    )
}

/// The pod cgroup's directories in the memory hierarchy, under any state root's tag.
fn pod_dirs() -> Vec<PathBuf> {
    let base = Path::new("/sys/fs/cgroup/memory/secctx");
    let mut out: Vec<PathBuf> = std::fs::read_dir(base)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join(format!("kubepods/burstable/pod{UID}")))
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn limit(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("memory.limit_in_bytes"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

pub fn attempts() -> Vec<Outcome> {
    let name = "a second pod with a running pod's metadata.uid writes into its pod cgroup";
    let env = Env::new();
    let first = env.write("uid-first.yaml", &manifest("uid-first", "512Mi"));
    let o = env.run(&first, &["-d"]);
    let dirs = pod_dirs();
    let Some(dir) = dirs
        .first()
        .filter(|_| o.status.success() && dirs.len() == 1)
    else {
        return vec![Outcome::new(
            name,
            false,
            format!(
                "the first pod did not run: {} (pod cgroups {dirs:?})",
                text(&o)
            ),
        )];
    };
    let before = limit(dir);
    let second = env.write("uid-second.yaml", &manifest("uid-second", "8Mi"));
    let o2 = env.run(&second, &["-d"]);
    let after = limit(dir);
    let children: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    // `run -d` returns once the runner is detached: the refusal is the pod's status.
    let inspect = env.cmd().args(["inspect", "uid-second"]).output().unwrap();
    let message = serde_json::from_slice::<serde_json::Value>(&inspect.stdout)
        .ok()
        .and_then(|v| v["status"]["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    let refused = !o2.status.success() || message.contains("metadata.uid");
    let mixed = children.iter().any(|c| c.starts_with("uid-second"));
    let _ = env.cmd().args(["rm", "uid-second"]).output();
    let _ = env.cmd().args(["rm", "uid-first"]).output();
    let left = pod_dirs();
    vec![Outcome::new(
        name,
        before == "536870912" && after == before && refused && !mixed && left.is_empty(),
        format!(
            "first pod's memory limit {before} -> {after}; second run: {}; its status: {message:?}; containers in the first pod's cgroup: {children:?}; pod cgroups left after rm: {left:?}",
            text(&o2).trim()
        ),
    )]
}
