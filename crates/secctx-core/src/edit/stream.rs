//! A whole file: its documents found as `load` finds them, the edited ones rewritten, every
//! other byte copied.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use super::error::{EditError, EditErrorKind};
use super::splice::line_of;
use super::value::apply_to_json;
use super::{Edit, batch};
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
    /// The 1-based line of the edited value, or of the mapping a key is added to, in the text
    /// the edit was planned on: the input, unless an earlier edit of the same document had to
    /// be written first (then that text).
    pub line: u32,
    /// Whether the edit changed the text.
    pub changed: bool,
    /// What happened: `set`, `created`, `removed`, `already set`, anchors and aliases kept.
    pub message: String,
}

/// How [`apply_with`] works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Read every edited document back and compare it with the original objects with the edits
    /// made (two more parses of each edited document; on by default).
    pub verify: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { verify: true }
    }
}

/// Applies `edits` to a manifest file's text (YAML stream or JSON). The edits of a document
/// are applied in order, each seeing the ones before it; nothing is returned unless every edit
/// applies and every edited document reads back as the original objects with the edits made.
pub fn apply(text: &str, edits: &[Edit]) -> Result<Applied, EditError> {
    apply_with(text, edits, &ApplyOptions::default())
}

/// [`apply`] with options.
pub fn apply_with(text: &str, edits: &[Edit], opts: &ApplyOptions) -> Result<Applied, EditError> {
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
                    let new = edit_document(
                        &body[range.clone()],
                        first_line,
                        json,
                        edits,
                        ids,
                        opts.verify,
                    )?;
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

/// Applies the edits `ids` to one document's text, then reads it back and compares it with
/// the original objects with the edits made.
fn edit_document(
    chunk: &str,
    first_line: u32,
    json: bool,
    edits: &[Edit],
    ids: &[usize],
    verify: bool,
) -> Result<(String, Vec<Note>), EditError> {
    let (text, done, texts) =
        batch::apply_document(chunk, json, edits, ids).map_err(|(i, text, (reason, at))| {
            error(edits, i, at.map(|a| line_of(&text, a, first_line)), reason)
        })?;
    let mut notes = Vec::new();
    for d in done {
        let edit = &edits[d.edit];
        let line = line_of(&texts[d.generation], d.at, first_line);
        let headline = match (&edit.op, d.changed) {
            (_, false) => None,
            (super::Op::Set(_), true) => Some("set"),
            (super::Op::Remove, true) => Some("removed"),
        };
        let mut messages: Vec<String> = headline.map(str::to_string).into_iter().collect();
        for n in d.notes {
            if !messages.contains(&n) {
                messages.push(n);
            }
        }
        for message in messages {
            notes.push(Note {
                edit: d.edit,
                document: edit.document,
                line,
                changed: d.changed,
                message,
            });
        }
    }
    if verify {
        let mut expected = load_json(chunk).map_err(|e| error(edits, ids[0], None, syntax(&e)))?;
        for &i in ids {
            if !apply_to_json(&mut expected, &edits[i]) {
                let why = "the path cannot be followed in the object".to_string();
                return Err(error(edits, i, None, EditErrorKind::Unverified(why)));
            }
        }
        let actual = load_json(&text).map_err(|e| {
            let why = format!("it no longer loads: {e}");
            error(edits, ids[0], None, EditErrorKind::Unverified(why))
        })?;
        if actual != expected {
            let why = first_difference(&expected, &actual, String::new());
            return Err(error(edits, ids[0], None, EditErrorKind::Unverified(why)));
        }
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
