//! The differential matrix (root): 36 security-context combinations, each run with a probe by
//! the embedded executor and by crun (`--runtime /usr/bin/crun`) from the same bundles; the
//! observed `id`, capability sets, no_new_privs, seccomp mode, volume ownership and mounts
//! (`/proc/self/mountinfo`: the root's ro/rw, masked and read-only paths) must equal each other
//! and `secctx explain`'s prediction.

mod common;
mod pods_support;

use std::collections::BTreeMap;

use pods_support::{Env, PROBE, by_container, in_crun_namespace, observed, predicted, text};

const USERS: [Option<i64>; 4] = [None, Some(0), Some(1000), Some(65534)];
const GROUPS: [Option<i64>; 2] = [None, Some(3000)];
const CAPS: [&str; 6] = [
    "",
    "capabilities: {drop: [ALL]}",
    "capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}",
    "capabilities: {add: [SYS_ADMIN]}",
    "capabilities: {add: [NET_ADMIN, SYS_TIME]}",
    "capabilities: {drop: [CHOWN, KILL]}",
];
const APE: [Option<bool>; 3] = [None, Some(false), Some(true)];
const SECCOMP: [&str; 3] = ["", "RuntimeDefault", "Unconfined"];
const IMAGES: [&str; 2] = [
    "busybox:1.28",
    "registry.k8s.io/e2e-test-images/agnhost:2.45",
];

/// Combination `i`: every dimension walks at its own pace so the 36 cover each value of each
/// dimension several times and many pairs.
fn combination(i: usize) -> String {
    let user = USERS[i % 4];
    let group = GROUPS[(i / 2) % 2];
    let supplemental = i.is_multiple_of(3);
    let fs_group = i % 5 < 2;
    let caps = CAPS[i % 6];
    // privileged is left out: this machine's bounding set lacks CAP_SYS_RESOURCE, so no
    // runtime here can give a privileged container every capability (the executor refuses,
    // as it must not silently drop one).
    let privileged = false;
    let ape = if privileged { None } else { APE[i % 3] };
    let seccomp = SECCOMP[(i / 3) % 3];
    let ro = i % 4 == 1;
    let image = IMAGES[(i / 4) % 2];
    let strict = i % 9 == 4;
    let mut pod = String::new();
    let mut csc = String::new();
    if let Some(u) = user {
        pod.push_str(&format!("    runAsUser: {u}\n"));
    }
    if let Some(g) = group {
        pod.push_str(&format!("    runAsGroup: {g}\n"));
    }
    if supplemental {
        pod.push_str("    supplementalGroups: [4000, 5000]\n");
    }
    if fs_group {
        pod.push_str("    fsGroup: 2000\n");
    }
    if strict {
        pod.push_str("    supplementalGroupsPolicy: Strict\n");
    }
    if !seccomp.is_empty() {
        pod.push_str(&format!("    seccompProfile: {{type: {seccomp}}}\n"));
    }
    if !caps.is_empty() {
        csc.push_str(&format!("      {caps}\n"));
    }
    if privileged {
        csc.push_str("      privileged: true\n");
    }
    if let Some(a) = ape {
        csc.push_str(&format!("      allowPrivilegeEscalation: {a}\n"));
    }
    if ro {
        csc.push_str("      readOnlyRootFilesystem: true\n");
    }
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: m{i}}}\nspec:\n  restartPolicy: Never\n  securityContext:\n{pod}{}  containers:\n  - name: c\n    image: {image}\n    volumeMounts: [{{name: v, mountPath: /vol}}]\n    securityContext:\n{csc}{}  volumes:\n  - {{name: v, emptyDir: {{}}}}\n",
        if pod.is_empty() { "    {}\n" } else { "" },
        if csc.is_empty() { "      {}\n" } else { "" },
    )
    .replace("  securityContext:\n    {}\n", "")
    .replace("    securityContext:\n      {}\n", "")
}

/// `drwxrwsrwx root 2000` → `drwxrwsrwx 0 2000`; `ls -ldn` → the same three fields.
fn volume_predicted(root: &str) -> String {
    let f: Vec<&str> = root.split_whitespace().collect();
    let num = |s: &str| {
        if s == "root" {
            "0".to_string()
        } else {
            s.to_string()
        }
    };
    format!("{} {} {}", f[0], num(f[1]), num(f[2]))
}

