//! `--field-validation` (issue 16): misspelled fields are input errors with the API server's
//! message and position by default, warnings with `warn`, silent with `ignore`; ConfigMaps and
//! Secrets are counted as skipped by `check` and `explain`, never decoded there.

mod common;

use common::{secctx, with_stdin};

/// A pod passing restricted:latest but for one misspelled field (`privilegd` at 18:7).
const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: c
    image: i
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: [ALL]
      privilegd: true
";

const ERROR: &str = "error: -:18:7: strict decoding error: unknown field \"spec.containers[0].securityContext.privilegd\"\n";

fn run(args: &[&str], input: &str) -> (i32, String, String) {
    let o = with_stdin(secctx().args(args), input);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn check_is_strict_by_default() {
    let (code, out, err) = run(&["check", "-"], POD);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.starts_with(ERROR), "{err}");
    assert!(
        err.ends_with("checked 0 objects from 1 file: 0 with errors, 0 with warnings, 0 clean (0 exempt), 1 input error\n"),
        "{err}"
    );
    let (code, _, err) = run(&["check", "-", "--field-validation", "strict"], POD);
    assert_eq!(code, 2);
    assert!(err.starts_with(ERROR), "{err}");
    // JSON carries it as an input error.
    let (code, out, _) = run(&["check", "-", "-o", "json"], POD);
    assert_eq!(code, 2);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors = json["errors"].to_string();
    assert!(
        errors.contains(r#"strict decoding error: unknown field \"spec.containers[0].securityContext.privilegd\""#),
        "{errors}"
    );
}

#[test]
fn warn_judges_the_object_and_warns() {
    let (code, out, err) = run(&["check", "-", "--field-validation=warn"], POD);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err,
        "warning: -:18:7: unknown field \"spec.containers[0].securityContext.privilegd\"\n\
         checked 1 object from 1 file: 0 with errors, 0 with warnings, 1 clean (0 exempt)\n"
    );
    // Dropped, not read as `privileged: true`: explain shows an unprivileged container.
    let (code, out, err) = run(&["explain", "-", "--field-validation", "warn"], POD);
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("warning: -:18:7: unknown field"), "{err}");
    // (`privileged: true` would give the full bounding set whatever is dropped.)
    assert!(out.contains("CapBnd       0000000000000000"), "{out}");
}

#[test]
fn ignore_is_silent() {
    let (code, out, err) = run(&["check", "-", "--field-validation", "ignore"], POD);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err,
        "checked 1 object from 1 file: 0 with errors, 0 with warnings, 1 clean (0 exempt)\n"
    );
    // kubectl's other spelling.
    let (code, _, _) = run(&["check", "-", "--field-validation", "false"], POD);
    assert_eq!(code, 0);
    let (code, _, err) = run(&["check", "-", "--field-validation", "loose"], POD);
    assert_eq!(code, 2);
    assert!(err.contains("invalid field validation \"loose\""), "{err}");
}

#[test]
fn every_command_that_loads_manifests_is_strict() {
    for cmd in [
        &["explain", "-"][..],
        &["oci", "-"],
        &["admit", "-"],
        &["namespace", "allocate", "-"],
    ] {
        let (code, out, err) = run(cmd, POD);
        assert!(code == 2 || code == 1, "{cmd:?}: {code} {out}{err}");
        assert!(err.contains(&ERROR["error: ".len()..]), "{cmd:?}: {err}");
    }
}

#[test]
fn a_bad_secret_is_skipped_by_check_and_explain() {
    let input = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ndata:\n  password: 'hun ter2'\n---\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{a: 1}}\n---\n\
         apiVersion: v1\nkind: Namespace\nmetadata: {{name: default}}\n---\n{}",
        POD.replace("      privilegd: true\n", "")
    );
    let (code, out, err) = run(&["check", "-"], &input);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err,
        "skipped: 1 × v1/ConfigMap\nskipped: 1 × v1/Secret\n\
         checked 1 object from 1 file: 0 with errors, 0 with warnings, 1 clean (0 exempt)\n"
    );
    let (code, out, _) = run(&["check", "-", "-o", "json"], &input);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["skipped"],
        serde_json::json!({"v1/ConfigMap": 1, "v1/Secret": 1})
    );
    let (code, _, err) = run(&["explain", "-"], &input);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("1 × v1/Secret"), "{err}");
}
