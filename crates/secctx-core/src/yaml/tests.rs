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
