//! A whole file: its documents found as `load` finds them, the edited ones rewritten, every
//! other byte copied.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use super::doc::{self, Failure};
use super::error::{EditError, EditErrorKind};
use super::splice::line_of;
use super::value::apply_to_json;
use super::{Edit, layout, tree};
use crate::yaml::{self, Chunk};

/// The edited text and what each edit did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Applied {
    /// The new text of the whole file.
    pub text: String,
    /// One or more notes per edit, in edit order.
    pub notes: Vec<Note>,
}

impl Applied {
    /// Whether any edit changed the text.
    pub fn changed(&self) -> bool {
        self.notes.iter().any(|n| n.changed)
    }
}

/// What one edit did, or something the user should know about it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    /// The index of the edit in the slice given to [`apply`].
    pub edit: usize,
    /// The document the edit is in.
    pub document: usize,
    /// The 1-based line of the change in the new text (as of this edit).
    pub line: u32,
    /// Whether the edit changed the text.
    pub changed: bool,
    /// What happened: `set`, `created`, `removed`, `already set`, anchors and aliases kept.
    pub message: String,
}

/// Applies `edits` to a manifest file's text (YAML stream or JSON). The edits of a document
/// are applied in order, each seeing the ones before it; nothing is returned unless every edit
/// applies and every edited document reads back as the original objects with the edits made.
pub fn apply(text: &str, edits: &[Edit]) -> Result<Applied, EditError> {
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    let json = body.trim_start().starts_with('{');
    let mut by_doc: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, e) in edits.iter().enumerate() {
        by_doc.entry(e.document).or_default().push(i);
    }
    let mut out = String::with_capacity(text.len() + 64 * edits.len());
    out.push_str(bom);
    let mut notes = Vec::new();
    let mut copied = 0usize;
    let mut index = 0usize;
    let wanted = by_doc.keys().next_back().copied();
    for chunk in yaml::split_documents(body) {
        let Some(last) = wanted else { break };
        if index > last {
            break;
        }
        match chunk {
            Chunk::BadSeparator(line, _) => {
                if let Some(ids) = by_doc.get(&index) {
                    return Err(error(
                        edits,
                        ids[0],
                        Some(line),
                        syntax("invalid separator"),
                    ));
                }
                index += 1;
            }
            Chunk::Text(range, first_line) => {
                let count = documents_in(&body[range.clone()]);
                if count == 0 {
                    continue;
                }
                if let Some(ids) = by_doc.get(&index) {
                    let new = edit_document(&body[range.clone()], first_line, json, edits, ids)?;
                    out.push_str(&body[copied..range.start]);
                    out.push_str(&new.0);
                    copied = range.end;
                    notes.extend(new.1);
                }
                index += count;
            }
        }
    }
    if let Some(last) = wanted
        && last >= index
    {
        let ids = &by_doc[&last];
        return Err(error(edits, ids[0], None, EditErrorKind::NoDocument(index)));
    }
    out.push_str(&body[copied..]);
    notes.sort_by_key(|n: &Note| n.edit);
    Ok(Applied { text: out, notes })
}

fn syntax(message: &str) -> EditErrorKind {
    EditErrorKind::Syntax(message.to_string())
}

fn error(edits: &[Edit], i: usize, line: Option<u32>, reason: EditErrorKind) -> EditError {
    EditError {
        document: edits[i].document,
        path: edits[i].path.clone(),
        line,
        reason,
    }
}

/// How many documents `load` counts in one chunk (0 or 1): a chunk that visibly holds a
/// mapping or a sequence is one; anything else is parsed to find out (a lone `~` is none).
fn documents_in(chunk: &str) -> usize {
    let mut content = false;
    for line in chunk.lines() {
        let t = line.trim_start();
        if t.starts_with("...") || t.starts_with('%') {
            return yaml::parse_stream(chunk).len();
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let structure = t.starts_with(['-', '{', '['])
            || t.find(':')
                .is_some_and(|c| t.find('#').is_none_or(|h| c < h));
        if structure {
            content = true;
        }
    }
    if content {
        1
    } else {
        yaml::parse_stream(chunk).len()
    }
}

/// The loaded JSON of a chunk's document.
fn load_json(chunk: &str) -> Result<Json, String> {
    match yaml::parse_stream(chunk).into_iter().next() {
        Some(Ok(doc)) => doc.root.to_json().map_err(|e| e.to_string()),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("empty document".into()),
    }
}

/// Applies the edits `ids` to one document's text.
fn edit_document(
    chunk: &str,
    first_line: u32,
    json: bool,
    edits: &[Edit],
    ids: &[usize],
) -> Result<(String, Vec<Note>), EditError> {
    let fail = |i: usize, text: &str, (reason, at): Failure| {
        error(edits, i, at.map(|a| line_of(text, a, first_line)), reason)
    };
    let mut expected = load_json(chunk).map_err(|e| error(edits, ids[0], None, syntax(&e)))?;
    let mut text = chunk.to_string();
    let mut notes = Vec::new();
    for &i in ids {
        let edit = &edits[i];
        let tree = tree::parse(&text).map_err(|e| error(edits, i, None, syntax(&e)))?;
        let layout = layout::detect(&text, &tree.root, json);
        let change = doc::change(&text, &tree, &layout, edit).map_err(|f| fail(i, &text, f))?;
        if !apply_to_json(&mut expected, edit) {
            return Err(error(
                edits,
                i,
                None,
                EditErrorKind::Unverified("the path cannot be followed in the object".into()),
            ));
        }
        let line = line_of(&text, change.at, first_line);
        let changed = change.splice.is_some();
        if let Some(splice) = &change.splice {
            text = splice.apply(&text);
        }
        let headline = match (&edit.op, changed) {
            (_, false) => None,
            (super::Op::Set(_), true) => Some("set"),
            (super::Op::Remove, true) => Some("removed"),
        };
        for message in headline.map(str::to_string).into_iter().chain(change.notes) {
            notes.push(Note {
                edit: i,
                document: edit.document,
                line,
                changed,
                message,
            });
        }
    }
    let actual = load_json(&text).map_err(|e| {
        error(
            edits,
            ids[0],
            None,
            EditErrorKind::Unverified(format!("it no longer loads: {e}")),
        )
    })?;
    if actual != expected {
        return Err(error(
            edits,
            ids[0],
            None,
            EditErrorKind::Unverified(first_difference(&expected, &actual, String::new())),
        ));
    }
    Ok((text, notes))
}

/// Where two values first differ, for the error message.
fn first_difference(want: &Json, got: &Json, at: String) -> String {
    match (want, got) {
        (Json::Object(a), Json::Object(b)) => {
            for (k, v) in a {
                let here = format!("{at}.{k}");
                match b.get(k) {
                    Some(w) if w == v => {}
                    Some(w) => return first_difference(v, w, here),
                    None => return format!("{here} is missing"),
                }
            }
            match b.keys().find(|k| !a.contains_key(*k)) {
                Some(k) => format!("{at}.{k} is unexpected"),
                None => format!("{at} differs in key order"),
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                if v != w {
                    return first_difference(v, w, format!("{at}[{i}]"));
                }
            }
            format!("{at} differs")
        }
        _ => format!("{at}: expected {want}, read {got}"),
    }
}
