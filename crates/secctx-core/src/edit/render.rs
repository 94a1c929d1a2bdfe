//! JSON values written as YAML (or JSON) text in the style of the place they go.

use serde_json::Value as Json;

use super::layout::Layout;
use crate::yaml::resolve::{Scalar, is_timestamp, resolve_plain};

/// A scalar (or an empty collection) on one line.
pub(super) fn scalar(v: &Json, layout: &Layout) -> String {
    match v {
        Json::String(s) if !layout.json && plain_ok(s) => s.clone(),
        Json::Array(a) if a.is_empty() => "[]".into(),
        Json::Object(o) if o.is_empty() => "{}".into(),
        _ => serde_json::to_string(v).unwrap_or_default(),
    }
}

/// A mapping key.
pub(super) fn key(k: &str, layout: &Layout) -> String {
    scalar(&Json::String(k.into()), layout)
}

/// Whether `s` can be written plain and read back as the same string by go-yaml v2 (YAML 1.1)
/// and by YAML 1.2 readers: a conservative set of characters, and not a word or number.
fn plain_ok(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/' || first == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && matches!(resolve_plain(s), Scalar::Str(_))
        && !is_timestamp(s)
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        )
}

/// Whether `v` is written on its own lines below its key (a non-empty collection in block
/// style); everything else goes on the key's line.
pub(super) fn is_block(v: &Json) -> bool {
    match v {
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
        _ => false,
    }
}

/// A value in flow style on one line (`{a: 1, b: [x]}`; JSON syntax in a JSON file).
pub(super) fn flow(v: &Json, layout: &Layout) -> String {
    match v {
        Json::Array(items) if !items.is_empty() => {
            let inner: Vec<String> = items.iter().map(|i| flow(i, layout)).collect();
            format!("[{}]", inner.join(", "))
        }
        Json::Object(map) if !map.is_empty() => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", key(k, layout), flow(v, layout)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        _ => scalar(v, layout),
    }
}

/// A value in JSON's multi-line layout, its first line unindented and the others at `indent`.
pub(super) fn json_pretty(v: &Json, indent: usize, layout: &Layout) -> String {
    let pad = |n: usize| " ".repeat(n);
    let eol = layout.eol();
    match v {
        Json::Array(items) if !items.is_empty() => {
            let inner: Vec<String> = items
                .iter()
                .map(|i| {
                    format!(
                        "{}{}",
                        pad(indent + layout.step),
                        json_pretty(i, indent + layout.step, layout)
                    )
                })
                .collect();
            format!(
                "[{eol}{}{eol}{}]",
                inner.join(&format!(",{eol}")),
                pad(indent)
            )
        }
        Json::Object(map) if !map.is_empty() => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}{}: {}",
                        pad(indent + layout.step),
                        key(k, layout),
                        json_pretty(v, indent + layout.step, layout)
                    )
                })
                .collect();
            format!(
                "{{{eol}{}{eol}{}}}",
                inner.join(&format!(",{eol}")),
                pad(indent)
            )
        }
        _ => scalar(v, layout),
    }
}

/// A non-empty collection in block style: its lines, each with its full indentation, the
/// mapping's keys (or the sequence's dashes) at column `col`.
pub(super) fn block_lines(v: &Json, col: usize, layout: &Layout, out: &mut Vec<String>) {
    let pad = " ".repeat(col);
    match v {
        Json::Object(map) => {
            for (k, val) in map {
                entry_lines(&format!("{pad}{}:", key(k, layout)), val, col, layout, out);
            }
        }
        Json::Array(items) => {
            for item in items {
                // `- ` then the item as if at column col + 2, its first line joined to the dash.
                let mut inner = Vec::new();
                if is_block(item) {
                    block_lines(item, col + 2, layout, &mut inner);
                    let first = inner.remove(0);
                    out.push(format!("{pad}- {}", &first[col + 2..]));
                    out.extend(inner);
                } else {
                    out.push(format!("{pad}- {}", scalar(item, layout)));
                }
            }
        }
        _ => out.push(format!("{pad}{}", scalar(v, layout))),
    }
}

/// `head` (`  key:`) followed by the value, on the same line or as block lines below it.
pub(super) fn entry_lines(
    head: &str,
    v: &Json,
    key_col: usize,
    layout: &Layout,
    out: &mut Vec<String>,
) {
    if is_block(v) {
        out.push(head.to_string());
        block_lines(v, child_col(v, key_col, layout), layout, out);
    } else {
        out.push(format!("{head} {}", scalar(v, layout)));
    }
}

/// The column a block value's keys or dashes go at under a key at `key_col`.
pub(super) fn child_col(v: &Json, key_col: usize, layout: &Layout) -> usize {
    if v.is_array() {
        key_col + layout.seq_offset
    } else {
        key_col + layout.step
    }
}
