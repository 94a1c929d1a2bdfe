use serde_json::json;

use super::*;

/// An edit from a dotted path; all-digit segments are sequence indexes.
pub(crate) fn edit(document: usize, path: &str, op: Op) -> Edit {
    let path = path
        .split('.')
        .filter(|s| !s.is_empty())
        .map(|s| match s.parse::<usize>() {
            Ok(n) => Seg::Index(n),
            Err(_) => Seg::Key(s.to_string()),
        })
        .collect();
    Edit { document, path, op }
}

fn set(path: &str, v: serde_json::Value) -> Edit {
    edit(0, path, Op::Set(v))
}

fn rm(path: &str) -> Edit {
    edit(0, path, Op::Remove)
}

fn run(text: &str, edits: &[Edit]) -> String {
    match apply(text, edits) {
        Ok(a) => a.text,
        Err(e) => panic!("{e}\n--- input:\n{text}"),
    }
}

fn err(text: &str, edits: &[Edit]) -> EditError {
    match apply(text, edits) {
        Ok(a) => panic!("expected an error, got:\n{}", a.text),
        Err(e) => e,
    }
}

#[test]
fn a_key_goes_after_its_last_sibling_before_the_comments_that_follow() {
    let text = "a: 1\nb:\n  c: 2 # note\n# trailing\nd: 3\n";
    assert_eq!(
        run(text, &[set("b.e", json!(true))]),
        "a: 1\nb:\n  c: 2 # note\n  e: true\n# trailing\nd: 3\n"
    );
}

#[test]
fn missing_mappings_are_created_in_block_style_and_ambiguous_words_quoted() {
    let text = "a: 1\nb:\n  c: 2 # note\n";
    assert_eq!(
        run(text, &[set("b.x.y", json!("RuntimeDefault"))]),
        "a: 1\nb:\n  c: 2 # note\n  x:\n    \"y\": RuntimeDefault\n"
    );
    assert_eq!(run("a: 1\n", &[set("c", json!("on"))]), "a: 1\nc: \"on\"\n");
    assert_eq!(
        run("a: 1\n", &[set("c", json!("0644"))]),
        "a: 1\nc: \"0644\"\n"
    );
    assert_eq!(run("a: 1\n", &[set("c", json!(420))]), "a: 1\nc: 420\n");
}

#[test]
fn compact_sequence_items_get_keys_at_their_column() {
    let text = "spec:\n  containers:\n  - name: a\n    image: x\n";
    let path = "spec.containers.0.securityContext.allowPrivilegeEscalation";
    assert_eq!(
        run(text, &[set(path, json!(false))]),
        "spec:\n  containers:\n  - name: a\n    image: x\n    securityContext:\n      allowPrivilegeEscalation: false\n"
    );
}

#[test]
fn four_space_indentation_is_followed() {
    let text = "spec:\n    containers:\n        -   name: a\n            image: x\n";
    let path = "spec.containers.0.securityContext.capabilities.drop";
    assert_eq!(
        run(text, &[set(path, json!(["ALL"]))]),
        "spec:\n    containers:\n        -   name: a\n            image: x\n            securityContext:\n                capabilities:\n                    drop:\n                        - ALL\n"
    );
}

#[test]
fn flow_mappings_are_edited_in_flow_style() {
    let text = "spec:\n  securityContext: {privileged: true}\n";
    let edits = [
        set("spec.securityContext.privileged", json!(false)),
        set(
            "spec.securityContext.seccompProfile.type",
            json!("RuntimeDefault"),
        ),
    ];
    assert_eq!(
        run(text, &edits),
        "spec:\n  securityContext: {privileged: false, seccompProfile: {type: RuntimeDefault}}\n"
    );
    assert_eq!(
        run(
            "spec:\n  securityContext: {}\n",
            &[set("spec.securityContext.runAsNonRoot", json!(true))]
        ),
        "spec:\n  securityContext: {runAsNonRoot: true}\n"
    );
    assert_eq!(
        run("c: [a, b, c]\n", &[rm("c.1"), set("c.2", json!("d"))]),
        "c: [a, c, d]\n"
    );
}

