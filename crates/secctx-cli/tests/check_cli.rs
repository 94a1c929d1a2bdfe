//! `secctx check`: snapshots of text and JSON output over the shared examples and crafted
//! inputs (namespace labels, templates, exemptions, validation errors, bad YAML), and exit codes.

mod common;

use common::{secctx, shared, with_stdin};

const DATA: &str = "crates/secctx-cli/tests/data/check";

/// Runs `secctx check ARGS` from `dir` (the repository when `None`): exit code, stdout, stderr.
fn run_in(dir: Option<&std::path::Path>, args: &[&str]) -> (i32, String, String) {
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

fn transcript((code, out, err): (i32, String, String)) -> String {
    format!("exit: {code}\n--- stdout\n{out}--- stderr\n{err}")
}

fn data(name: &str) -> String {
    format!("{DATA}/{name}")
}

#[test]
fn examples_text_and_json() {
    let dir = shared().join("examples");
    let mut pods: Vec<String> = std::fs::read_dir(dir.join("pods"))
        .unwrap()
        .map(|e| format!("pods/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    pods.sort();
    assert!(!pods.is_empty(), "no examples under {}", dir.display());
    for pod in &pods {
        let name = pod.trim_start_matches("pods/");
        let text = run_in(Some(&dir), &[pod]);
        assert!(text.0 == 0 || text.0 == 1, "{pod}: {text:?}");
        insta::assert_snapshot!(format!("examples_text__{name}"), transcript(text));
        let json = run_in(Some(&dir), &[pod, "-o", "json"]);
        insta::assert_snapshot!(format!("examples_json__{name}"), transcript(json));
    }
    // The whole directory at baseline.
    let all = run_in(Some(&dir), &["pods", "--level", "baseline"]);
    insta::assert_snapshot!("examples_dir_baseline", transcript(all));
}

#[test]
fn namespace_labels_set_policy() {
    let f = data("namespaces.yaml");
    insta::assert_snapshot!("namespaces_default", transcript(run(&[&f])));
    insta::assert_snapshot!(
        "namespaces_privileged_default",
        transcript(run(&[&f, "--level", "privileged"]))
    );
    let json = run(&[&f, "--level", "privileged", "-o", "json"]);
    assert_eq!(json.0, 1);
    insta::assert_snapshot!("namespaces_json", transcript(json));
}

#[test]
fn templates_are_warnings() {
    let f = data("templates.yaml");
    insta::assert_snapshot!("templates_text", transcript(run(&[&f])));
    insta::assert_snapshot!("templates_json", transcript(run(&[&f, "-o", "json"])));
    // -n sets the namespace of objects without one; privileged passes everything.
    let (code, _, err) = run(&[&f, "--level", "privileged"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn exemptions_from_config() {
    let f = data("exempt.yaml");
    let cfg = data("psa-config.yaml");
    insta::assert_snapshot!("exempt_config", transcript(run(&[&f, "--config", &cfg])));
    insta::assert_snapshot!(
        "exempt_user_json",
        transcript(run(&[
            &f,
            "--config",
            &cfg,
            "--username",
            "system:serviceaccount:ci:deployer",
            "-o",
            "json"
        ]))
    );
    let adm = data("admission-config.yaml");
    insta::assert_snapshot!(
        "exempt_admission_config",
        transcript(run(&[&f, "--config", &adm, "-n", "kube-system"]))
    );
    let bad = data("bad-config.yaml");
    insta::assert_snapshot!("bad_config", transcript(run(&[&f, "--config", &bad])));
}

#[test]
fn validation_errors_come_first() {
    let f = data("validation.yaml");
    let text = run(&[&f]);
    assert_eq!(text.0, 1);
    let first = text.1.lines().next().unwrap();
    assert!(first.contains(r#"Pod "bad-ids" is invalid: ["#), "{first}");
    insta::assert_snapshot!("validation_text", transcript(text));
    insta::assert_snapshot!("validation_json", transcript(run(&[&f, "-o", "json"])));
    // Validation errors fail even when the policy allows everything.
    assert_eq!(run(&[&f, "--level", "privileged"]).0, 1);
}

#[test]
fn bad_yaml_exits_2_and_judges_the_rest() {
    let f = data("bad-yaml.yaml");
    let text = run(&[&f]);
    assert_eq!(text.0, 2);
    assert!(text.1.contains(r#"Pod "fine""#));
    insta::assert_snapshot!("bad_yaml_text", transcript(text));
    insta::assert_snapshot!("bad_yaml_json", transcript(run(&[&f, "-o", "json"])));
    let missing = run(&[&data("missing.yaml"), &data("clean.yaml")]);
    assert_eq!(missing.0, 2, "{missing:?}");
}

#[test]
fn clean_exits_0_and_stdin_works() {
    let f = data("clean.yaml");
    let (code, out, err) = run(&[&f]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    insta::assert_snapshot!("clean_stderr", err);
    let text = std::fs::read_to_string(common::repo().join(&f)).unwrap();
    let out = with_stdin(secctx().args(["check", "-", "-o", "json"]), &text);
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.contains(r#""file": "-""#), "{out}");
}

#[test]
fn level_and_version_flags() {
    let f = data("namespaces.yaml");
    let (code, _, err) = run(&[&f, "--level", "strict"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("must be one of privileged, baseline, restricted"),
        "{err}"
    );
    let (code, _, err) = run(&[&f, "--version", "v1.01"]);
    assert_eq!(code, 2);
    assert!(err.contains(r#"must be "latest" or "v1.x""#), "{err}");
    let (_, out, _) = run(&[
        &data("templates.yaml"),
        "--level",
        "baseline",
        "--version",
        "v1.25",
    ]);
    assert!(
        out.contains(r#"would violate PodSecurity "baseline:v1.25""#),
        "{out}"
    );
}

#[test]
fn names_paths_and_mounts_are_validated_at_their_lines() {
    let f = data("validation-paths.yaml");
    let (code, out, _) = run(&[&f]);
    assert_eq!(code, 1);
    let label = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    let subdomain = r"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    let want = [
        format!(r#"  {f}:4:3: metadata.name: Invalid value: "UPPER": {subdomain}"#),
        format!(
            r#"  {f}:12:9: spec.volumes[0].configMap.items[0].path: Invalid value: "../../evil": must not contain '..'"#
        ),
        format!(r#"  {f}:16:5: spec.containers[0].name: Invalid value: "-dash": {label}"#),
        // Upstream's path has no index here, so the nearest written field is `volumeMounts`.
        format!(
            r#"  {f}:18:5: spec.containers[0].volumeMounts.subPath: Invalid value: "../../etc": must not contain '..'"#
        ),
        format!(
            "  {f}:18:5: spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers"
        ),
    ];
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&format!(r#"{f}:1:1: error: Pod "UPPER" is invalid: ["#)));
    assert_eq!(
        lines[1..6],
        want.iter().map(String::as_str).collect::<Vec<_>>()[..],
        "{out}"
    );
}

#[test]
fn objects_over_3mib_are_refused_with_the_api_server_message() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.yaml");
    let arg = "a".repeat(4 << 20);
    std::fs::write(
        &f,
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n  - name: c\n    image: i\n    command: [\"{arg}\"]\n"
        ),
    )
    .unwrap();
    let f = f.display().to_string();
    let (code, out, err) = run(&[&f]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "{f}:1:1: Request entity too large: limit is 3145728"
        )),
        "{err}"
    );
}
