//! One edit on one document: follow the path through the document's nodes, then compute the
//! single splice that makes the change, in the style of the surrounding text.

use libyaml_safer::ScalarStyle;
use std::ops::Range;

use serde_json::Value as Json;

use super::error::{EditErrorKind, PathText};
use super::layout::{Layout, column, line_start};
use super::render;
use super::splice::{Splice, after_line, blank, colon_after, dash_before, line_end};
use super::tree::{Entry, Kind, SNode, Tree};
use super::value::nest;
use super::{Edit, Op, Seg};

/// What one edit does to the document's text.
#[derive(Debug)]
pub(super) struct Change {
    /// The splice, or `None` when the document already says it.
    pub splice: Option<Splice>,
    /// Where the change is (a byte of the document), for line numbers.
    pub at: usize,
    /// What the user should know (anchors and aliases kept, nothing to do).
    pub notes: Vec<String>,
    /// What kind of change it is, for batching edits of one document.
    pub scope: Scope,
    /// The bytes whose meaning the change depends on or alters: another edit of the same
    /// batch that touches them must see this one applied first.
    pub guard: Range<usize>,
}

/// How far a change reaches, for batching the edits of one document on one parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scope {
    /// Nothing changes (the node at `guard` already says it).
    Nothing,
    /// A scalar replaced by a scalar, in place.
    Scalar,
    /// Whole lines of one entry of a block mapping removed; the mapping (starting at the
    /// byte given, with that many entries) keeps others.
    EntryRemoval(usize, usize),
    /// Anything else.
    Other,
}

/// What an edit comes to on the parsed document.
pub(super) enum Plan<'t> {
    /// A change computed now.
    Change(Change),
    /// A key to add to a mapping that lacks it: `rest` and `value` say what goes under the key
    /// (the value of `key` is `value` nested under `rest`). Written when the batch is, so that
    /// several edits under the same new key make one insertion.
    Insert {
        /// The mapping.
        map: &'t SNode,
        /// The missing key.
        key: String,
        /// The path below the key.
        rest: Vec<Seg>,
        /// The value at the end of `rest`.
        value: Json,
        /// Notes about the mapping.
        notes: Vec<String>,
    },
    /// A removal under a key the mapping lacks: nothing to do, unless an earlier edit of the
    /// batch adds the key.
    Absent {
        /// The mapping.
        map: &'t SNode,
        /// The missing key.
        key: String,
        /// The path below the key.
        rest: Vec<Seg>,
    },
}

/// A failed edit: the reason and the byte it is about.
pub(super) type Failure = (EditErrorKind, Option<usize>);

