//! `secctx fix`: snapshots of the diff, the text report and the JSON, exit codes, `--write`
//! (atomic, idempotent: bar 4 on the CLI), standard input, and `check`'s pointer to `fix`.

mod common;

use std::path::Path;

use common::{secctx, shared, with_stdin};

const DATA: &str = "crates/secctx-cli/tests/data/fix";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = secctx().arg("fix").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn transcript((code, out, err): (i32, String, String)) -> String {
    format!("exit: {code}\n--- stdout\n{out}--- stderr\n{err}")
}

#[test]
fn diff_and_report_without_opt_ins() {
    let r = run(&[&format!("{DATA}/mixed.yaml"), "--level", "restricted"]);
    assert_eq!(r.0, 1, "findings remain: {r:?}");
    insta::assert_snapshot!("mixed_restricted", transcript(r));
}

#[test]
fn json_with_every_opt_in() {
    let r = run(&[
        &format!("{DATA}/mixed.yaml"),
        "--level",
        "restricted",
        "--allow",
        "all",
        "-o",
        "json",
    ]);
    assert_eq!(r.0, 1, "the hostPath volume remains: {r:?}");
    assert!(r.2.is_empty(), "{}", r.2);
    let v: serde_json::Value = serde_json::from_str(&r.1).unwrap();
    assert_eq!(v["summary"]["partly"], 1);
    assert_eq!(v["summary"]["fixed"], 1);
    insta::assert_snapshot!("mixed_restricted_all_json", r.1);
}

#[test]
fn baseline_fix_of_a_flow_pod_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.yaml");
    std::fs::write(
        &p,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true  # debug\n  containers: [{name: a, image: b, securityContext: {privileged: true}}]\n",
    )
    .unwrap();
    let r = run(&[p.to_str().unwrap(), "--level", "baseline"]);
    assert_eq!(r.0, 1, "{r:?}");
    assert!(
        r.2.contains("(--allow host-namespaces)") && r.2.contains("(--allow privileged)"),
        "{}",
        r.2
    );
    let r = run(&[
        p.to_str().unwrap(),
        "--level",
        "baseline",
        "--allow",
        "host-namespaces,privileged",
        "--write",
    ]);
    assert_eq!(r.0, 0, "{r:?}");
    assert_eq!(r.1, "", "--write prints no diff");
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: false  # debug\n  containers: [{name: a, image: b, securityContext: {privileged: false}}]\n"
    );
}

/// Bar 4 on the CLI: `--write` twice; the second run changes nothing and prints no diff.
#[test]
fn write_is_atomic_keeps_the_mode_and_is_idempotent() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mixed.yaml");
    std::fs::copy(
        format!("{}/{DATA}/mixed.yaml", common::repo().display()),
        &p,
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    let args = [
        p.to_str().unwrap(),
        "--level",
        "restricted",
        "--allow",
        "all",
        "--write",
    ];
    let first = run(&args);
    assert_eq!(first.0, 1, "{first:?}");
    let once = std::fs::read_to_string(&p).unwrap();
    assert!(
        once.contains("hostPath: {path: /var/log}   # the node's logs"),
        "{once}"
    );
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left: {leftovers:?}"
    );
    let second = run(&args);
    assert_eq!(second.0, 1);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        once,
        "a second fix changes nothing"
    );
    assert!(second.2.contains("0 files changed"), "{}", second.2);
    let diff = run(&[
        p.to_str().unwrap(),
        "--level",
        "restricted",
        "--allow",
        "all",
    ]);
    assert_eq!(diff.1, "", "no diff on the fixed file");
}

#[test]
fn standard_input_with_write_prints_the_fixed_text() {
    let out = with_stdin(
        secctx().args([
            "fix",
            "-",
            "--level",
            "restricted",
            "--allow",
            "run-as-non-root",
            "--write",
        ]),
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"j\"}, \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"b\"}]}}\n",
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON stays JSON");
    assert_eq!(v["spec"]["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        v["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
        false
    );
}

#[test]
fn bad_input_exits_2_and_bad_allow_is_refused() {
    let r = run(&["/nonexistent/x.yaml", "--level", "restricted"]);
    assert_eq!(r.0, 2, "{r:?}");
    assert!(r.2.contains("error: /nonexistent/x.yaml"), "{}", r.2);
    let r = run(&[
        &format!("{DATA}/mixed.yaml"),
        "--level",
        "restricted",
        "--allow",
        "root",
    ]);
    assert_eq!(r.0, 2, "{r:?}");
    assert!(r.2.contains("unknown change \"root\""), "{}", r.2);
}

#[test]
fn check_points_to_fix_where_a_finding_has_a_remedy() {
    let out = secctx()
        .args([
            "check",
            &format!("{DATA}/mixed.yaml"),
            "--level",
            "baseline",
            "--version",
            "v1.30",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // The Deployment's only baseline findings: a capability (fixable) and hostPath (not).
    assert!(
        text.contains(&format!(
            "  fix: secctx fix {DATA}/mixed.yaml --level baseline --version v1.30\n"
        )),
        "{text}"
    );
    let hostpath_only = "apiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec:\n  volumes: [{name: v, hostPath: {path: /}}]\n  containers: [{name: a, image: b}]\n";
    let out = with_stdin(
        secctx().args(["check", "-", "--level", "baseline"]),
        hostpath_only,
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("hostPathVolumes") && !text.contains("fix:"),
        "{text}"
    );
}

#[test]
fn example_pods_fixed_pass_check() {
    let dir = shared().join("examples/pods");
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&dir).unwrap() {
        let src = e.unwrap().path();
        let dst = tmp.path().join(src.file_name().unwrap());
        std::fs::copy(&src, &dst).unwrap();
    }
    let d = tmp.path().to_str().unwrap();
    let r = run(&[d, "--level", "restricted", "--allow", "all", "--write"]);
    assert_eq!(r.0, 0, "{r:?}");
    let check = secctx()
        .args(["check", d, "--level", "restricted"])
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(Path::new(d).is_dir());
}
