//! What an edit means for the loaded object: the same change made to a JSON value. The editor
//! checks its output against this, and so do its tests.

use serde_json::{Map, Value as Json};

use super::{Edit, Op, Seg};

/// Applies one edit to a document's JSON value, with the editor's semantics: `Set` creates the
/// missing mappings on the way (a `null` on the way counts as missing) and may append at the
/// index one past a sequence's end; `Remove` of something absent does nothing. Returns `false`
/// when the path cannot be followed (a scalar or sequence where a mapping is needed, an index
/// past the end).
pub fn apply_to_json(root: &mut Json, edit: &Edit) -> bool {
    match &edit.op {
        Op::Set(v) => set(root, &edit.path, v.clone()),
        Op::Remove => remove(root, &edit.path),
    }
}

fn set(node: &mut Json, path: &[Seg], v: Json) -> bool {
    let Some((first, rest)) = path.split_first() else {
        *node = v;
        return true;
    };
    if node.is_null() && matches!(first, Seg::Key(_)) {
        *node = Json::Object(Map::new());
    }
    match (first, node) {
        (Seg::Key(k), Json::Object(map)) => {
            let child = map.entry(k.clone()).or_insert(Json::Null);
            set(child, rest, v)
        }
        (Seg::Index(i), Json::Array(items)) => {
            if *i < items.len() {
                set(&mut items[*i], rest, v)
            } else if *i == items.len() && rest.is_empty() {
                items.push(v);
                true
            } else {
                false
            }
        }
        _ => false,
    }
}

fn remove(node: &mut Json, path: &[Seg]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = node;
    for seg in parents {
        node = match (seg, node) {
            (Seg::Key(k), Json::Object(map)) => match map.get_mut(k) {
                Some(child) => child,
                None => return true,
            },
            (Seg::Index(i), Json::Array(items)) => match items.get_mut(*i) {
                Some(child) => child,
                None => return true,
            },
            (_, Json::Null) => return true,
            _ => return false,
        };
    }
    match (last, node) {
        (Seg::Key(k), Json::Object(map)) => {
            map.shift_remove(k);
            true
        }
        (Seg::Index(i), Json::Array(items)) => {
            if *i < items.len() {
                items.remove(*i);
            }
            true
        }
        (_, Json::Null) => true,
        _ => false,
    }
}

/// The value `v` nested under the keys of `path` (`[a, b]`, `v` → `{a: {b: v}}`); `None` when
/// the path holds a sequence index (a sequence item cannot be created).
pub(super) fn nest(path: &[Seg], v: &Json) -> Option<Json> {
    let mut out = v.clone();
    for seg in path.iter().rev() {
        let Seg::Key(k) = seg else { return None };
        let mut map = Map::new();
        map.insert(k.clone(), out);
        out = Json::Object(map);
    }
    Some(out)
}
