//! The edits of one document, applied on as few parses as possible: each edit is planned on
//! the current parse; edits that touch separate bytes (or add keys to the same mapping) are
//! kept together and written at once; an edit that depends on bytes an earlier one changes
//! (or fails where a change could explain it) first has the batch written and the document
//! parsed again, so every edit sees the ones before it, as if applied one by one.

use std::cmp::Reverse;
use std::ops::Range;

use serde_json::Value as Json;

use super::doc::{self, Failure, Plan, Scope};
use super::layout::{self, Layout};
use super::splice::Splice;
use super::tree::{SNode, Tree};
use super::value::{apply_to_json, nest};
use super::{Edit, Op, Seg};

/// A change kept for the batch.
struct Kept {
    /// Its splice (none for `Nothing`).
    splice: Option<Splice>,
    scope: Scope,
    guard: Range<usize>,
    /// Edit order, to break ties between splices at the same place.
    order: usize,
}

/// A key to add, with everything the batch's edits put under it.
struct Pending<'t> {
    map: &'t SNode,
    key: String,
    value: Json,
    /// The edit that first asked for it (for error messages).
    edit: usize,
    order: usize,
}

/// What applying an edit to the batch gave.
pub(super) struct Done {
    /// The edit (index into the caller's slice).
    pub edit: usize,
    /// Whether the text changes.
    pub changed: bool,
    /// A byte of the text as it was when the edit was planned.
    pub at: usize,
    /// The text the byte is in (for the line number).
    pub generation: usize,
    /// The notes.
    pub notes: Vec<String>,
}

/// The new text, what each edit did, and every text the document went through.
pub(super) type Written = (String, Vec<Done>, Vec<String>);

/// Where a splice goes among those of one batch: start, end, deeper mapping first, edit order.
type SortKey = (usize, usize, Reverse<usize>, usize);

/// Applies `ids` (indices into `edits`, in order) to one document's text. Returns the new text,
/// what each edit did, and every text the document went through (`Done::generation` indexes it).
pub(super) fn apply_document(
    chunk: &str,
    json: bool,
    edits: &[Edit],
    ids: &[usize],
) -> Result<Written, (usize, String, Failure)> {
    let mut texts = vec![chunk.to_string()];
    let mut done = Vec::new();
    let mut next = 0usize;
    while next < ids.len() {
        let text = texts.last().expect("one text at least").clone();
        let tree = super::tree::parse(&text).map_err(|e| {
            (
                ids[next],
                text.clone(),
                (super::EditErrorKind::Syntax(e), None),
            )
        })?;
        let layout = layout::detect(&text, &tree.root, json);
        let mut batch = Batch {
            text: &text,
            tree: &tree,
            layout: &layout,
            kept: Vec::new(),
            pending: Vec::new(),
        };
        let generation = texts.len() - 1;
        // Plan edits on this parse until one needs the batch written first.
        while next < ids.len() {
            let i = ids[next];
            let plan = doc::plan(&text, &tree, &layout, &edits[i]);
            match batch.take(i, next, &edits[i], plan) {
                Taken::Yes(notes, changed, at) => {
                    done.push(Done {
                        edit: i,
                        changed,
                        at,
                        generation,
                        notes,
                    });
                    next += 1;
                }
                // Either needs an earlier change written first, or may fail only because
                // one is not written yet: write the batch and plan it again.
                Taken::Later | Taken::Failed(_) if !batch.is_empty() => break,
                Taken::Failed(f) => return Err((i, text.clone(), f)),
                Taken::Later => {
                    let why = "an edit conflicts with nothing (editor bug)".to_string();
                    return Err((
                        i,
                        text.clone(),
                        (super::EditErrorKind::Unverified(why), None),
                    ));
                }
            }
        }
        let new = batch.write().map_err(|(edit, f)| (edit, text.clone(), f))?;
        if new != text {
            texts.push(new);
        }
    }
    let last = texts.last().expect("one text at least").clone();
    Ok((last, done, texts))
}

enum Taken {
    /// In the batch: notes, whether it changes the text, where.
    Yes(Vec<String>, bool, usize),
    /// Needs the batch written first.
    Later,
    /// The edit cannot be applied (on this parse).
    Failed(Failure),
}

struct Batch<'a, 't> {
    text: &'a str,
    tree: &'t Tree,
    layout: &'a Layout,
    kept: Vec<Kept>,
    pending: Vec<Pending<'t>>,
}

fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start == b.start;
    }
    if a.is_empty() {
        return b.start < a.start && a.start < b.end;
    }
    if b.is_empty() {
        return a.start < b.start && b.start < a.end;
    }
    a.start < b.end && b.start < a.end
}

