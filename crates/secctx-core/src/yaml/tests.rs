use super::*;
use crate::path::FieldPath;

fn one(text: &str) -> Node {
    let mut docs = parse_stream(text);
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs.remove(0).expect("parses").root
}

#[test]
fn octal_and_yaml11_booleans() {
    let root = one("defaultMode: 0644\nreadOnly: yes\nhostNetwork: on\nname: '0644'\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["defaultMode"], 420);
    assert_eq!(json["readOnly"], true);
    assert_eq!(json["hostNetwork"], true);
    assert_eq!(json["name"], "0644");
}

#[test]
fn duplicate_keys_are_an_error_with_position() {
    let docs = parse_stream("a: 1\nb:\n  c: 1\n  c: 2\n");
    let err = docs[0].as_ref().unwrap_err();
    assert_eq!(err.pos, Pos { line: 4, column: 3 });
    assert_eq!(
        err.message,
        "key \"c\" already set in map (first at line 3)"
    );
}

#[test]
fn an_error_ends_only_its_document() {
    let docs = parse_stream("a: 1\n---\nb: [\n---\nc: 3\n");
    assert_eq!(docs.len(), 3);
    assert!(docs[0].is_ok());
    let err = docs[1].as_ref().unwrap_err();
    assert_eq!(err.pos.line, 4, "{err}");
    assert_eq!(docs[2].as_ref().unwrap().root.to_json().unwrap()["c"], 3);
}

#[test]
fn positions_are_one_based_and_shifted_per_document() {
    let docs =
        parse_stream("---\na: 1\n---\n# c\nspec:\n  containers:\n  - name: x\n    image: y\n");
    let root = &docs[1].as_ref().unwrap().root;
    let path = FieldPath::new("spec.containers").index(0).child("image");
    assert_eq!(root.locate(&path), (Pos { line: 8, column: 5 }, true));
    let missing = FieldPath::new("spec.containers")
        .index(0)
        .child("securityContext");
    assert_eq!(root.locate(&missing), (Pos { line: 7, column: 5 }, false));
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let root = one("base: &b {p: 1, q: 2}\nother:\n  <<: *b\n  q: 3\nlist: [*b]\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["other"]["p"], 1);
    assert_eq!(json["other"]["q"], 3);
    assert_eq!(json["list"][0]["q"], 2);
    // go-yaml v2 reads a bare `y` key as the boolean true, and so does secctx.
    assert_eq!(one("y: 1\n").to_json().unwrap()["true"], 1);
}

#[test]
fn empty_documents_are_skipped() {
    assert!(parse_stream("---\n# only a comment\n---\n\n").is_empty());
}

#[test]
fn billion_laughs_is_bounded() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    let docs = parse_stream(&text);
    assert!(docs[0].as_ref().unwrap_err().message.contains("more than"));
}

#[test]
fn deep_nesting_is_rejected() {
    let text = format!(
        "{}{}",
        "[".repeat(MAX_DEPTH + 10),
        "]".repeat(MAX_DEPTH + 10)
    );
    let docs = parse_stream(&text);
    let err = docs[0].as_ref().unwrap_err();
    // Either our own limit or the parser's recursion limit, whichever comes first.
    assert!(
        err.message.contains("nesting") || err.message.contains("recursion limit"),
        "{err}"
    );
}

#[test]
fn tags() {
    let root = one("a: !!str 0644\nb: !!int \"0644\"\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["a"], "0644");
    assert_eq!(json["b"], 420);
}

#[test]
fn integral_floats_become_integers() {
    let root = one("a: 08\nb: 1.5\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["a"], 8);
    assert_eq!(json["b"], 1.5);
}

/// Fuzz crash (fuzz/artifacts/load/crash-9b5ba299...): a plain scalar starting with a digit and
/// a multibyte character where a `0x`/`0o` prefix would end must not panic.
#[test]
fn multibyte_after_leading_digit_is_a_string() {
    let root = one("runAsUser: 1\u{7e4}\u{771}\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["runAsUser"], "1\u{7e4}\u{771}");
    let root = one("a: 0\u{e9}\n");
    assert_eq!(root.to_json().unwrap()["a"], "0\u{e9}");
}

/// Issue 16: kubectl (go-yaml v2, a libyaml port) accepts both; saphyr's YAML 1.2 scanner did not.
#[test]
fn flow_sequence_at_parent_indentation_and_tab_after_colon() {
    let root = one("c:\n  args: [\n  \"a\", \"b\",\n  ]\n  name:\tp\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["c"]["args"], serde_json::json!(["a", "b"]));
    assert_eq!(json["c"]["name"], "p");
}

#[test]
fn separator_with_content_is_an_error_at_its_line() {
    let docs = parse_stream("a: 1\n--- {b: 2}\nc: 3\n");
    assert_eq!(docs.len(), 3, "{docs:?}");
    let err = docs[1].as_ref().unwrap_err();
    assert_eq!(err.pos, Pos { line: 2, column: 1 });
    assert_eq!(err.message, "invalid Yaml document separator: {b: 2}");
    assert_eq!(docs[2].as_ref().unwrap().root.to_json().unwrap()["c"], 3);
}

#[test]
fn content_after_document_end_is_not_read() {
    let docs = parse_stream("a: 1\n...\nb: [\n");
    assert_eq!(docs.len(), 1, "{docs:?}");
    assert_eq!(docs[0].as_ref().unwrap().root.to_json().unwrap()["a"], 1);
}

#[test]
fn escaped_slash_is_refused_in_yaml_at_the_backslash() {
    let docs = parse_stream("a: x\nb: \"one\\/two\"\n");
    let err = docs[0].as_ref().unwrap_err();
    assert_eq!(err.pos, Pos { line: 2, column: 8 });
    assert_eq!(err.message, "found unknown escape character");
    // A JSON stream is decoded by kubectl's JSON decoder, which takes it.
    let root = one("{\"a\": \"one\\/two\"}");
    assert_eq!(root.to_json().unwrap()["a"], "one/two");
}

#[test]
fn merge_keys_overwrite_what_was_set_before_them() {
    let root = one("b: &b {x: 1, z: 2}\np:\n  x: 9\n  <<: *b\nq:\n  <<: *b\n  x: 9\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["p"]["x"], 1);
    assert_eq!(json["q"]["x"], 9);
    assert_eq!(json["q"]["z"], 2);
}

#[test]
fn numbers_reach_json_as_kubectl_reads_them() {
    let root = one("a: 9223372036854775808\nb: 1e18\nc: !!binary aGk=\n1.5: f\n");
    let json = root.to_json().unwrap();
    assert_eq!(json["a"].as_f64(), Some(9_223_372_036_854_775_808.0));
    assert!(json["a"].is_f64());
    assert_eq!(json["b"].as_i64(), Some(1_000_000_000_000_000_000));
    assert_eq!(json["c"], "hi");
    assert_eq!(json["1.5"], "f");
}
