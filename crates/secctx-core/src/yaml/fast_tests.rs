//! The fast path against libyaml: wherever it reads a document, the tree (values and every
//! position) is the one libyaml's events build; and it does read the plain manifests it is for.

use std::path::Path;

use super::fast;
use super::parse::parse_chunk;

/// Checks one document's text; returns whether the fast path read it.
fn agrees(text: &str) -> bool {
    let Some(fast) = fast::parse(text, 3, 0) else {
        return false;
    };
    match parse_chunk(text, 3, false, 0) {
        Some(Ok(slow)) => {
            assert_eq!(
                format!("{:?}", fast.root),
                format!("{:?}", slow.root),
                "{text}"
            );
            true
        }
        other => panic!("fast path read what libyaml gives {other:?} for:\n{text}"),
    }
}

const POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: pod-0
  namespace: ns-0
  labels:
    app: app-0
    app.kubernetes.io/name: web
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  initContainers:
  - name: init
    image: registry.k8s.io/pause:3.9
  containers:
  - name: c0
    image: \"registry.k8s.io/pause:3.9\"
    args: ['a', \"b c\", d]
    ports:
    - containerPort: 8080
      protocol: TCP
    readinessProbe:
      httpGet:
        path: /healthz
        port: 8080
    securityContext:
      allowPrivilegeEscalation: false
      runAsUser: 0644
      capabilities:
        drop: [\"ALL\"]
        add: [ NET_ADMIN , SYS_TIME ]
  volumes:
  - name: data
    emptyDir: {}
  - name: config
    configMap:
      name: cfg
      items: []
";

#[test]
fn plain_manifests_take_the_fast_path() {
    assert!(agrees(POD));
    assert!(agrees(
        "# a comment\n\n  a: 1\n  b:\n    - x\n    -   y\n\n# end\n"
    ));
    assert!(agrees("- a\n- b: 1\n  c: yes\n- ~\n"));
    assert!(agrees("on: off\n1: 2\nk: 'q'\n"));
    // Whatever it declines is read by libyaml.
    agrees("null: x\n");
}

#[test]
fn everything_else_is_left_to_libyaml() {
    let cases = [
        "a:\tb\n",
        "a: b # c\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |\n  x\n",
        "a: >\n  x\n",
        "a: b\n  c\n",
        "a:\nb: 1\n",
        "a:\n",
        "? a\n: b\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: \"x\\ty\"\n",
        "a: 'it''s'\n",
        "a: [b, [c]]\n",
        "a: {b: c}\n",
        "a: [b, ]\n",
        "a: b: c\n",
        "a: b:\n",
        "a: ü\n",
        "a: 1\r\n",
        "a: 1\n...\nb: 2\n",
        "<<: {a: 1}\n",
        "a: 1\n a: 2\n",
        "a:\n  - x\n  b: 1\n",
        "a:\n    b: 1\n  c: 2\n",
        "- - a\n",
        "-\n  a: 1\n",
        "a: -1\n",
        "\"a\": 1\n",
        "a: \"x\n  y\"\n",
        "scalar\n",
        "a: 1\na: 2\n",
    ];
    for text in cases {
        // Whatever the fast path declines, or reads, agrees with libyaml.
        agrees(text);
    }
    // Duplicate keys are an error: libyaml reports it, the fast path never reads it.
    assert!(fast::parse("a: 1\na: 2\n", 1, 0).is_none());
}

/// Every document of the YAML files under `dir`, recursively.
fn documents(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            documents(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let mut doc = String::new();
            for line in text.split_inclusive('\n') {
                if line.starts_with("---") {
                    out.push(std::mem::take(&mut doc));
                } else {
                    doc.push_str(line);
                }
            }
            out.push(doc);
        }
    }
}

#[test]
fn every_fixture_document_agrees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = Vec::new();
    for dir in [
        root.join("tests/yaml-corpus"),
        root.join("../secctx-cli/tests/data"),
        root.join("../../../shared/examples"),
        root.join("../../../shared/conformance/pss"),
    ] {
        documents(&dir, &mut docs);
    }
    assert!(docs.len() > 4000, "only {} documents found", docs.len());
    let fast = docs.iter().filter(|d| agrees(d)).count();
    // Most fixtures are plain manifests.
    assert!(
        fast * 2 > docs.len(),
        "{fast} of {} read by the fast path",
        docs.len()
    );
}

mod props {
    use proptest::prelude::*;

    use super::agrees;

    /// Words that are plain scalars of every kind YAML 1.1 resolves.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z][a-z0-9./-]{0,8}",
            Just("yes".to_string()),
            Just("0644".to_string()),
            Just("1.5".to_string()),
            Just("~".to_string()),
            Just("null".to_string()),
            Just("2001-12-14".to_string()),
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            word(),
            word().prop_map(|w| format!("\"{w}\"")),
            word().prop_map(|w| format!("'{w}'")),
            prop::collection::vec(word(), 0..3).prop_map(|ws| format!("[{}]", ws.join(", "))),
            Just("{}".to_string()),
        ]
    }

    /// A block node at `indent`, written after a key (or at the root).
    fn block(depth: u32) -> BoxedStrategy<Vec<(usize, String)>> {
        let leaf = prop::collection::vec((word(), value()), 1..4)
            .prop_map(|kvs| {
                kvs.into_iter()
                    .map(|(k, v)| (0, format!("{k}: {v}")))
                    .collect()
            })
            .boxed();
        if depth == 0 {
            return leaf;
        }
        let nested =
            prop::collection::vec((word(), block(depth - 1), 0..3usize, any::<bool>()), 1..4)
                .prop_map(|entries| {
                    let mut out = Vec::new();
                    for (key, inner, extra, seq) in entries {
                        out.push((0, format!("{key}:")));
                        if seq {
                            // A sequence of mappings, indented or at the key's column.
                            let mut first = true;
                            for (ind, line) in &inner {
                                let prefix = if first { "- " } else { "  " };
                                first = false;
                                out.push((extra + ind, format!("{prefix}{line}")));
                            }
                        } else {
                            for (ind, line) in inner {
                                out.push((2 + extra + ind, line));
                            }
                        }
                    }
                    out
                })
                .boxed();
        prop_oneof![leaf, nested].boxed()
    }

    proptest! {
        #[test]
        fn generated_documents_agree(lines in block(3), comment in any::<bool>()) {
            let mut text = String::new();
            for (i, (indent, line)) in lines.iter().enumerate() {
                if comment && i == 1 {
                    text.push_str("  # a comment\n\n");
                }
                text.push_str(&" ".repeat(*indent));
                text.push_str(line);
                text.push('\n');
            }
            agrees(&text);
        }
    }
}
