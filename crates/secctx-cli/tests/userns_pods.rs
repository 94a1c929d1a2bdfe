//! `hostUsers: false` end to end (root): per-pod host id ranges from the kubelet's pool,
//! id-mapped rootfs and volumes (no chown, no copy of image content), and isolation between
//! user-namespaced pods through a shared hostPath. Pod names start with `uns-` (other tests
//! run at the same time and cgroup paths are per pod name).

mod common;
mod pods_support;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use pods_support::{Env, by_container, text};

fn pod_yaml(name: &str, host_users: bool, sc: &str, command: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\nspec:\n  hostUsers: {host_users}\n  securityContext: {{{sc}}}\n  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sh, -c, {command:?}]\n{extra}"
    )
}

fn run_detached(env: &Env, cmd: &mut Command, name: &str, yaml: &str) {
    let f = env.write(&format!("{name}.yaml"), yaml);
    let o = cmd.arg("run").arg("-d").arg(&f).output().unwrap();
    assert!(o.status.success(), "run {name}: {}", text(&o));
}

fn exec(env: &Env, pod: &str, container: Option<&str>, script: &str) -> std::process::Output {
    let mut c = env.cmd();
    c.args(["exec", pod]);
    if let Some(n) = container {
        c.args(["-c", n]);
    }
    c.args(["--", "sh", "-c", script]).output().unwrap()
}

/// `(host start, size)` of a running pod, as its container sees `/proc/self/uid_map`.
fn uid_map(env: &Env, pod: &str) -> (u64, u64) {
    let o = exec(env, pod, Some("c"), "cat /proc/self/uid_map");
    assert!(o.status.success(), "exec {pod}: {}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    let f: Vec<u64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    assert_eq!(f.len(), 3, "one mapping line: {s}");
    assert_eq!(f[0], 0, "{s}");
    (f[1], f[2])
}

fn disjoint(ranges: &[(u64, u64)]) -> bool {
    let mut v = ranges.to_vec();
    v.sort();
    v.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0)
}

#[test]
fn ten_pods_get_disjoint_ranges_freed_on_rm() {
    let env = Env::new();
    let names: Vec<String> = (0..10).map(|i| format!("uns-ten{i}")).collect();
    for n in &names {
        run_detached(
            &env,
            &mut env.cmd(),
            n,
            &pod_yaml(n, false, "", "sleep 1000", ""),
        );
    }
    let ranges: Vec<(u64, u64)> = names.iter().map(|n| uid_map(&env, n)).collect();
    eprintln!("ten pods: {ranges:?}");
    assert!(
        ranges.iter().all(|(s, l)| *l == 65536 && *s >= 65536),
        "{ranges:?}"
    );
    assert!(disjoint(&ranges), "overlap: {ranges:?}");
    // inspect shows the same mapping.
    let i = env.inspect(&names[3]);
    assert_eq!(
        i["userNamespace"]["uidMap"].as_str(),
        Some(format!("0 {} 65536", ranges[3].0).as_str()),
        "{i}"
    );
    for n in &names {
        env.rm(n);
    }
    // Every range is free again: the next pods get the lowest ones back.
    run_detached(
        &env,
        &mut env.cmd(),
        "uns-again",
        &pod_yaml("uns-again", false, "", "sleep 1000", ""),
    );
    let min = ranges.iter().map(|r| r.0).min().unwrap();
    assert_eq!(uid_map(&env, "uns-again").0, min);
    env.rm("uns-again");
}

#[test]
fn kubelet_subuid_entry_sets_the_pool_and_exhaustion_is_refused() {
    let env = Env::new();
    let sub = env.write("subuid", "root:100000:65536\nkubelet:1310720:131072\n");
    let subg = env.write("subgid", "kubelet:1310720:131072\n");
    let cmd = || {
        let mut c = env.cmd();
        c.env("SECCTX_SUBUID_FILE", &sub)
            .env("SECCTX_SUBGID_FILE", &subg);
        c
    };
    let mut got = Vec::new();
    for n in ["uns-sub0", "uns-sub1"] {
        run_detached(
            &env,
            &mut cmd(),
            n,
            &pod_yaml(n, false, "", "sleep 1000", ""),
        );
        got.push(uid_map(&env, n));
    }
    got.sort();
    assert_eq!(got, [(1310720, 65536), (1376256, 65536)]);
    // The pool holds two ranges: a third pod is refused, and leaves nothing behind.
    let f = env.write(
        "uns-sub2.yaml",
        &pod_yaml("uns-sub2", false, "", "sleep 1000", ""),
    );
    let o = cmd().arg("run").arg("-d").arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("could not find an empty slot to allocate a user namespace")
            && err.contains("1310720-1441791"),
        "{err}"
    );
    assert!(!env.pods().contains(&"uns-sub2".to_string()));
    env.rm("uns-sub0");
    run_detached(
        &env,
        &mut cmd(),
        "uns-sub3",
        &pod_yaml("uns-sub3", false, "", "sleep 1000", ""),
    );
    assert_eq!(uid_map(&env, "uns-sub3"), (1310720, 65536));
}