#[test]
fn empty_and_null_values_become_mappings_comments_kept() {
    for (text, want) in [
        (
            "spec:\n  securityContext:\n  other: 1\n",
            "spec:\n  securityContext:\n    runAsNonRoot: true\n  other: 1\n",
        ),
        (
            "spec:\n  securityContext: # c\n  other: 1\n",
            "spec:\n  securityContext: # c\n    runAsNonRoot: true\n  other: 1\n",
        ),
        (
            "spec:\n  securityContext: ~\n  other: 1\n",
            "spec:\n  securityContext:\n    runAsNonRoot: true\n  other: 1\n",
        ),
    ] {
        let got = run(
            text,
            &[set("spec.securityContext.runAsNonRoot", json!(true))],
        );
        assert_eq!(got, want, "from {text:?}");
    }
}

#[test]
fn crlf_lines_stay_crlf() {
    assert_eq!(
        run("spec:\r\n  a: 1\r\n", &[set("spec.b.c", json!(1))]),
        "spec:\r\n  a: 1\r\n  b:\r\n    c: 1\r\n"
    );
}

#[test]
fn a_bom_is_kept() {
    assert_eq!(
        run("\u{feff}a: 1\n", &[set("b", json!(2))]),
        "\u{feff}a: 1\nb: 2\n"
    );
}

#[test]
fn removals_take_their_lines_and_leave_empty_collections_written_out() {
    assert_eq!(
        run("spec:\n  a: 1\n  b: 2\n", &[rm("spec.a")]),
        "spec:\n  b: 2\n"
    );
    assert_eq!(run("spec:\n  a: 1\n", &[rm("spec.a")]), "spec: {}\n");
    assert_eq!(
        run(
            "c:\n- name: a\n  image: b\n- name: c\n",
            &[rm("c.0.name"), rm("c.1")]
        ),
        "c:\n- image: b\n"
    );
    assert_eq!(run("c:\n- x\n", &[rm("c.0")]), "c: []\n");
    assert_eq!(run("a: 1\n", &[rm("b.c")]), "a: 1\n");
}

#[test]
fn sequences_are_replaced_in_their_own_style_and_appended_to() {
    assert_eq!(
        run(
            "spec:\n  drop:\n  - NET_RAW\n",
            &[set("spec.drop", json!(["ALL"]))]
        ),
        "spec:\n  drop:\n  - ALL\n"
    );
    assert_eq!(
        run(
            "spec:\n  drop: [NET_RAW]\n",
            &[set("spec.drop", json!(["ALL"]))]
        ),
        "spec:\n  drop: [ALL]\n"
    );
    assert_eq!(
        run(
            "spec:\n  drop: NET_RAW\n",
            &[set("spec.drop", json!(["ALL"]))]
        ),
        "spec:\n  drop:\n    - ALL\n"
    );
    assert_eq!(
        run(
            "spec:\n  drop:\n  - NET_RAW\n",
            &[set("spec.drop.1", json!("ALL"))]
        ),
        "spec:\n  drop:\n  - NET_RAW\n  - ALL\n"
    );
}

#[test]
fn json_stays_json_with_its_indentation() {
    let text = "{\n  \"spec\": {\n    \"a\": 1\n  }\n}\n";
    assert_eq!(
        run(text, &[set("spec.sc.runAsNonRoot", json!(true))]),
        "{\n  \"spec\": {\n    \"a\": 1,\n    \"sc\": {\n      \"runAsNonRoot\": true\n    }\n  }\n}\n"
    );
    assert_eq!(run(text, &[rm("spec.a")]), "{\n  \"spec\": {}\n}\n");
}