/// explain's mount prediction: the root's `ro`/`rw`, then the masked and the read-only paths.
/// Runtimes skip a masked or read-only path that does not exist; the container's procfs and
/// sysfs are this kernel's, so a path exists inside exactly when it exists here.
fn mounts_predicted(c: &serde_json::Value) -> String {
    let ro = c["readOnlyRootFilesystem"]["value"].as_bool() == Some(true);
    let list = |key: &str| {
        c[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .filter(|p| std::path::Path::new(p).exists())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "root {} masked [{}] read-only [{}]",
        if ro { "ro" } else { "rw" },
        list("maskedPaths"),
        list("readonlyPaths")
    )
}

/// The same summary from the probe's `/proc/self/mountinfo` lines (mount point is field 5,
/// per-mount options field 6; the last mount on a point wins). `predicted` names the paths to
/// look at, in explain's order.
fn mounts_observed(lines: &[String], predicted: &serde_json::Value) -> String {
    let mut opts: BTreeMap<&str, &str> = BTreeMap::new();
    for l in lines {
        let f: Vec<&str> = l.split(' ').collect();
        if f.len() > 6 && f.contains(&"-") && f[0].parse::<u64>().is_ok() {
            opts.insert(f[4], f[5]);
        }
    }
    let is_ro = |p: &str| opts.get(p).is_some_and(|o| o.split(',').any(|x| x == "ro"));
    let list = |key: &str, want_ro: bool| {
        predicted[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .filter(|p| opts.contains_key(p) && (!want_ro || is_ro(p)))
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        "root {} masked [{}] read-only [{}]",
        if is_ro("/") { "ro" } else { "rw" },
        list("maskedPaths", false),
        list("readonlyPaths", true)
    )
}

fn volume_observed(lines: &[String]) -> String {
    let l = lines
        .iter()
        .find(|l| l.starts_with('d'))
        .cloned()
        .unwrap_or_default();
    let f: Vec<&str> = l.split_whitespace().collect();
    if f.len() < 4 {
        return format!("no ls output in {lines:?}");
    }
    format!("{} {} {}", f[0], f[2], f[3])
}

#[test]
fn matrix_embedded_equals_crun_equals_explain() {
    assert!(
        std::path::Path::new("/usr/bin/crun").exists(),
        "/usr/bin/crun is missing (Debian crun; scripts/lib/packages.sh)"
    );
    let env = Env::new();
    let probe = format!("{PROBE}; ls -ldn /vol; cat /proc/self/mountinfo");
    let mut compared = 0;
    let mut report = Vec::new();
    for i in 0..36 {
        let yaml = combination(i);
        let f = env.write(&format!("m{i}.yaml"), &yaml);
        let explained = env.explain(&f);
        let c = &explained["pods"][0]["containers"][0];
        let mut want = predicted(c);
        want.insert(
            "volume".into(),
            volume_predicted(explained["pods"][0]["volumes"][0]["root"].as_str().unwrap()),
        );
        want.insert("mounts".into(), mounts_predicted(c));
        let name = format!("m{i}");
        let mut seen: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
        for runtime in ["embedded", "crun"] {
            let o = if runtime == "embedded" {
                env.run(&f, &["--command", &probe])
            } else {
                let file = f.to_string_lossy().into_owned();
                in_crun_namespace(
                    &env,
                    &[
                        "run",
                        &file,
                        "--runtime",
                        "/usr/bin/crun",
                        "--command",
                        &probe,
                    ],
                )
            };
            assert_eq!(
                o.status.code(),
                Some(0),
                "m{i} {runtime}\n{yaml}\n{}",
                text(&o)
            );
            let lines = by_container(&o).remove("c").unwrap_or_default();
            let mut got = observed(&lines);
            got.insert("volume".into(), volume_observed(&lines));
            got.insert("mounts".into(), mounts_observed(&lines, c));
            seen.insert(runtime, got);
            let rm = in_crun_namespace(&env, &["rm", &name]);
            assert!(rm.status.success(), "rm m{i}: {}", text(&rm));
        }
        assert_eq!(seen["embedded"], want, "m{i} embedded vs explain\n{yaml}");
        assert_eq!(seen["crun"], want, "m{i} crun vs explain\n{yaml}");
        compared += 1;
        report.push(format!("m{i}: {}", want["id"]));
    }
    assert_eq!(compared, 36);
    println!(
        "{} combinations: embedded = crun = explain\n{}",
        compared,
        report.join("\n")
    );
}
