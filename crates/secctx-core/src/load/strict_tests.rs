use k8s_openapi::api::core::v1::{Pod, SecurityContext};
use serde_json::json;

use super::*;
use crate::yaml::Key;

fn at(line: u32, column: u32) -> Pos {
    Pos { line, column }
}

#[test]
fn names_are_kubectls() {
    for (s, v) in [
        ("strict", FieldValidation::Strict),
        ("true", FieldValidation::Strict),
        ("warn", FieldValidation::Warn),
        ("ignore", FieldValidation::Ignore),
        ("false", FieldValidation::Ignore),
    ] {
        assert_eq!(s.parse::<FieldValidation>(), Ok(v));
    }
    assert_eq!(
        "Strict".parse::<FieldValidation>().unwrap_err().to_string(),
        "invalid field validation \"Strict\": must be one of strict (or true), warn, ignore (or false)"
    );
    assert_eq!(FieldValidation::default(), FieldValidation::Strict);
    assert_eq!(FieldValidation::Warn.to_string(), "warn");
}

#[test]
fn unknown_fields_at_every_depth_with_their_paths() {
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod", "metadta": {},
        "metadata": {"name": "p", "lables": {"a": "b"}},
        "spec": {
            "containers": [
                {"name": "a", "image": "i"},
                {"name": "b", "image": "i", "securityContext": {
                    "privilegd": true,
                    "capabilities": {"drop": ["ALL"], "dorp": ["X"]},
                    "seccompProfile": {"type": "RuntimeDefault", "typ": "x"}
                }}
            ],
            "securityContext": {"sysctls": [{"name": "a", "value": "1", "vaule": "2"}]}
        }
    });
    let (p, unknown): (Pod, _) = deserialize_collecting_unknown(pod).unwrap();
    assert_eq!(p.metadata.name.as_deref(), Some("p"));
    let paths: Vec<String> = unknown.iter().map(ToString::to_string).collect();
    assert_eq!(
        paths,
        [
            "metadta",
            "metadata.lables",
            "spec.containers[1].securityContext.privilegd",
            "spec.containers[1].securityContext.capabilities.dorp",
            "spec.containers[1].securityContext.seccompProfile.typ",
            "spec.securityContext.sysctls[0].vaule",
        ]
    );
}

#[test]
fn a_type_error_wins_over_unknown_fields() {
    let sc = json!({"privilegd": true, "runAsUser": "x"});
    let e = deserialize_collecting_unknown::<SecurityContext>(sc).unwrap_err();
    assert_eq!(e.error.path().to_string(), "runAsUser");
    assert_eq!(e.unknown, [FieldPath::new("privilegd")]);
    assert!(!e.is_missing_field());
}

#[test]
fn field_names_are_case_sensitive() {
    let sc = json!({"RunAsUser": 0, "runAsUser": 1});
    let (sc, unknown): (SecurityContext, _) = deserialize_collecting_unknown(sc).unwrap();
    assert_eq!(sc.run_as_user, Some(1));
    assert_eq!(unknown, [FieldPath::new("RunAsUser")]);
}

#[test]
fn messages_are_the_api_servers() {
    let f = StrictField {
        violation: Violation::Unknown,
        path: FieldPath::new("spec.containers")
            .index(0)
            .child("securityContext")
            .child("privilegd"),
        pos: None,
    };
    assert_eq!(
        f.error_message(),
        r#"strict decoding error: unknown field "spec.containers[0].securityContext.privilegd""#
    );
    assert_eq!(
        f.message(),
        r#"unknown field "spec.containers[0].securityContext.privilegd""#
    );
    // Map keys are joined with a dot, and quoted as Go's %q quotes.
    let d = StrictField {
        violation: Violation::Duplicate,
        path: FieldPath::new("metadata.labels").key("a.b/c\"d\n"),
        pos: None,
    };
    assert_eq!(
        d.message(),
        r#"duplicate field "metadata.labels.a.b/c\"d\n""#
    );
}