/// Everything under `dir`: path → (uid, gid, mode, size, mtime).
fn tree(dir: &Path) -> BTreeMap<PathBuf, (u32, u32, u32, u64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).unwrap();
        out.insert(p.clone(), (m.uid(), m.gid(), m.mode(), m.size(), m.mtime()));
        if m.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out
}

#[test]
fn ids_inside_and_volume_owners_match_a_pod_without_user_namespace() {
    let env = Env::new();
    let store_before = tree(&env.store().join("images"));
    let sc = "runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000";
    let script = "id; touch /v/f; stat -c '%u %g' /v/f; cat /proc/self/uid_map; stat -c '%u %g %a' /bin/busybox /etc/passwd";
    let vol =
        "    volumeMounts: [{name: v, mountPath: /v}]\n  volumes:\n  - {name: v, emptyDir: {}}\n";
    let mut seen = BTreeMap::new();
    for (name, host_users) in [("uns-ids-host", true), ("uns-ids-pod", false)] {
        let f = env.write(
            &format!("{name}.yaml"),
            &pod_yaml(name, host_users, sc, script, vol),
        );
        let o = env.run(&f, &[]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o));
        let lines = by_container(&o)["c"].clone();
        // The file on disk, in the pod's emptyDir.
        let disk = env
            .state()
            .join(name)
            .join("kubelet/volumes/kubernetes.io~empty-dir/v/f");
        let m = std::fs::metadata(&disk).unwrap_or_else(|e| panic!("{}: {e}", disk.display()));
        seen.insert(name, (lines, (m.uid(), m.gid())));
    }
    let (host, host_disk) = &seen["uns-ids-host"];
    let (pod, pod_disk) = &seen["uns-ids-pod"];
    assert_eq!(pod[0], host[0], "id inside");
    assert_eq!(pod[0], "uid=1000 gid=3000 groups=2000,3000");
    assert_eq!(pod[1], "1000 2000", "owner inside");
    assert_eq!(*pod_disk, (1000, 2000), "owner on disk");
    assert_eq!(host_disk, pod_disk);
    let map: Vec<&str> = pod[2].split_whitespace().collect();
    assert_eq!(map[0], "0");
    assert_ne!(map[1], "0");
    assert_eq!(map[2], "65536");
    // The image's files show their own owners through the id-mapped rootfs.
    assert_eq!(pod[3..], host[3..], "image owners inside");
    // Nothing in the store changed (no copy, no chown of image content).
    assert_eq!(tree(&env.store().join("images")), store_before);
    // The unpacked rootfs keeps the image's owners (not shifted into the range).
    let busybox = env.state().join("uns-ids-pod/bundles/c/rootfs/bin/busybox");
    let m = std::fs::metadata(&busybox).unwrap();
    assert_eq!((m.uid(), m.gid()), (0, 0), "{}", busybox.display());
}

#[test]
fn root_of_one_pod_cannot_read_another_pods_root_file_through_hostpath() {
    let env = Env::new();
    let shared = env.state().parent().unwrap().join("uns-shared");
    std::fs::create_dir_all(&shared).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let vol = format!(
        "    volumeMounts: [{{name: h, mountPath: /h}}]\n  - name: d\n    image: busybox:1.28\n    command: [sleep, '1000']\n    volumeMounts: [{{name: h, mountPath: /h}}]\n  volumes:\n  - {{name: h, hostPath: {{path: {}}}}}\n",
        shared.display()
    );
    let a = pod_yaml(
        "uns-hp-a",
        false,
        "",
        "umask 077; echo secret > /h/a-secret; sleep 1000",
        &vol,
    );
    run_detached(&env, &mut env.cmd(), "uns-hp-a", &a);
    let b = pod_yaml("uns-hp-b", false, "", "sleep 1000", &vol);
    run_detached(&env, &mut env.cmd(), "uns-hp-b", &b);
    // Wait for the file.
    for _ in 0..100 {
        if shared.join("a-secret").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let m = std::fs::metadata(shared.join("a-secret")).unwrap();
    assert_eq!(m.mode() & 0o777, 0o600);
    let (a_start, _) = uid_map(&env, "uns-hp-a");
    assert_eq!(
        u64::from(m.uid()),
        a_start,
        "owned by pod A's root on the host"
    );
    // Pod B's root: EACCES.
    let o = exec(&env, "uns-hp-b", Some("c"), "id -u; cat /h/a-secret");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(err.contains("Permission denied"), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "0");
    // The other container of pod A: reads it.
    let o = exec(&env, "uns-hp-a", Some("d"), "id -u; cat /h/a-secret");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "0\nsecret\n");
    // The plain hostPath bind is said, not silent.
    let i = env.inspect("uns-hp-b");
    let notes = i["metadata"]["annotations"]["secctx.dev/notes"]
        .as_str()
        .unwrap_or("");
    assert!(
        notes.contains("hostPath volumes (h) are plain binds, not id-mapped"),
        "{notes}"
    );
    env.rm("uns-hp-a");
    env.rm("uns-hp-b");
    let _ = std::fs::remove_dir_all(&shared);
}