impl<'t> Batch<'_, 't> {
    fn is_empty(&self) -> bool {
        self.kept.iter().all(|k| k.splice.is_none()) && self.pending.is_empty()
    }

    fn take(
        &mut self,
        i: usize,
        order: usize,
        edit: &Edit,
        plan: Result<Plan<'t>, Failure>,
    ) -> Taken {
        match plan {
            Err(f) => Taken::Failed(f),
            Ok(Plan::Change(c)) => {
                if self.conflicts(c.scope, &c.guard) {
                    return Taken::Later;
                }
                let changed = c.splice.is_some();
                self.kept.push(Kept {
                    splice: c.splice,
                    scope: c.scope,
                    guard: c.guard,
                    order,
                });
                Taken::Yes(c.notes, changed, c.at)
            }
            Ok(Plan::Insert {
                map,
                key,
                rest,
                value,
                notes,
            }) => {
                let set = Edit {
                    document: edit.document,
                    path: rest.clone(),
                    op: Op::Set(value.clone()),
                };
                if let Some(p) = self.pending_for(map, &key) {
                    return if apply_to_json(&mut p.value, &set) {
                        Taken::Yes(notes, true, map.start)
                    } else {
                        Taken::Later
                    };
                }
                // Two keys for an empty flow mapping would need a comma between them: the
                // second waits for the first to be written.
                let empty_flow = map.is_flow()
                    && matches!(&map.kind, super::tree::Kind::Map { entries, .. } if entries.is_empty());
                if empty_flow && self.pending.iter().any(|p| std::ptr::eq(p.map, map)) {
                    return Taken::Later;
                }
                let map_range = map.start..map.end + 1;
                let blocked = self.kept.iter().any(|k| match k.scope {
                    Scope::Nothing | Scope::Scalar => false,
                    Scope::EntryRemoval(m, _) => m != map.start && overlap(&map_range, &k.guard),
                    Scope::Other => overlap(&map_range, &k.guard),
                });
                if blocked {
                    return Taken::Later;
                }
                let value = nest(&rest, &value).expect("checked when planned");
                self.pending.push(Pending {
                    map,
                    key,
                    value,
                    edit: i,
                    order,
                });
                Taken::Yes(notes, true, map.start)
            }
            Ok(Plan::Absent { map, key, rest }) => {
                if let Some(p) = self.pending_for(map, &key) {
                    if rest.is_empty() {
                        self.pending
                            .retain(|q| !(std::ptr::eq(q.map, map) && q.key == key));
                        return Taken::Yes(vec!["removed".into()], true, map.start);
                    }
                    let rm = Edit {
                        document: edit.document,
                        path: rest,
                        op: Op::Remove,
                    };
                    return if apply_to_json(&mut p.value, &rm) {
                        Taken::Yes(vec!["removed".into()], true, map.start)
                    } else {
                        Taken::Later
                    };
                }
                if self.conflicts(Scope::Nothing, &(map.start..map.end)) {
                    return Taken::Later;
                }
                Taken::Yes(vec!["already absent".into()], false, map.start)
            }
        }
    }

    fn pending_for(&mut self, map: &SNode, key: &str) -> Option<&mut Pending<'t>> {
        self.pending
            .iter_mut()
            .find(|p| std::ptr::eq(p.map, map) && p.key == key)
    }

    /// Whether a change of `scope` over `guard` depends on what the batch already changes.
    fn conflicts(&self, scope: Scope, guard: &Range<usize>) -> bool {
        if let Scope::EntryRemoval(map, entries) = scope {
            let removals = self
                .kept
                .iter()
                .filter(|k| k.scope == Scope::EntryRemoval(map, entries))
                .count();
            if removals + 1 >= entries {
                return true;
            }
            let inside = self
                .pending
                .iter()
                .any(|p| p.map.start != map && overlap(&(p.map.start..p.map.end + 1), guard));
            if inside {
                return true;
            }
        }
        if scope == Scope::Other
            && self
                .pending
                .iter()
                .any(|p| overlap(&(p.map.start..p.map.end + 1), guard))
        {
            return true;
        }
        // A kept `Nothing` never blocks: the edit after it would change the text the same way
        // one by one.
        self.kept
            .iter()
            .any(|k| k.scope != Scope::Nothing && overlap(&k.guard, guard))
    }

    /// Writes the batch: every kept splice and pending key, in text order.
    fn write(self) -> Result<String, (usize, Failure)> {
        // (start, end, deeper mapping first, edit order) then the splice.
        let mut all: Vec<(SortKey, Splice)> = Vec::new();
        for k in self.kept {
            if let Some(s) = k.splice {
                all.push(((s.range.start, s.range.end, Reverse(0), k.order), s));
            }
        }
        for p in &self.pending {
            let path: Vec<Seg> = vec![Seg::Key(p.key.clone())];
            let s = doc::insert_splice(
                self.text,
                self.tree,
                self.layout,
                &path,
                p.map,
                &p.key,
                &p.value,
            )
            .map_err(|f| (p.edit, f))?;
            all.push((
                (s.range.start, s.range.end, Reverse(p.map.start), p.order),
                s,
            ));
        }
        all.sort_by_key(|(key, _)| *key);
        let mut out = String::with_capacity(self.text.len() + 256);
        let mut at = 0;
        for (_, s) in all {
            debug_assert!(s.range.start >= at, "splices of one batch never overlap");
            let start = s.range.start.max(at);
            out.push_str(&self.text[at..start]);
            out.push_str(&s.text);
            at = s.range.end.max(at);
        }
        out.push_str(&self.text[at..]);
        Ok(out)
    }
}