/// How a node hangs in its parent.
#[derive(Clone, Copy)]
enum Slot<'t> {
    Root,
    Value(&'t SNode, usize),
    Item(&'t SNode, usize),
}

struct Ctx<'a, 't> {
    text: &'a str,
    tree: &'t Tree,
    layout: &'a Layout,
    path: &'a [Seg],
}

impl Ctx<'_, '_> {
    fn at(&self, depth: usize) -> String {
        PathText(&self.path[..depth]).to_string()
    }
}

/// Works out what `edit` does to a document (`text`, parsed as `tree`).
pub(super) fn plan<'t>(
    text: &str,
    tree: &'t Tree,
    layout: &Layout,
    edit: &Edit,
) -> Result<Plan<'t>, Failure> {
    let cx = Ctx {
        text,
        tree,
        layout,
        path: &edit.path,
    };
    // The nodes from the root down, each with how it hangs in its parent.
    let mut frames: Vec<(&SNode, Slot<'_>)> = vec![(&tree.root, Slot::Root)];
    for (depth, seg) in edit.path.iter().enumerate() {
        let (node, _) = *frames.last().expect("the root is always there");
        if let Kind::Alias(alias) = &node.kind {
            return Err((
                EditErrorKind::ThroughAlias {
                    at: cx.at(depth),
                    alias: alias.clone(),
                },
                Some(node.start),
            ));
        }
        let rest = &edit.path[depth..];
        match seg {
            Seg::Key(k) => {
                if node.is_null() {
                    return match &edit.op {
                        Op::Remove => Ok(Plan::Change(nothing(node, "already absent"))),
                        Op::Set(v) => {
                            let Some(w) = nest(rest, v) else {
                                return Err(missing_item(&cx, depth + 1, node));
                            };
                            check_shared(&cx, &frames, None)?;
                            replace(&cx, &frames, &w).map(Plan::Change)
                        }
                    };
                }
                let Kind::Map { entries, .. } = &node.kind else {
                    return Err((
                        EditErrorKind::NotAMapping {
                            at: cx.at(depth),
                            found: node.what(),
                        },
                        Some(node.start),
                    ));
                };
                match entries.iter().position(|e| e.name.as_deref() == Some(k)) {
                    Some(i) => frames.push((&entries[i].value, Slot::Value(node, i))),
                    None => {
                        let merged = entries.iter().any(|e| e.name.as_deref() == Some("<<"));
                        if merged && (rest.len() > 1 || matches!(edit.op, Op::Remove)) {
                            return Err((
                                EditErrorKind::ThroughMerge {
                                    at: cx.at(depth + 1),
                                },
                                Some(node.start),
                            ));
                        }
                        return match &edit.op {
                            Op::Remove => Ok(Plan::Absent {
                                map: node,
                                key: k.clone(),
                                rest: rest[1..].to_vec(),
                            }),
                            Op::Set(v) => {
                                if nest(&rest[1..], v).is_none() {
                                    return Err(missing_item(&cx, depth + 1, node));
                                }
                                check_shared(&cx, &frames, None)?;
                                Ok(Plan::Insert {
                                    map: node,
                                    key: k.clone(),
                                    rest: rest[1..].to_vec(),
                                    value: v.clone(),
                                    notes: neighbours(node),
                                })
                            }
                        };
                    }
                }
            }
            Seg::Index(n) => {
                let Kind::Seq { items, .. } = &node.kind else {
                    if node.is_null() && matches!(edit.op, Op::Remove) {
                        return Ok(Plan::Change(nothing(node, "already absent")));
                    }
                    return Err((
                        EditErrorKind::NotASequence {
                            at: cx.at(depth),
                            found: node.what(),
                        },
                        Some(node.start),
                    ));
                };
                if *n < items.len() {
                    frames.push((&items[*n], Slot::Item(node, *n)));
                } else if matches!(edit.op, Op::Remove) {
                    return Ok(Plan::Change(nothing(node, "already absent")));
                } else if *n == items.len() && rest.len() == 1 {
                    let Op::Set(v) = &edit.op else {
                        unreachable!("Remove returned above")
                    };
                    check_shared(&cx, &frames, None)?;
                    return append(&cx, node, v).map(Plan::Change);
                } else {
                    return Err((
                        EditErrorKind::NoItem {
                            at: cx.at(depth),
                            index: *n,
                            len: items.len(),
                        },
                        Some(node.start),
                    ));
                }
            }
        }
    }
    let (target, _) = *frames.last().expect("the root is always there");
    match &edit.op {
        Op::Set(v) => {
            if same_value(text, target, v) {
                return Ok(Plan::Change(nothing(target, "already set")));
            }
            check_shared(&cx, &frames[..frames.len() - 1], Some(target))?;
            let mut change = replace(&cx, &frames, v)?;
            if let Kind::Alias(a) = &target.kind {
                change
                    .notes
                    .push(format!("the alias *{a} is replaced by the value"));
            }
            Ok(Plan::Change(change))
        }
        Op::Remove => {
            // With a merge key in the mapping, the merged value of the key would show through.
            if let [.., (parent, _), _] = frames.as_slice()
                && let Kind::Map { entries, .. } = &parent.kind
                && entries.iter().any(|e| e.name.as_deref() == Some("<<"))
            {
                return Err((
                    EditErrorKind::ThroughMerge {
                        at: cx.at(edit.path.len()),
                    },
                    Some(target.start),
                ));
            }
            check_shared(&cx, &frames[..frames.len() - 1], Some(target))?;
            remove(&cx, &frames).map(Plan::Change)
        }
    }
}

