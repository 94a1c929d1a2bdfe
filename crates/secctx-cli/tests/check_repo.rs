//! `secctx check` in a repository (issue 16 items 3 and 4, bar 4): suppressions by annotation
//! and by `.secctx.yaml`, the configuration found upward or given, levels per namespace and
//! path, `--exclude` and `ignore`, files without Kubernetes objects, `--fail-on`, `--quiet`,
//! `--summary`, colour and `NO_COLOR`, and helm's `# Source:` comments.

mod common;

use std::path::Path;

use common::{secctx, with_stdin};
use serde_json::Value;

const DATA: &str = "crates/secctx-cli/tests/data/repo";

fn run_in(dir: Option<&Path>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = secctx();
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.arg("check").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    run_in(None, args)
}

fn data(name: &str) -> String {
    format!("{DATA}/{name}")
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A pod that fails restricted (four checks) but passes baseline.
const PLAIN_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  containers:
  - name: app
    image: nginx
";

/// A pod that fails baseline (hostPID).
const HOST_PID_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: hostpid
spec:
  hostPID: true
  containers:
  - name: app
    image: nginx
";

/// A Deployment whose template fails restricted: warnings only.
const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
";

#[test]
fn annotations_and_config_rules_suppress_with_their_reasons() {
    let f = data("suppressed.yaml");
    let cfg = data("config.yaml");
    let (code, out, err) = run(&[&f, "--config-file", &cfg]);
    // seccompProfile_restricted's annotation has an empty reason: still an error.
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("suppressed_text", format!("{out}--- stderr\n{err}"));
    assert!(out.contains(
        "  suppressed: runAsNonRoot: \"the image runs as uid 1000 (USER 1000)\" (annotation secctx.io/ignore-check.runAsNonRoot)"
    ));
    assert!(out.contains(&format!(
        "  suppressed: allowPrivilegeEscalation: \"the platform's mutating webhook sets these\" ({cfg} suppressions[0])"
    )));
    // The template's annotation suppresses the Deployment's only finding: a note, not a warning.
    assert!(out.contains("note: Deployment \"agent\""), "{out}");
    assert!(err.contains("4 suppressed findings"), "{err}");
    // Suppression annotations that do nothing say so.
    assert!(out.contains(&format!(
        "{f}:3:1: note: Pod \"web-1\": annotation secctx.io/ignore-check.seccompProfile_restricted: no reason given; nothing suppressed"
    )), "{out}");
    assert!(out.contains(&format!(
        "{f}:43:1: note: Pod \"hardened\": annotation secctx.io/ignore-check.runAsNonroot: no such Pod Security check; nothing suppressed"
    )), "{out}");

    // JSON: every violation is still there, suppressed ones say by what and why.
    let (_, json, _) = run(&[&f, "--config-file", &cfg, "-o", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let pod = &doc["objects"][0];
    let by_check = |id: &str| {
        pod["violations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["check"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {pod}"))["suppressed"]
            .clone()
    };
    assert_eq!(
        by_check("runAsNonRoot"),
        serde_json::json!({"kind": "annotation", "origin": "annotation secctx.io/ignore-check.runAsNonRoot", "reason": "the image runs as uid 1000 (USER 1000)"})
    );
    assert_eq!(by_check("capabilities_restricted")["kind"], "config");
    assert_eq!(by_check("seccompProfile_restricted"), Value::Null);
    assert_eq!(pod["severity"], "error");
    assert_eq!(doc["objects"][1]["severity"], "none");
    assert_eq!(doc["summary"]["suppressed"], 4);
    assert_eq!(
        doc["objects"][2]["notes"][0],
        "annotation secctx.io/ignore-check.runAsNonroot: no such Pod Security check; nothing suppressed"
    );

    // Without the configuration, only the annotations apply.
    let (_, out, _) = run(&[&f, "--no-config-file"]);
    assert!(
        out.contains("  capabilities_restricted: unrestricted capabilities"),
        "{out}"
    );
    // --quiet: findings only, no suppressed lines, nothing on stderr.
    let (code, out, err) = run(&[&f, "--config-file", &cfg, "--quiet"]);
    assert_eq!(code, 1);
    assert!(!out.contains("  suppressed:"), "{out}");
    assert!(
        out.contains("  seccompProfile_restricted: seccompProfile"),
        "{out}"
    );
    assert!(!out.contains("Deployment \"agent\""), "{out}");
    assert!(!out.contains("note:"), "{out}");
    assert_eq!(err, "");
}

#[test]
fn everything_suppressed_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".secctx.yaml",
        "suppressions:\n- checks: [allowPrivilegeEscalation, capabilities_restricted, runAsNonRoot, seccompProfile_restricted]\n  reason: a demo pod\n  name: plain\n",
    );
    write(dir.path(), "pod.yaml", PLAIN_POD);
    let (code, out, err) = run_in(Some(dir.path()), &["pod.yaml"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("1 clean (0 exempt), 4 suppressed findings"),
        "{err}"
    );
}

#[test]
fn the_configuration_is_found_upward_and_sets_levels_by_namespace_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        ".secctx.yaml",
        "level: baseline
namespaces:
  strict: {level: restricted}
paths:
  - {path: legacy/**, level: privileged}
",
    );
    write(root, "apps/team/plain.yaml", PLAIN_POD);
    write(
        root,
        "apps/team/strict.yaml",
        &PLAIN_POD.replace("name: plain", "name: plain\n  namespace: strict"),
    );
    write(root, "legacy/hostpid.yaml", HOST_PID_POD);
    write(root, "apps/hostpid.yaml", HOST_PID_POD);
    // From a subdirectory: the configuration two levels up applies (baseline: plain passes).
    let team = root.join("apps/team");
    let (code, out, err) = run_in(Some(&team), &["plain.yaml"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    // Namespace `strict` is restricted.
    let (code, out, _) = run_in(Some(&team), &["strict.yaml"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("violates PodSecurity \"restricted:latest\""),
        "{out}"
    );
    // legacy/ is privileged; apps/ is baseline, from the root and from elsewhere.
    let (code, out, _) = run_in(Some(root), &["legacy", "apps/hostpid.yaml"]);
    assert_eq!(code, 1);
    assert!(!out.contains("legacy/hostpid.yaml"), "{out}");
    assert!(
        out.contains("apps/hostpid.yaml:1:1: error: Pod \"hostpid\""),
        "{out}"
    );
    // --level beats the configuration's default, not its namespace entries.
    let (code, out, _) = run_in(Some(&team), &["plain.yaml", "--level", "restricted"]);
    assert_eq!(code, 1, "{out}");
    // --no-config-file: restricted:latest.
    let (code, _, _) = run_in(Some(&team), &["plain.yaml", "--no-config-file"]);
    assert_eq!(code, 1);
    // --config-file names another one.
    write(root, "other.yaml", "level: privileged\n");
    let other = root.join("other.yaml");
    let (code, _, _) = run(&[
        root.join("apps/hostpid.yaml").to_str().unwrap(),
        "--config-file",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
}

#[test]
fn a_bad_configuration_is_an_error_at_its_key() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".secctx.yaml",
        "level: baseline\nsupressions: []\n",
    );
    write(dir.path(), "pod.yaml", PLAIN_POD);
    let (code, out, err) = run_in(Some(dir.path()), &["pod.yaml"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains(".secctx.yaml:2:1: supressions: unknown field `supressions`"),
        "{err}"
    );
    write(
        dir.path(),
        ".secctx.yaml",
        "suppressions:\n- checks: [runAsNonRoot]\n",
    );
    let (code, _, err) = run_in(Some(dir.path()), &["pod.yaml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("suppressions[0]: a suppression needs a reason"),
        "{err}"
    );
}

#[test]
fn exclude_ignore_and_files_without_objects() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "deploy/pod.yaml", PLAIN_POD);
    write(root, "deploy/vendor/hostpid.yaml", HOST_PID_POD);
    write(root, "charts/web/tests/hostpid.yaml", HOST_PID_POD);
    write(
        root,
        "charts/web/values.yaml",
        "replicaCount: 1\nimage:\n  tag: latest\n",
    );
    write(
        root,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  test: {runs-on: ubuntu-latest}\n",
    );
    // Everything, restricted: 3 pods fail; values.yaml and ci.yml are notes, not errors.
    let (code, out, err) = run_in(Some(root), &["."]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("note: ./charts/web/values.yaml: no Kubernetes objects, skipped"),
        "{err}"
    );
    assert!(
        err.contains("note: ./.github/workflows/ci.yml: no Kubernetes objects, skipped"),
        "{err}"
    );
    assert!(err.contains("checked 3 objects from 5 files"), "{err}");
    // --strict-files: they are input errors.
    let (code, _, err) = run_in(Some(root), &[".", "--strict-files"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: ./charts/web/values.yaml:1:1: apiVersion and kind not set"),
        "{err}"
    );
    // --exclude: a name at any depth, and an anchored glob with **.
    let (_, out, err) = run_in(
        Some(root),
        &[
            ".",
            "--exclude",
            "vendor",
            "--exclude",
            "charts/**/tests",
            "--level",
            "baseline",
        ],
    );
    assert_eq!(out, "", "{err}");
    assert!(
        err.contains("note: 2 paths excluded (--exclude, ignore)"),
        "{err}"
    );
    // The same from the configuration's ignore (relative to its directory, used from below).
    write(
        root,
        ".secctx.yaml",
        "level: baseline\nignore: [vendor, charts/**/tests]\n",
    );
    let (code, out, err) = run_in(Some(&root.join("deploy")), &["."]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, _, _) = run_in(Some(root), &["charts"]);
    assert_eq!(code, 0);
    // An excluded file given by name is left out too.
    let (code, _, err) = run_in(Some(root), &["deploy/vendor/hostpid.yaml"]);
    assert_eq!(code, 0, "{err}");
    // strictFiles in the configuration.
    write(root, ".secctx.yaml", "strictFiles: true\n");
    assert_eq!(run_in(Some(root), &["charts/web/values.yaml"]).0, 2);
}