fn leaf(line: u32, column: u32) -> Node {
    Node {
        value: Value::Int(1),
        pos: at(line, column),
    }
}

fn map(entries: Vec<(&str, Pos, Node)>, pos: Pos) -> Node {
    Node {
        value: Value::Map(
            entries
                .into_iter()
                .map(|(k, p, v)| {
                    (
                        Key {
                            name: k.into(),
                            pos: p,
                        },
                        v,
                    )
                })
                .collect(),
        ),
        pos,
    }
}

#[test]
fn duplicate_keys_are_found_at_every_depth() {
    // spec: {containers: [{image: 1, image: 1}], x: 1, x: 1} as a tree with repeated keys.
    let container = map(
        vec![
            ("image", at(3, 5), leaf(3, 12)),
            ("image", at(4, 5), leaf(4, 12)),
        ],
        at(3, 5),
    );
    let spec = map(
        vec![
            (
                "containers",
                at(2, 3),
                Node {
                    value: Value::Seq(vec![container]),
                    pos: at(3, 3),
                },
            ),
            ("x", at(5, 3), leaf(5, 6)),
            ("x", at(6, 3), leaf(6, 6)),
        ],
        at(2, 3),
    );
    let root = map(vec![("spec", at(1, 1), spec)], at(1, 1));
    let dups = duplicate_keys(&root);
    let got: Vec<(String, Pos)> = dups.iter().map(|(p, pos)| (p.to_string(), *pos)).collect();
    assert_eq!(
        got,
        [
            ("spec.containers[0].image".to_string(), at(4, 5)),
            ("spec.x".to_string(), at(6, 3)),
        ]
    );
    let fields = violations(vec![], dups);
    assert_eq!(
        fields[0].error_message(),
        r#"strict decoding error: duplicate field "spec.containers[0].image""#
    );
}

#[test]
fn a_large_mapping_is_hashed_and_still_exact() {
    let mut entries: Vec<(String, Pos)> =
        (0..40).map(|i| (format!("k{i}"), at(i + 1, 1))).collect();
    entries.push(("k7".into(), at(41, 1)));
    let root = Node {
        value: Value::Map(
            entries
                .iter()
                .map(|(k, p)| {
                    (
                        Key {
                            name: k.clone(),
                            pos: *p,
                        },
                        leaf(p.line, 5),
                    )
                })
                .collect(),
        ),
        pos: at(1, 1),
    };
    assert_eq!(duplicate_keys(&root), [(FieldPath::new("k7"), at(41, 1))]);
}

#[test]
fn violations_are_reported_once_and_not_inside_unknown_fields() {
    let unknown = vec![FieldPath::new("spec.foo"), FieldPath::new("spec.foo")];
    let dups = vec![
        (FieldPath::new("spec.foo.bar"), at(3, 5)),
        (FieldPath::new("spec.foo"), at(4, 3)),
        (FieldPath::new("spec.hostPID"), at(5, 3)),
        (FieldPath::new("spec.hostPID"), at(6, 3)),
    ];
    let v = violations(unknown, dups);
    let got: Vec<String> = v.iter().map(StrictField::message).collect();
    assert_eq!(
        got,
        [
            r#"unknown field "spec.foo""#,
            r#"duplicate field "spec.hostPID""#
        ]
    );
    assert_eq!(v[1].pos, Some(at(5, 3)));
}

#[test]
fn at_most_a_hundred() {
    let unknown: Vec<FieldPath> = (0..150).map(|i| FieldPath::new(&format!("f{i}"))).collect();
    assert_eq!(violations(unknown, vec![]).len(), MAX_STRICT_ERRORS);
    let many: serde_json::Map<String, serde_json::Value> =
        (0..150).map(|i| (format!("f{i}"), json!(1))).collect();
    let (_, unknown): (SecurityContext, _) =
        deserialize_collecting_unknown(serde_json::Value::Object(many)).unwrap();
    assert_eq!(unknown.len(), MAX_STRICT_ERRORS);
}