#[test]
fn quoted_keys_are_matched_and_new_keys_quoted_like_their_siblings() {
    assert_eq!(
        run("\"spec\":\n  'a': 1\n", &[set("spec.b", json!("x"))]),
        "\"spec\":\n  'a': 1\n  'b': x\n"
    );
}

#[test]
fn documents_are_counted_as_load_counts_them() {
    let text = "a: 1\n---\nb: 2\n---\n# only a comment\n---\nc: 3";
    let edits = [
        edit(1, "b", Op::Set(json!(3))),
        edit(2, "d", Op::Set(json!(4))),
    ];
    assert_eq!(
        run(text, &edits),
        "a: 1\n---\nb: 3\n---\n# only a comment\n---\nc: 3\nd: 4\n"
    );
    let e = err(text, &[edit(3, "d", Op::Set(json!(4)))]);
    assert_eq!(e.reason, EditErrorKind::NoDocument(3));
}

#[test]
fn block_scalars_holding_dashes_are_not_split() {
    assert_eq!(
        run("a: |\n  x\n  ---\nb: 1\n", &[set("c", json!("y"))]),
        "a: |\n  x\n  ---\nb: 1\nc: \"y\"\n"
    );
}

#[test]
fn aliases_refuse_edits_through_them_and_shared_anchors_refuse_edits_inside() {
    let text = "x: &a {p: 1}\ny: *a\n";
    let e = err(text, &[set("y.p", json!(2))]);
    assert!(
        matches!(e.reason, EditErrorKind::ThroughAlias { .. }),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "document 0, y.p: `y` is the alias *a; edit the anchored node or write the value out first"
    );
    let e = err(text, &[set("x.p", json!(2))]);
    assert!(
        matches!(e.reason, EditErrorKind::SharedAnchor { .. }),
        "{e}"
    );
    assert_eq!(e.line, Some(1));
}

#[test]
fn aliases_in_the_edited_mapping_are_reported() {
    let text = "base: &b [x]\nsc:\n  list: *b\n  a: 1\n";
    let applied = apply(text, &[set("sc.c", json!(2))]).expect("applies");
    assert_eq!(
        applied.text,
        "base: &b [x]\nsc:\n  list: *b\n  a: 1\n  c: 2\n"
    );
    let messages: Vec<&str> = applied.notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "set",
            "the edited mapping's `list` is the alias *b, kept as an alias"
        ]
    );
}

#[test]
fn merged_keys_are_not_edited_through() {
    let text = "base: &b {sc: {a: 1}}\nobj:\n  <<: *b\n  n: 1\n";
    let e = err(text, &[set("obj.sc.a", json!(2))]);
    assert!(
        matches!(e.reason, EditErrorKind::ThroughMerge { .. }),
        "{e}"
    );
}

#[test]
fn setting_what_is_there_changes_nothing() {
    let text = "a: true # yes\nb: \"x\"\n";
    let applied = apply(text, &[set("a", json!(true)), set("b", json!("x"))]).expect("applies");
    assert_eq!(applied.text, text);
    assert!(!applied.changed());
}

#[test]
fn paths_that_cannot_be_followed_name_the_place() {
    let e = err("a: 1\nb: [x]\n", &[set("a.b", json!(1))]);
    assert_eq!(
        e.to_string(),
        "document 0, a.b: `a` is a scalar, not a mapping"
    );
    let e = err("a: 1\nb: [x]\n", &[set("b.3", json!(1))]);
    assert_eq!(
        e.to_string(),
        "document 0, b[3]: `b` has 1 items; index 3 cannot be set"
    );
    assert_eq!(e.line, Some(2));
}

#[test]
fn the_diff_is_unified() {
    let old = "a: 1\nb: 2\n";
    let new = run(old, &[set("b", json!(3))]);
    assert_eq!(
        unified_diff("pod.yaml", old, &new),
        "--- a/pod.yaml\n+++ b/pod.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n"
    );
    assert_eq!(unified_diff("pod.yaml", old, old), "");
}