#[test]
fn fail_on_decides_what_fails() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "deploy.yaml", DEPLOYMENT);
    write(root, "pod.yaml", HOST_PID_POD);
    let code = |args: &[&str]| run_in(Some(root), args).0;
    // A template's findings are warnings.
    assert_eq!(code(&["deploy.yaml"]), 1);
    assert_eq!(code(&["deploy.yaml", "--fail-on", "warning"]), 1);
    assert_eq!(code(&["deploy.yaml", "--fail-on", "error"]), 0);
    assert_eq!(code(&["pod.yaml", "--fail-on", "error"]), 1);
    assert_eq!(code(&["pod.yaml", "--fail-on", "never"]), 0);
    // Input errors are not findings: still 2.
    write(root, "bad.yaml", "a: [\n");
    assert_eq!(code(&["bad.yaml", "--fail-on", "never"]), 2);
    // failOn in the configuration; the flag wins.
    write(root, ".secctx.yaml", "failOn: error\n");
    assert_eq!(code(&["deploy.yaml"]), 0);
    assert_eq!(code(&["deploy.yaml", "--fail-on", "warning"]), 1);
    let (c, _, err) = run_in(Some(root), &["deploy.yaml", "--fail-on", "warn"]);
    assert_eq!(c, 2);
    assert!(err.contains("invalid value 'warn'"), "{err}");
}

