//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `../shared` next to the repository; under `CI=true` its absence is a failure, and outside
/// CI too (a test that needs it must not pass silently).
pub fn shared() -> PathBuf {
    let p = repo().join("../shared");
    assert!(
        p.is_dir(),
        "../shared (the reference material beside the repository) is missing at {}; the tests compare against it",
        p.display()
    );
    p
}

/// The secctx binary under test.
pub fn secctx() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secctx"));
    c.current_dir(repo());
    c
}

/// Runs `cmd` with `text` on its standard input and its output captured.
pub fn with_stdin(cmd: &mut Command, text: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `sh -c SCRIPT` (extra arguments become `$0`, `$1`...) in a private mount namespace without
/// the hybrid cgroup2 mount: crun on this cgroup v1 host refuses to run while
/// /sys/fs/cgroup/unified is mounted, so every test that runs crun (and secctx beside it, so both
/// see the same host mounts) runs this way. The caller sets stdio, env and arguments.
pub fn without_cgroup2_mount(script: &str) -> Command {
    let mut c = Command::new("unshare");
    c.args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "umount /sys/fs/cgroup/unified 2>/dev/null; {script}"
        ));
    c
}

/// The example images, built once per test process from busybox-static into
/// `target/test-images` (relative to the repository, so outputs are stable).
pub fn images() -> &'static [(String, String)] {
    static IMAGES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    IMAGES.get_or_init(|| {
        assert!(
            Path::new("/bin/busybox").exists(),
            "/bin/busybox is missing: the test images are built from Debian's busybox-static (scripts/test installs it)"
        );
        let out = "target/test-images";
        // nextest runs every test in its own process: build once per test run, under a file
        // lock, so concurrent tests never read a half-written image.
        std::fs::create_dir_all(repo().join("target")).unwrap();
        let lock = std::fs::File::create(repo().join("target/test-images.lock")).unwrap();
        lock.lock().unwrap();
        let run = std::env::var("NEXTEST_RUN_ID").unwrap_or_else(|_| std::process::id().to_string());
        let stamp = repo().join(out).join(".built-by");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(run.as_str()) {
            build_images(out);
            std::fs::write(&stamp, &run).unwrap();
        }
        drop(lock);
        [
            ("busybox:1.28", "busybox-1.28"),
            ("registry.k8s.io/e2e-test-images/agnhost:2.45", "agnhost-2.45"),
            ("gcr.io/google-samples/hello-app:2.0", "hello-app-2.0"),
        ]
        .iter()
        .map(|(r, d)| (r.to_string(), format!("{out}/{d}")))
        .collect()
    })
}

/// Runs `scripts/build-images OUT` with the binary under test.
fn build_images(out: &str) {
    {
        let status = Command::new(repo().join("scripts/build-images"))
            .arg(out)
            .env("SECCTX", env!("CARGO_BIN_EXE_secctx"))
            .current_dir(repo())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "scripts/build-images failed");
    }
}

/// `--image` arguments for every example image.
pub fn image_args() -> Vec<String> {
    images()
        .iter()
        .flat_map(|(r, p)| ["--image".to_string(), format!("{r}={p}")])
        .collect()
}
