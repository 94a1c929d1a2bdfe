//! The edit corpus (`tests/edit-corpus/`): tricky manifest files, each with the edits to make
//! (`NAME.edits`: one `DOCUMENT set PATH JSON` or `DOCUMENT remove PATH` a line; paths are
//! `/`-separated with `~1` for `/`, all-digit steps are sequence indexes), and the checks that
//! do not trust the editor: what `load` reads back, and which lines may change.

#![allow(dead_code)]

use std::path::PathBuf;

use secctx_core::edit::{Edit, Op, Seg, apply_to_json};
use secctx_core::yaml::{self, Node, Value};
use serde_json::Value as Json;

/// One corpus file and its edits.
pub struct Case {
    /// The file name.
    pub name: String,
    /// The file's text.
    pub text: String,
    /// The edits to make.
    pub edits: Vec<Edit>,
}

/// Every corpus file, in name order.
pub fn corpus() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/edit-corpus");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "json")
            )
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("corpus file");
            let edits_path = path.with_extension("edits");
            let spec = std::fs::read_to_string(&edits_path)
                .unwrap_or_else(|e| panic!("{}: {e}", edits_path.display()));
            Case {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                text,
                edits: spec
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(parse_edit)
                    .collect(),
            }
        })
        .collect()
}

/// `0 set a/b/0/c true` or `0 remove a/b`.
pub fn parse_edit(line: &str) -> Edit {
    let mut parts = line.splitn(4, ' ');
    let document = parts.next().unwrap().parse().expect("document index");
    let op = parts.next().expect("op");
    let path = parse_path(parts.next().expect("path"));
    let op = match op {
        "set" => Op::Set(serde_json::from_str(parts.next().expect("value")).expect("JSON value")),
        "remove" => Op::Remove,
        other => panic!("unknown op {other}"),
    };
    Edit { document, path, op }
}

/// `a/b/0/c~1d` as path steps.
pub fn parse_path(text: &str) -> Vec<Seg> {
    text.split('/')
        .map(|s| match s.parse::<usize>() {
            Ok(n) => Seg::Index(n),
            Err(_) => Seg::Key(s.replace("~1", "/").replace("~0", "~")),
        })
        .collect()
}

/// Each document's JSON as `load` reads it (`None` for a document that does not load).
pub fn documents(text: &str) -> Vec<Option<Json>> {
    yaml::parse_stream(text)
        .into_iter()
        .map(|d| d.ok().and_then(|d| d.root.to_json().ok()))
        .collect()
}

/// The documents with the edits made to their JSON.
pub fn expected(text: &str, edits: &[Edit]) -> Vec<Option<Json>> {
    let mut docs = documents(text);
    for e in edits {
        let doc = docs[e.document].as_mut().expect("edited document loads");
        assert!(apply_to_json(doc, e), "the edit applies to the JSON: {e:?}");
    }
    docs
}

/// The 1-based lines, inclusive, an edit may change: the mapping it edits (the target's parent,
/// or the deepest existing node on its path), from its key's line to the line before the next
/// node of the document. Computed from `load`'s tree, never from the editor.
pub fn allowed_lines(text: &str, edit: &Edit) -> (u32, u32) {
    let docs = yaml::parse_stream(text);
    let doc = docs[edit.document].as_ref().expect("document loads");
    // Walk to the deepest existing node; remember each node's key line.
    let mut node: &Node = &doc.root;
    let mut key_line = node.pos.line;
    let mut trail: Vec<(&Node, u32)> = vec![(node, key_line)];
    for seg in &edit.path {
        let next = match (seg, &node.value) {
            (Seg::Key(k), Value::Map(_)) => node.entry(k).map(|(key, v)| (v, key.pos.line)),
            (Seg::Index(i), Value::Seq(items)) => items.get(*i).map(|v| (v, v.pos.line)),
            _ => None,
        };
        let Some((n, line)) = next else { break };
        node = n;
        key_line = line;
        trail.push((node, key_line));
    }
    let full = trail.len() == edit.path.len() + 1;
    let (mapping, start) = if full && trail.len() > 1 {
        trail[trail.len() - 2]
    } else {
        *trail.last().unwrap()
    };
    // Positions of every node in document order; the mapping's subtree is one run of them.
    let mut order = Vec::new();
    let mut span = (0, 0);
    preorder(&doc.root, mapping, &mut order, &mut span);
    let last_inside = order[span.0..span.1].iter().copied().max().unwrap_or(start);
    let end = match order.get(span.1) {
        Some(&next) => (next - 1).max(last_inside),
        None => match docs.get(edit.document + 1) {
            Some(Ok(d)) => d.root.pos.line - 1,
            _ => text.lines().count() as u32 + 1,
        },
    };
    (start.min(mapping.pos.line), end)
}

fn preorder(node: &Node, target: &Node, out: &mut Vec<u32>, span: &mut (usize, usize)) {
    let is_target = std::ptr::eq(node, target);
    if is_target {
        span.0 = out.len();
    }
    out.push(node.pos.line);
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                out.push(k.pos.line);
                preorder(v, target, out, span);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| preorder(i, target, out, span)),
        _ => {}
    }
    if is_target {
        span.1 = out.len();
    }
}