#[test]
fn quiet_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "deploy.yaml", DEPLOYMENT);
    write(root, "pod.yaml", HOST_PID_POD);
    write(root, "values.yaml", "replicaCount: 1\n");
    write(
        root,
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
    );
    let (code, out, err) = run_in(Some(root), &[".", "--quiet"]);
    assert_eq!(code, 1);
    assert_eq!(err, "", "--quiet prints findings only");
    assert!(out.contains("Pod \"hostpid\""), "{out}");
    let (code, out, err) = run_in(Some(root), &[".", "--summary"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("summary", format!("{out}--- stderr\n{err}"));
    assert!(
        !err.contains("checked"),
        "the summary line is on stdout: {err}"
    );
    let (code, _, err) = run_in(Some(root), &[".", "--summary", "--quiet"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn colour_on_a_terminal_honours_no_color() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", HOST_PID_POD);
    let (_, out, _) = run_in(Some(dir.path()), &["pod.yaml", "--color", "always"]);
    assert!(out.contains("\x1b[1;31merror\x1b[0m"), "{out:?}");
    assert!(out.contains("\x1b[36mhint:\x1b[0m"), "{out:?}");
    let (_, out, _) = run_in(Some(dir.path()), &["pod.yaml"]);
    assert!(!out.contains('\x1b'), "not a terminal: no colour: {out:?}");
    // On a terminal (`script` gives the command a pseudo-terminal).
    let bin = env!("CARGO_BIN_EXE_secctx");
    let on_tty = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &format!("{bin} check pod.yaml"), "/dev/null"])
            .current_dir(dir.path())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd
            .output()
            .expect("`script` (Debian bsdutils, essential) is needed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let tty = on_tty(None);
    assert!(tty.contains("\x1b[1;31merror\x1b[0m"), "{tty:?}");
    let tty = on_tty(Some("1"));
    assert!(tty.contains("error: Pod \"hostpid\""), "{tty:?}");
    assert!(!tty.contains('\x1b'), "NO_COLOR=1: {tty:?}");
    // An empty NO_COLOR does not count (no-color.org).
    assert!(on_tty(Some("")).contains('\x1b'));
}

#[test]
fn helm_source_comments_name_the_template() {
    let text = std::fs::read_to_string(common::repo().join(data("helm-rendered.yaml"))).unwrap();
    let out = with_stdin(secctx().args(["check", "-", "--level", "baseline"]), &text);
    let out = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("helm_source_text", out);
    assert!(out.contains(
        "-:9:1: warning: Deployment \"web\" (namespace \"default\", template web/templates/deployment.yaml)"
    ), "{out}");
    let out = with_stdin(secctx().args(["check", "-", "-o", "json"]), &text);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sources: Vec<&Value> = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["source"])
        .collect();
    assert_eq!(
        sources,
        [
            &Value::from("web/templates/deployment.yaml"),
            &Value::from("web/templates/tests/test-connection.yaml")
        ]
    );
    // A file without the comments has no source.
    let (_, json, _) = run(&[
        "crates/secctx-cli/tests/data/check/clean.yaml",
        "-o",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["objects"][0]["source"], Value::Null);
}
