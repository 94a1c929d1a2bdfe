//! Bar 4: `.pre-commit-hooks.yaml` lets the `pre-commit` tool (from PyPI) run `secctx check` on
//! staged manifests. A temporary hooks repository holds this repository's hook file, a
//! temporary project uses it; committing a bad manifest fails with secctx's finding, and the
//! fixed manifest commits.
//!
//! pre-commit is installed from PyPI into `target/precommit-venv` when it is not there yet; if
//! that fails the test fails with the reason (it never skips).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::repo;

fn pre_commit() -> PathBuf {
    let venv = repo().join("target/precommit-venv");
    let bin = venv.join("bin/pre-commit");
    if bin.is_file() {
        return bin;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .expect("python3 is needed to install pre-commit");
    assert!(
        made.status.success(),
        "python3 -m venv {}: {}",
        venv.display(),
        String::from_utf8_lossy(&made.stderr)
    );
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "pre-commit"])
        .output()
        .unwrap();
    assert!(
        pip.status.success() && bin.is_file(),
        "pip install pre-commit (from PyPI) failed: {}",
        String::from_utf8_lossy(&pip.stderr)
    );
    bin
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PATH", path_env())
        .env("PRE_COMMIT_HOME", dir.parent().unwrap().join("cache"))
        .output()
        .unwrap()
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// secctx's directory and the venv's first.
fn path_env() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_secctx")).parent().unwrap();
    let venv = repo().join("target/precommit-venv/bin");
    format!(
        "{}:{}:{}",
        bin.display(),
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

const BAD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  hostPID: true
  containers:
  - name: app
    image: nginx
";

const GOOD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: nginx
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
";

#[test]
fn pre_commit_runs_secctx_on_staged_manifests() {
    let pc = pre_commit();
    let tmp = tempfile::tempdir().unwrap();
    // The hooks repository: this repository's hook file, committed.
    let hooks = tmp.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    std::fs::copy(
        repo().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    ok(&git(&hooks, &["init", "-q"]), "git init hooks");
    ok(&git(&hooks, &["add", "."]), "git add");
    ok(
        &git(&hooks, &["commit", "-qm", "hooks"]),
        "git commit hooks",
    );
    let rev = String::from_utf8(git(&hooks, &["rev-parse", "HEAD"]).stdout).unwrap();

    // The project.
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    ok(&git(&work, &["init", "-q"]), "git init work");
    std::fs::write(
        work.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: {}\n  rev: {}\n  hooks:\n  - id: secctx-check\n",
            hooks.display(),
            rev.trim()
        ),
    )
    .unwrap();
    let install = Command::new(&pc)
        .arg("install")
        .current_dir(&work)
        .env("PATH", path_env())
        .env("PRE_COMMIT_HOME", tmp.path().join("cache"))
        .output()
        .unwrap();
    ok(&install, "pre-commit install");

    std::fs::create_dir(work.join("k8s")).unwrap();
    std::fs::write(work.join("k8s/pod.yaml"), BAD).unwrap();
    ok(&git(&work, &["add", "."]), "git add");
    let commit = git(&work, &["commit", "-m", "bad pod"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&commit.stdout),
        String::from_utf8_lossy(&commit.stderr)
    );
    assert!(
        !commit.status.success(),
        "the bad manifest committed: {text}"
    );
    assert!(text.contains("secctx check"), "{text}");
    assert!(text.contains("Failed"), "{text}");
    assert!(
        text.contains(
            "k8s/pod.yaml:1:1: error: Pod \"debug\" (namespace \"default\") [enforce]: violates PodSecurity \"restricted:latest\""
        ),
        "{text}"
    );
    assert!(text.contains("k8s/pod.yaml:6:3: spec.hostPID"), "{text}");
    // .pre-commit-config.yaml was passed too, and skipped as not a manifest.
    assert!(
        text.contains("note: .pre-commit-config.yaml: no Kubernetes objects, skipped"),
        "{text}"
    );

    // Fixed: the commit goes through.
    std::fs::write(work.join("k8s/pod.yaml"), GOOD).unwrap();
    ok(&git(&work, &["add", "."]), "git add");
    let commit = git(&work, &["commit", "-m", "good pod"]);
    ok(&commit, "commit of the fixed manifest");
    let text = String::from_utf8_lossy(&commit.stdout).into_owned()
        + &String::from_utf8_lossy(&commit.stderr);
    assert!(
        text.contains("secctx check") && text.contains("Passed"),
        "{text}"
    );
}
