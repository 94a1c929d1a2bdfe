//! Class `subpath`: a pod author and a container process try to make a `subPath` mount land
//! on a host directory (CVE-2017-1002101): a symlink to `/`, an absolute symlink to a host
//! directory, a relative one climbing out of the volume, and a sidecar swapping a directory
//! and a symlink to the host directory as fast as it can while the other containers of the pod
//! are created. Each container that gets a mount writes through it. The host directory (a
//! canary file's content and mode, the directory's listing) and the host's mount table are
//! compared before and after; a mount of the host directory, or any write in it, is an escape.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::Outcome;
use crate::pods_support::{Env, text};

/// Name → (content, mode) of every entry of `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        let content = if meta.is_file() {
            std::fs::read(&p).unwrap()
        } else {
            Vec::new()
        };
        out.insert(
            e.file_name().to_string_lossy().into_owned(),
            (content, meta.permissions().mode()),
        );
    }
    out
}

/// Host mounts whose root or mount point is inside `dir`.
fn mounts_of(dir: &Path) -> Vec<String> {
    let d = dir.display().to_string();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            f.len() > 4 && (f[3].starts_with(&d) || f[4].starts_with(&d))
        })
        .map(str::to_string)
        .collect()
}

/// Runs `yaml` (pod `pod`) and judges it against the host directory `host`: blocked when the
/// directory and the mount table are unchanged and every attacking container was refused with
/// the kubelet's message or wrote only inside the volume.
fn attempt(env: &Env, name: &str, pod: &str, yaml: &str, host: &Path) -> Outcome {
    let before = snapshot(host);
    let f = env.write(&format!("{pod}.yaml"), yaml);
    let o = env.run(&f, &[]);
    // Mounts are still in place until `rm`: look now.
    let mounted = mounts_of(host);
    let status = env.inspect(pod);
    env.rm(pod);
    let after = snapshot(host);
    let mut refused = 0;
    let mut ran = 0;
    let mut other = Vec::new();
    for c in status["status"]["containerStatuses"].as_array().unwrap() {
        let w = &c["state"]["waiting"];
        if w["reason"] == "CreateContainerConfigError"
            && w["message"].as_str().is_some_and(|m| {
                m.starts_with("failed to prepare subPath")
                    || m.starts_with("failed to create subPath")
            })
        {
            refused += 1;
        } else if c["state"]["terminated"].is_object() {
            ran += 1;
        } else {
            other.push(format!("{}: {}", c["name"], c["state"]));
        }
    }
    let unchanged = before == after && mounted.is_empty();
    Outcome::new(
        name,
        unchanged,
        format!(
            "host dir {} ({refused} containers refused, {ran} ran inside the volume, other: {other:?}); mounts of it: {mounted:?}{}",
            if before == after {
                "unchanged"
            } else {
                "CHANGED"
            },
            if unchanged {
                String::new()
            } else {
                format!("\n{}", text(&o))
            }
        ),
    )
}

pub fn attempts() -> Vec<Outcome> {
    let env = Env::new();
    let host = tempfile::Builder::new()
        .prefix("secctx-subpath-canary-")
        .tempdir()
        .unwrap();
    let h = host.path().display().to_string();
    std::fs::write(host.path().join("canary"), b"host data\n").unwrap();
    std::fs::set_permissions(
        host.path().join("canary"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let attacker = |sub: &str, n: usize| {
        (0..n)
            .map(|i| {
                format!(
                    "  - name: b{i}\n    image: busybox:1.28\n    command: [sh, -c, 'echo pwned > /x/canary; echo pwned > /x/planted; chmod 777 /x/canary; true']\n    volumeMounts: [{{name: v, mountPath: /x, subPath: {sub}}}]\n"
                )
            })
            .collect::<String>()
    };
    let planted = |name: &str, plant: &str, sub: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  restartPolicy: Never\n  initContainers:\n  - name: plant\n    image: busybox:1.28\n    command: [sh, -c, '{plant}']\n    volumeMounts: [{{name: v, mountPath: /v}}]\n  containers:\n{}  volumes:\n  - {{name: v, emptyDir: {{}}}}\n",
            attacker(sub, 1)
        )
    };
    let mut out = vec![
        attempt(
            &env,
            "subPath symlink to /",
            "subpath-esc-root",
            &planted("subpath-esc-root", "ln -s / /v/s", &format!("s{h}")),
            host.path(),
        ),
        attempt(
            &env,
            "subPath absolute symlink to a host dir",
            "subpath-esc-abs",
            &planted("subpath-esc-abs", &format!("ln -s {h} /v/s"), "s"),
            host.path(),
        ),
        attempt(
            &env,
            "subPath relative symlink climbing out of the volume",
            "subpath-esc-rel",
            &planted(
                "subpath-esc-rel",
                &format!("ln -s ../../../../../../../../../../..{h} /v/s"),
                "s",
            ),
            host.path(),
        ),
        attempt(
            &env,
            "subPath through a symlinked parent to a missing dir (created on the host?)",
            "subpath-esc-mkdir",
            &planted("subpath-esc-mkdir", &format!("ln -s {h} /v/p"), "p/newdir"),
            host.path(),
        ),
    ];
    // The race: a sidecar flips `swap` between a directory and a symlink to the host
    // directory every 20 ms for 20 s while twelve containers mounting `swap` are created one by one.
    let race = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: subpath-esc-race}}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: swapper\n    image: busybox:1.28\n    command: [sh, -c, 'end=$(($(date +%s)+20)); i=0; mkdir /v/old; while [ $(date +%s) -lt $end ]; do i=$((i+1)); rm -f /v/swap; mkdir /v/swap; usleep 20000; mv /v/swap /v/old/$i; ln -s {h} /v/swap; usleep 20000; done']\n    volumeMounts: [{{name: v, mountPath: /v}}]\n{}  volumes:\n  - {{name: v, emptyDir: {{}}}}\n",
        attacker("swap", 12)
    );
    out.push(attempt(
        &env,
        "subPath symlink swap racing container creation (12 containers)",
        "subpath-esc-race",
        &race,
        host.path(),
    ));
    // The canary directory itself must still hold exactly the canary.
    let left = snapshot(host.path());
    out.push(Outcome::new(
        "host canary after all subPath attacks",
        left.len() == 1 && left["canary"] == (b"host data\n".to_vec(), 0o100644),
        format!("{:?}", left.keys().collect::<Vec<_>>()),
    ));
    out
}
