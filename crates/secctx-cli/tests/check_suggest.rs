//! `secctx check --suggest`: text and JSON snapshots, and the round trip through `check`: the
//! suggested labels, applied as Namespace objects, make `check` exit 0; each namespace's next
//! stricter level makes it reject exactly the reported blockers.

mod common;

use std::collections::BTreeSet;

use common::secctx;
use serde_json::Value;

const DATA: &str = "crates/secctx-cli/tests/data/check/suggest.yaml";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = secctx().arg("check").args(args).output().unwrap();
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
fn suggest_text_and_json() {
    insta::assert_snapshot!("suggest_text", transcript(run(&[DATA, "--suggest"])));
    insta::assert_snapshot!(
        "suggest_json",
        transcript(run(&[DATA, "--suggest", "-o", "json"]))
    );
}

#[test]
fn suggest_refuses_sarif() {
    let (code, out, err) = run(&[DATA, "--suggest", "-o", "sarif"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("--suggest prints text or json"), "{err}");
}

/// A Namespace object per `(name, labels)`.
fn namespaces(items: &[(String, Vec<(String, String)>)]) -> String {
    let mut s = String::new();
    for (name, labels) in items {
        s.push_str(&format!(
            "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n"
        ));
        for (k, v) in labels {
            s.push_str(&format!("    {k}: {v:?}\n"));
        }
    }
    s
}

fn check_json(files: &[&str]) -> (i32, Value) {
    let mut args = files.to_vec();
    args.extend(["-o", "json"]);
    let (code, out, err) = run(&args);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}")),
    )
}

#[test]
fn suggested_labels_make_check_pass_and_the_next_level_fails() {
    let (code, out, _) = run(&[DATA, "--suggest", "-o", "json"]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let ns = doc["namespaces"].as_array().unwrap();
    assert_eq!(ns.len(), 3);

    // Without the labels, check finds something (exit 1).
    assert_eq!(run(&[DATA]).0, 1);

    let dir = tempfile::tempdir().unwrap();
    let labels_of = |n: &Value| -> Vec<(String, String)> {
        n["labels"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    };
    let suggested: Vec<_> = ns
        .iter()
        .map(|n| (n["namespace"].as_str().unwrap().to_owned(), labels_of(n)))
        .collect();
    let applied = dir.path().join("suggested.yaml");
    std::fs::write(&applied, namespaces(&suggested)).unwrap();
    let applied = applied.to_str().unwrap();
    let (code, report) = check_json(&[DATA, applied]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["clean"], report["summary"]["objects"]);

    // Every stricter target: check rejects exactly its blockers.
    for n in ns {
        let name = n["namespace"].as_str().unwrap();
        for target in n["stricter"].as_array().unwrap() {
            let lv = (
                target["level"].as_str().unwrap(),
                target["version"].as_str().unwrap(),
            );
            let mut items = suggested.clone();
            for (ns_name, labels) in &mut items {
                if ns_name == name {
                    *labels = ["enforce", "audit", "warn"]
                        .iter()
                        .flat_map(|m| {
                            [
                                (format!("pod-security.kubernetes.io/{m}"), lv.0.to_owned()),
                                (
                                    format!("pod-security.kubernetes.io/{m}-version"),
                                    lv.1.to_owned(),
                                ),
                            ]
                        })
                        .collect();
                }
            }
            let stricter = dir.path().join("stricter.yaml");
            std::fs::write(&stricter, namespaces(&items)).unwrap();
            let (code, report) = check_json(&[DATA, stricter.to_str().unwrap()]);
            assert_eq!(code, 1, "{name} at {lv:?}");
            let flagged: BTreeSet<(String, String)> = report["objects"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| !o["violations"].as_array().unwrap().is_empty())
                .map(|o| {
                    (
                        o["namespace"].as_str().unwrap().to_owned(),
                        o["name"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            let blockers: BTreeSet<(String, String)> = target["blockers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| (name.to_owned(), b["name"].as_str().unwrap().to_owned()))
                .collect();
            assert!(!blockers.is_empty(), "{name} at {lv:?}");
            assert_eq!(flagged, blockers, "{name} at {lv:?}");
        }
    }
}

#[test]
fn objects_without_a_namespace_go_to_the_namespace_option() {
    let (code, out, _) = run(&[
        "examples/pods/security-context-5.yaml",
        "--suggest",
        "-n",
        "team-a",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["namespaces"][0]["namespace"], "team-a");
    assert!(
        doc["namespaces"][0]["command"]
            .as_str()
            .unwrap()
            .starts_with("kubectl label --overwrite ns team-a pod-security.kubernetes.io/enforce=")
    );
}