fn nothing(node: &SNode, why: &str) -> Change {
    Change {
        splice: None,
        at: node.start,
        notes: vec![why.to_string()],
        scope: Scope::Nothing,
        guard: node.start..node.end,
    }
}

/// A change whose splice is its guard.
fn changed(splice: Splice, scope: Scope, notes: Vec<String>) -> Change {
    Change {
        at: splice.range.start,
        guard: splice.range.clone(),
        splice: Some(splice),
        notes,
        scope,
    }
}

fn missing_item(cx: &Ctx<'_, '_>, depth: usize, node: &SNode) -> Failure {
    (
        EditErrorKind::NoItem {
            at: cx.at(depth),
            index: 0,
            len: 0,
        },
        Some(node.start),
    )
}

/// Refuses an edit inside (or of) an anchored node some alias uses: the change would show up
/// at the aliases too. `target` is the replaced or removed subtree, whose anchors also count.
fn check_shared(
    cx: &Ctx<'_, '_>,
    frames: &[(&SNode, Slot<'_>)],
    target: Option<&SNode>,
) -> Result<(), Failure> {
    let mut anchors: Vec<(String, usize, usize)> = Vec::new();
    for (depth, (node, _)) in frames.iter().enumerate() {
        if let Some(a) = &node.anchor {
            anchors.push((a.clone(), depth, node.start));
        }
    }
    if let Some(t) = target {
        let mut inside = Vec::new();
        t.anchors(&mut inside);
        anchors.extend(inside.into_iter().map(|a| (a, frames.len(), t.start)));
    }
    for (anchor, depth, at) in anchors {
        if cx.tree.aliased.contains(&anchor) {
            return Err((
                EditErrorKind::SharedAnchor {
                    at: cx.at(depth.min(cx.path.len())),
                    anchor,
                },
                Some(at),
            ));
        }
    }
    Ok(())
}

/// Whether `node` already holds `v` (read back as `load` would read it).
fn same_value(text: &str, node: &SNode, v: &Json) -> bool {
    if node.is_null() {
        return v.is_null();
    }
    if matches!(node.kind, Kind::Alias(_)) {
        return false;
    }
    let pad = " ".repeat(column(text, node.start));
    let alone = format!("{pad}{}", &text[node.start..node.end]);
    match crate::yaml::parse_stream(&alone).as_slice() {
        [Ok(doc)] => doc.root.to_json().is_ok_and(|j| &j == v),
        _ => false,
    }
}

/// Notes about anchors and aliases in the mapping an edit changes.
fn neighbours(map: &SNode) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(a) = &map.anchor {
        notes.push(format!(
            "the edited mapping is the anchor &{a} (no alias uses it)"
        ));
    }
    if let Kind::Map { entries, .. } = &map.kind {
        for e in entries {
            if let Kind::Alias(a) = &e.value.kind {
                let name = e.name.as_deref().unwrap_or("?");
                notes.push(format!(
                    "the edited mapping's `{name}` is the alias *{a}, kept as an alias"
                ));
            }
        }
    }
    notes
}

/// The lines `v` takes as a block collection at column `col`, the first without indentation.
fn inline_block(v: &Json, col: usize, layout: &Layout) -> String {
    let mut lines = Vec::new();
    render::block_lines(v, col, layout, &mut lines);
    let joined = lines.join(layout.eol());
    joined[col..].to_string()
}

/// Writes `v` in place of the last frame's node.
fn replace(cx: &Ctx<'_, '_>, frames: &[(&SNode, Slot<'_>)], v: &Json) -> Result<Change, Failure> {
    let (node, slot) = *frames.last().expect("the root is always there");
    let (text, layout) = (cx.text, cx.layout);
    let parent_flow = match slot {
        Slot::Value(p, _) | Slot::Item(p, _) => p.is_flow(),
        Slot::Root => false,
    };
    let ends_line = node.end > node.start && text.as_bytes()[node.end - 1] == b'\n';
    let tail = if ends_line { layout.eol() } else { "" };
    let mut notes = Vec::new();
    if let Slot::Value(map, _) = slot {
        notes.extend(neighbours(map));
    }
    let splice = if parent_flow || node.is_flow() || layout.json {
        let new = if layout.json {
            let indent = indentation(text, node.start);
            render::json_pretty(v, indent, layout)
        } else {
            // In a flow mapping written like JSON, the value is written as JSON too.
            let json_like = match slot {
                Slot::Value(map, _) => match &map.kind {
                    Kind::Map { entries, .. } => {
                        entries.first().map(|e| e.style) == Some(ScalarStyle::DoubleQuoted)
                    }
                    _ => false,
                },
                _ => false,
            };
            let style = Layout {
                json: json_like,
                ..*layout
            };
            render::flow(v, &style, false)
        };
        if node.start == node.end {
            value_point(cx, slot, node, format!(" {new}"))?
        } else {
            Splice {
                range: node.start..node.end,
                text: format!("{new}{tail}"),
            }
        }
    } else if !render::is_block(v) {
        let new = render::scalar(v, layout);
        if node.start == node.end || (node.is_null() && empty_text(text, node)) {
            value_point(cx, slot, node, format!(" {new}"))?
        } else if let Some(colon) = below_key(text, slot, node) {
            // A value on the lines below its key (`key:` then `  a: 1`) becomes `key: new`.
            Splice {
                range: colon + 1..node.end,
                text: format!(" {new}{tail}"),
            }
        } else {
            Splice {
                range: node.start..node.end,
                text: format!("{new}{tail}"),
            }
        }
    } else {
        match slot {
            Slot::Value(map, i) => {
                let Kind::Map { entries, .. } = &map.kind else {
                    unreachable!("a value slot is in a mapping")
                };
                let e = &entries[i];
                let key_col = column(text, e.key_start);
                let mut lines = Vec::new();
                render::block_lines(v, render::child_col(v, key_col, layout), layout, &mut lines);
                let block = lines.join(layout.eol());
                let colon = colon_after(text, e.key_end).ok_or_else(|| layout_err(cx, node))?;
                if node.start == node.end || (node.is_null() && empty_text(text, node)) {
                    // `key:` (maybe with a comment): the block goes below that line.
                    let end = line_end(text, colon);
                    Splice {
                        range: end..end,
                        text: format!("{}{block}", layout.eol()),
                    }
                } else if line_start(text, node.start) > colon {
                    let from = line_start(text, node.start);
                    Splice {
                        range: from..node.end,
                        text: format!("{block}{tail}"),
                    }
                } else {
                    Splice {
                        range: colon + 1..node.end,
                        text: format!("{}{block}{tail}", layout.eol()),
                    }
                }
            }
            Slot::Item(..) | Slot::Root => {
                if node.start == node.end {
                    return Err(layout_err(cx, node));
                }
                let col = column(text, node.start);
                Splice {
                    range: node.start..node.end,
                    text: format!("{}{tail}", inline_block(v, col, layout)),
                }
            }
        }
    };
    let scalar = matches!(node.kind, Kind::Scalar { .. })
        && !node.is_null()
        && !v.is_array()
        && !v.is_object()
        && splice.range == (node.start..node.end);
    let scope = if scalar { Scope::Scalar } else { Scope::Other };
    Ok(changed(splice, scope, notes))
}

/// The `:` of the node's key when only blanks and line breaks separate the two.
fn below_key(text: &str, slot: Slot<'_>, node: &SNode) -> Option<usize> {
    let Slot::Value(map, i) = slot else {
        return None;
    };
    let Kind::Map { entries, .. } = &map.kind else {
        return None;
    };
    let colon = colon_after(text, entries[i].key_end)?;
    let between = &text[colon + 1..node.start];
    (between.contains('\n') && between.trim().is_empty()).then_some(colon)
}

/// Whether an empty or null node's text is nothing at all (`key:`), as opposed to `~`.
fn empty_text(text: &str, node: &SNode) -> bool {
    text[node.start..node.end].trim().is_empty()
}

/// An insertion right after the `:` or `-` that introduces an empty value.
fn value_point(
    cx: &Ctx<'_, '_>,
    slot: Slot<'_>,
    node: &SNode,
    new: String,
) -> Result<Splice, Failure> {
    let text = cx.text;
    let at = match slot {
        Slot::Value(map, i) => {
            let Kind::Map { entries, .. } = &map.kind else {
                unreachable!("a value slot is in a mapping")
            };
            colon_after(text, entries[i].key_end).map(|c| c + 1)
        }
        Slot::Item(..) => dash_before(text, node.start.max(1)).map(|d| d + 1),
        Slot::Root => None,
    }
    .ok_or_else(|| layout_err(cx, node))?;
    // Replace the empty node's own text (`~` or nothing) if it sits on the same line.
    let end = if node.end >= at && !text[at..node.end].contains('\n') {
        node.end
    } else {
        at
    };
    Ok(Splice {
        range: at..end,
        text: new,
    })
}

fn layout_err(cx: &Ctx<'_, '_>, node: &SNode) -> Failure {
    (
        EditErrorKind::Layout {
            at: cx.at(cx.path.len()),
            what: "no place to write the value",
        },
        Some(node.start),
    )
}

/// Whole lines to insert at `at` (a line's start): each ends with `eol`, except at the end of
/// a text whose last line has no line break, which keeps having none.
fn new_lines(text: &str, at: usize, lines: &[String], eol: &str) -> String {
    if at == text.len() && !text.ends_with('\n') {
        format!("{eol}{}", lines.join(eol))
    } else {
        format!("{}{eol}", lines.join(eol))
    }
}

/// The leading spaces of the line holding `at`.
fn indentation(text: &str, at: usize) -> usize {
    let start = line_start(text, at);
    text[start..].len() - text[start..].trim_start_matches(' ').len()
}

/// Whether a flow mapping is written without spaces (`{"a":1,"b":2}`): nothing after the
/// `:` that follows its last key.
fn tight_after(text: &str, key_end: usize) -> bool {
    text[key_end..].starts_with(':') && !text[key_end + 1..].starts_with([' ', '\t', '\r', '\n'])
}

/// The splice that adds `key: w` to a mapping of `tree` that lacks the key.
pub(super) fn insert_splice(
    text: &str,
    tree: &Tree,
    layout: &Layout,
    path: &[Seg],
    map: &SNode,
    key: &str,
    w: &Json,
) -> Result<Splice, Failure> {
    let cx = Ctx {
        text,
        tree,
        layout,
        path,
    };
    insert(&cx, map, key, w)
}

/// Adds `key: w` to an existing mapping that lacks the key.
fn insert(cx: &Ctx<'_, '_>, map: &SNode, key: &str, w: &Json) -> Result<Splice, Failure> {
    let (text, layout) = (cx.text, cx.layout);
    let Kind::Map { flow, entries } = &map.kind else {
        unreachable!("insert is called on mappings")
    };
    let k = match entries.first().map(|e| e.style) {
        Some(ScalarStyle::DoubleQuoted) if !layout.json => {
            serde_json::to_string(key).unwrap_or_default()
        }
        Some(ScalarStyle::SingleQuoted) => format!("'{}'", key.replace('\'', "''")),
        _ => render::key(key, layout),
    };
    // A flow mapping written like JSON (`{"a": 1}`) gets JSON keys and values.
    let quoted = layout.json || entries.first().map(|e| e.style) == Some(ScalarStyle::DoubleQuoted);
    let style = Layout {
        json: quoted,
        ..*layout
    };
    let splice = if *flow {
        let k = render::key(key, &style);
        match entries.last() {
            None => {
                let close = map.end.saturating_sub(1);
                if text.as_bytes().get(close) != Some(&b'}') {
                    return Err(layout_err(cx, map));
                }
                let new = if layout.json && text.trim_end().contains('\n') {
                    // `{}` in a multi-line JSON file opens onto its own lines.
                    let base = indentation(text, map.start);
                    let inner = base + layout.step;
                    let eol = layout.eol();
                    format!(
                        "{eol}{}{k}: {}{eol}{}",
                        " ".repeat(inner),
                        render::json_pretty(w, inner, layout),
                        " ".repeat(base)
                    )
                } else {
                    format!("{k}: {}", render::flow(w, &style, false))
                };
                Splice {
                    range: close..close,
                    text: new,
                }
            }
            Some(last) => {
                let end = last.value.end.max(last.key_end);
                let multi_line = text[map.start..last.key_start].contains('\n');
                let tight = tight_after(text, last.key_end);
                let text_new = if multi_line {
                    let col = column(text, last.key_start);
                    let value = if layout.json {
                        render::json_pretty(w, col, layout)
                    } else {
                        render::flow(w, &style, false)
                    };
                    format!(",{}{}{k}: {value}", layout.eol(), " ".repeat(col))
                } else if tight {
                    format!(",{k}:{}", render::flow(w, &style, true))
                } else {
                    format!(", {k}: {}", render::flow(w, &style, false))
                };
                Splice {
                    range: end..end,
                    text: text_new,
                }
            }
        }
    } else {
        let first = entries.first().ok_or_else(|| layout_err(cx, map))?;
        let last = entries.last().expect("a block mapping has entries");
        let key_col = column(text, first.key_start);
        let at = after_line(text, last.value.end.max(last.key_end));
        let mut lines = Vec::new();
        let head = format!("{}{k}:", " ".repeat(key_col));
        render::entry_lines(&head, w, key_col, layout, &mut lines);
        let eol = layout.eol();
        Splice {
            range: at..at,
            text: new_lines(text, at, &lines, eol),
        }
    };
    Ok(splice)
}

/// Adds `v` after the last item of a sequence.
fn append(cx: &Ctx<'_, '_>, seq: &SNode, v: &Json) -> Result<Change, Failure> {
    let (text, layout) = (cx.text, cx.layout);
    let Kind::Seq { flow, items } = &seq.kind else {
        unreachable!("append is called on sequences")
    };
    let splice = if *flow {
        let value = if layout.json {
            render::json_pretty(v, indentation(text, seq.start), layout)
        } else {
            render::flow(v, layout, false)
        };
        match items.last() {
            None => {
                let close = seq.end.saturating_sub(1);
                if text.as_bytes().get(close) != Some(&b']') {
                    return Err(layout_err(cx, seq));
                }
                Splice {
                    range: close..close,
                    text: value,
                }
            }
            Some(last) => {
                let multi_line = text[seq.start..last.start].contains('\n');
                let new = if multi_line {
                    let col = column(text, last.start);
                    format!(",{}{}{value}", layout.eol(), " ".repeat(col))
                } else {
                    format!(", {value}")
                };
                Splice {
                    range: last.end..last.end,
                    text: new,
                }
            }
        }
    } else {
        let first = items.first().ok_or_else(|| layout_err(cx, seq))?;
        let last = items.last().expect("a block sequence has items");
        let dash = dash_before(text, first.start).ok_or_else(|| layout_err(cx, seq))?;
        let col = column(text, dash);
        let at = after_line(text, last.end);
        let mut lines = Vec::new();
        render::block_lines(&Json::Array(vec![v.clone()]), col, layout, &mut lines);
        let eol = layout.eol();
        Splice {
            range: at..at,
            text: new_lines(text, at, &lines, eol),
        }
    };
    Ok(Change {
        guard: seq.start..seq.end,
        ..changed(splice, Scope::Other, Vec::new())
    })
}

/// Removes the last frame's node from its mapping or sequence.
fn remove(cx: &Ctx<'_, '_>, frames: &[(&SNode, Slot<'_>)]) -> Result<Change, Failure> {
    let text = cx.text;
    let (node, slot) = *frames.last().expect("the root is always there");
    let parent = match frames.len() {
        n if n >= 2 => frames[n - 2].0,
        _ => return Err((EditErrorKind::RemoveRoot, Some(node.start))),
    };
    let mut notes = Vec::new();
    if let Slot::Value(map, _) = slot {
        notes.extend(neighbours(map));
    }
    let (starts, ends): (Vec<usize>, Vec<usize>) = match (&parent.kind, slot) {
        (Kind::Map { entries, .. }, Slot::Value(_, _)) => entries
            .iter()
            .map(|e: &Entry| (e.key_start, e.value.end.max(e.key_end)))
            .unzip(),
        (Kind::Seq { items, .. }, Slot::Item(_, _)) => {
            items.iter().map(|i| (i.start, i.end)).unzip()
        }
        _ => unreachable!("a node's slot matches its parent"),
    };
    let i = match slot {
        Slot::Value(_, i) | Slot::Item(_, i) => i,
        Slot::Root => unreachable!("the root has no parent"),
    };
    let n = starts.len();
    let splice = if n == 1 {
        // The collection becomes empty: write `{}` or `[]` in its place.
        let empty = if matches!(parent.kind, Kind::Map { .. }) {
            Json::Object(Default::default())
        } else {
            Json::Array(Vec::new())
        };
        if parent.is_flow() {
            // Everything between the brackets goes: `{a: 1}` and a multi-line `{ ... }` both
            // become `{}`.
            let open = text[parent.start..]
                .find(['{', '['])
                .map(|o| parent.start + o + 1)
                .ok_or_else(|| layout_err(cx, parent))?;
            Splice {
                range: open..parent.end - 1,
                text: String::new(),
            }
        } else {
            return replace(cx, &frames[..frames.len() - 1], &empty).map(|mut c| {
                c.notes.extend(notes);
                c
            });
        }
    } else if parent.is_flow() {
        if i + 1 < n {
            Splice {
                range: starts[i]..starts[i + 1],
                text: String::new(),
            }
        } else {
            Splice {
                range: ends[i - 1]..ends[i],
                text: String::new(),
            }
        }
    } else {
        // The first text of the entry or item: its key, or the `-` before the item.
        let head = match slot {
            Slot::Item(..) => dash_before(text, starts[i]).ok_or_else(|| layout_err(cx, node))?,
            _ => starts[i],
        };
        let from = line_start(text, head);
        if blank(text, from, head) {
            Splice {
                range: from..after_line(text, ends[i]),
                text: String::new(),
            }
        } else if i == 0 {
            // The first key of a mapping that follows `- ` on its line: the next key moves up.
            Splice {
                range: head..starts[1],
                text: String::new(),
            }
        } else {
            return Err(layout_err(cx, node));
        }
    };
    let whole_lines = !parent.is_flow() && matches!(parent.kind, Kind::Map { .. }) && n > 1;
    if whole_lines {
        return Ok(changed(splice, Scope::EntryRemoval(parent.start, n), notes));
    }
    // Removing from a sequence renumbers its items; a flow removal touches its neighbours'
    // commas: the whole collection is guarded.
    Ok(Change {
        guard: parent.start..parent.end,
        ..changed(splice, Scope::Other, notes)
    })
}
