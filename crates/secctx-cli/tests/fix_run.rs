//! Bar 3 of `secctx fix` (root): fixes keep pods bootable. Every example pod that runs on this
//! machine, and six more pods whose images run as root, as a named non-root user, as a numeric
//! user, and with volumes the process writes to, are fixed with `fix --level restricted`
//! (given the images, with every opt-in), then must pass `check --level restricted`, run under
//! `secctx run` to exit 0, and show inside (`id`, `/proc/1/status`) what `explain` predicts for
//! the fixed manifest.

mod common;
mod pods_support;

use std::path::{Path, PathBuf};

use common::shared;
use pods_support::{Env, PROBE, by_container, observed, predicted, text};

/// The test images of this file, built from Debian's busybox (as `scripts/build-images` builds
/// the others): (reference, config USER).
const IMAGES: [(&str, &str); 3] = [
    ("fixtest/root:1", ""),
    ("fixtest/named:1", "app"),
    ("fixtest/numeric:1", "1001:1001"),
];

fn build_images(env: &Env) {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("rootfs");
    for d in [
        "bin", "sbin", "usr/bin", "usr/sbin", "tmp", "proc", "sys", "dev", "etc", "root",
        "home/app",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    let list = std::process::Command::new("/bin/busybox")
        .arg("--list-full")
        .output()
        .unwrap();
    for applet in String::from_utf8(list.stdout).unwrap().lines() {
        if applet != "bin/busybox" {
            let _ = std::os::unix::fs::symlink("/bin/busybox", root.join(applet));
        }
    }
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1001:1001:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    .unwrap();
    std::fs::write(
        root.join("etc/group"),
        "root:x:0:\napp:x:1001:\nnogroup:x:65534:\n",
    )
    .unwrap();
    for (reference, user) in IMAGES {
        let out = work.path().join(reference.replace(['/', ':'], "-"));
        let o = env
            .cmd()
            .args(["image", "build", "--rootfs"])
            .arg(&root)
            .args(["--tag", reference, "--user", user, "--cmd", "sh", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "build {reference}: {}", text(&o));
        let o = env
            .cmd()
            .args(["image", "import", reference])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "import {reference}: {}", text(&o));
    }
}

/// `secctx fix FILE --level restricted --allow all --write` with every image of the store.
fn fix(env: &Env, file: &Path) -> String {
    let mut c = env.cmd();
    c.args(["fix"])
        .arg(file)
        .args(["--level", "restricted", "--allow", "all", "--write"]);
    for (name, _) in common::images() {
        c.args(["--image", name]);
    }
    for (name, _) in IMAGES {
        c.args(["--image", name]);
    }
    let o = c.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "fix {}: {}",
        file.display(),
        text(&o)
    );
    let check = env
        .cmd()
        .arg("check")
        .arg(file)
        .args(["--level", "restricted"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "check after fix {}: {}",
        file.display(),
        text(&check)
    );
    String::from_utf8(o.stderr).unwrap()
}

/// explain (with the test images too) for the fixed manifest.
fn explain(env: &Env, file: &Path) -> serde_json::Value {
    let mut c = env.cmd();
    c.arg("explain")
        .arg(file)
        .args(["-o", "json", "--node-from-host"]);
    for (name, _) in common::images() {
        c.args(["--image", name]);
    }
    for (name, _) in IMAGES {
        c.args(["--image", name]);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "explain: {}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Runs the fixed pod (with `command` instead of the containers' own when given): exit 0, and
/// every regular container saw what explain predicts (`keys` of the probe's lines).
fn run_and_compare(env: &Env, file: &Path, probe: bool) {
    let explained = explain(env, file);
    let pod = &explained["pods"][0];
    let o = if probe {
        env.run(file, &["--command", PROBE])
    } else {
        env.run(file, &[])
    };
    assert_eq!(o.status.code(), Some(0), "{}: {}", file.display(), text(&o));
    let seen = by_container(&o);
    for c in pod["containers"].as_array().unwrap() {
        if c["kind"] != "regular" {
            continue;
        }
        let name = c["name"].as_str().unwrap();
        let lines = seen
            .get(name)
            .unwrap_or_else(|| panic!("{}: no output from {name}: {}", file.display(), text(&o)));
        let mut want = predicted(c);
        let got = observed(lines);
        if !probe {
            // The pod's own command prints `id` only.
            want.retain(|k, _| k == "id");
        }
        assert_eq!(got, want, "{}: container {name}", file.display());
    }
    for p in env.pods() {
        env.rm(&p);
    }
}

#[test]
fn example_pods_still_run_after_fix_as_explain_predicts() {
    let env = Env::new();
    build_images(&env);
    let dir = shared().join("examples/pods");
    let mut ran = 0;
    for file in [
        "security-context.yaml",
        "security-context-2.yaml",
        "security-context-3.yaml",
        "security-context-4.yaml",
        "security-context-5.yaml",
        "security-context-6.yaml",
        "fsgroup-change-policy.yaml",
        "readonly-rootfs-drop-all.yaml",
        "proc-mount-unmasked.yaml",
    ] {
        let p: PathBuf = env.write(file, &std::fs::read_to_string(dir.join(file)).unwrap());
        fix(&env, &p);
        run_and_compare(&env, &p, true);
        ran += 1;
    }
    assert_eq!(ran, 9);
}

#[test]
fn six_pods_by_image_user_run_after_fix_as_explain_predicts() {
    let env = Env::new();
    build_images(&env);
    let pod = |name: &str, body: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  restartPolicy: Never\n{body}"
        )
    };
    let cases = [
        // The image runs as root: a non-root user of its /etc/passwd (nobody).
        (
            "root-image",
            pod(
                "root-image",
                "  containers:\n  - name: c\n    image: fixtest/root:1\n    command: [sh, -c, id]\n",
            ),
            "uid=65534",
        ),
        // USER app: the name's uid written as runAsUser (the runAsNonRoot trap).
        (
            "named-user",
            pod(
                "named-user",
                "  containers:\n  - name: c\n    image: fixtest/named:1\n    command: [sh, -c, id]\n",
            ),
            "uid=1001",
        ),
        // USER 1001:1001: runAsNonRoot alone, nothing else about identity changes.
        (
            "numeric-user",
            pod(
                "numeric-user",
                "  containers:\n  - name: c\n    image: fixtest/numeric:1\n    command: [sh, -c, id]\n",
            ),
            "uid=1001",
        ),
        // Root image writing to an emptyDir: non-root uid, fsGroup keeps the volume writable.
        (
            "writes-volume",
            pod(
                "writes-volume",
                "  volumes:\n  - name: data\n    emptyDir: {}\n  containers:\n  - name: c\n    image: fixtest/root:1\n    command: [sh, -c, 'id; echo hello > /data/out && cat /data/out && mkdir /data/d && touch /data/d/f']\n    volumeMounts:\n    - {name: data, mountPath: /data}\n",
            ),
            "uid=65534",
        ),
        // runAsUser: 0 written: the image's non-root user instead.
        (
            "run-as-root",
            pod(
                "run-as-root",
                "  securityContext:\n    runAsUser: 0\n  containers:\n  - name: c\n    image: fixtest/named:1\n    command: [sh, -c, id]\n",
            ),
            "uid=1001",
        ),
        // An init container of a root image fills a volume the named-user container reads.
        (
            "init-and-main",
            pod(
                "init-and-main",
                "  volumes:\n  - name: shared\n    emptyDir: {}\n  initContainers:\n  - name: init\n    image: fixtest/root:1\n    command: [sh, -c, 'echo ready > /shared/state']\n    volumeMounts:\n    - {name: shared, mountPath: /shared}\n  containers:\n  - name: c\n    image: fixtest/named:1\n    command: [sh, -c, 'id; cat /shared/state']\n    volumeMounts:\n    - {name: shared, mountPath: /shared}\n",
            ),
            "uid=1001",
        ),
    ];
    for (name, yaml, uid) in cases {
        let p = env.write(&format!("{name}.yaml"), &yaml);
        let report = fix(&env, &p);
        let fixed = std::fs::read_to_string(&p).unwrap();
        run_and_compare(&env, &p, false);
        let explained = explain(&env, &p);
        let id = explained["pods"][0]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "regular")
            .unwrap()["idLine"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(id.starts_with(uid), "{name}: {id}\n{fixed}\n{report}");
    }
}
