//! The pod template being fixed, as JSON (`{"metadata": ..., "spec": ...}`): edits are applied
//! here as the editor will apply them to the file, so that the next round of remedies and the
//! final verdict see the edited pod.

use std::cmp::Ordering;

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Value as Json};

use crate::path::{FieldPath, Segment};

/// The pod template as JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct State(pub Json);

impl State {
    /// The state of a pod template's metadata and spec.
    pub fn new(meta: &ObjectMeta, spec: &PodSpec) -> State {
        let mut m = Map::new();
        m.insert(
            "metadata".into(),
            serde_json::to_value(meta).unwrap_or_default(),
        );
        m.insert(
            "spec".into(),
            serde_json::to_value(spec).unwrap_or_default(),
        );
        State(Json::Object(m))
    }

    /// The value at `path`, if set (a `null` counts as unset).
    pub fn get(&self, path: &FieldPath) -> Option<&Json> {
        let mut v = &self.0;
        for s in path.segments() {
            v = match (s, v) {
                (Segment::Field(k) | Segment::Key(k), Json::Object(m)) => m.get(k)?,
                (Segment::Index(i), Json::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        (!v.is_null()).then_some(v)
    }

    /// Sets `path` to `value` (creating missing mappings), or removes it when `value` is
    /// `None` (nothing happens if it is absent).
    pub fn apply(&mut self, path: &FieldPath, value: Option<&Json>) {
        let segs = path.segments();
        let Some((last, parents)) = segs.split_last() else {
            return;
        };
        let mut v = &mut self.0;
        for s in parents {
            if v.is_null() {
                *v = Json::Object(Map::new());
            }
            v = match (s, v) {
                (Segment::Field(k) | Segment::Key(k), Json::Object(m)) => {
                    m.entry(k.clone()).or_insert(Json::Null)
                }
                (Segment::Index(i), Json::Array(a)) if *i < a.len() => &mut a[*i],
                _ => return,
            };
        }
        if v.is_null() && value.is_some() {
            *v = Json::Object(Map::new());
        }
        match (last, v, value) {
            (Segment::Field(k) | Segment::Key(k), Json::Object(m), Some(x)) => {
                m.insert(k.clone(), x.clone());
            }
            (Segment::Field(k) | Segment::Key(k), Json::Object(m), None) => {
                m.remove(k);
            }
            (Segment::Index(i), Json::Array(a), Some(x)) if *i < a.len() => a[*i] = x.clone(),
            (Segment::Index(i), Json::Array(a), Some(x)) if *i == a.len() => a.push(x.clone()),
            (Segment::Index(i), Json::Array(a), None) if *i < a.len() => {
                a.remove(*i);
            }
            _ => {}
        }
    }

    /// The typed metadata and spec.
    pub fn typed(&self) -> Result<(ObjectMeta, PodSpec), serde_json::Error> {
        let meta = serde_json::from_value(self.0.get("metadata").cloned().unwrap_or_default())?;
        let spec = serde_json::from_value(self.0.get("spec").cloned().unwrap_or_default())?;
        Ok((meta, spec))
    }
}

/// The order edits of one round are applied in: every set first (in the order given), then
/// every removal with the deepest, highest-indexed paths first, so that removing a list item
/// never shifts the index of another edit of the round.
pub fn apply_order(a: (&FieldPath, bool), b: (&FieldPath, bool)) -> Ordering {
    match (a.1, b.1) {
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        (false, false) => Ordering::Equal,
        (true, true) => compare_paths(b.0, a.0),
    }
}

fn compare_paths(a: &FieldPath, b: &FieldPath) -> Ordering {
    for (x, y) in a.segments().iter().zip(b.segments()) {
        let o = match (x, y) {
            (Segment::Index(i), Segment::Index(j)) => i.cmp(j),
            (Segment::Field(p) | Segment::Key(p), Segment::Field(q) | Segment::Key(q)) => p.cmp(q),
            (Segment::Index(_), _) => Ordering::Less,
            (_, Segment::Index(_)) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.segments().len().cmp(&b.segments().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_creates_mappings_and_remove_takes_items() {
        let mut s =
            State(json!({"spec": {"containers": [{"name": "a", "securityContext": null}]}}));
        let p = FieldPath::parse("spec.containers[0].securityContext.capabilities.drop");
        s.apply(&p, Some(&json!(["ALL"])));
        assert_eq!(s.get(&p), Some(&json!(["ALL"])));
        s.apply(
            &FieldPath::parse("spec.containers[0].securityContext.capabilities.drop[0]"),
            None,
        );
        assert_eq!(s.get(&p), Some(&json!([])));
        s.apply(
            &FieldPath::parse("metadata.annotations").key("a/b"),
            Some(&json!("x")),
        );
        assert_eq!(s.0["metadata"]["annotations"]["a/b"], "x");
        // A path through a missing list item changes nothing.
        s.apply(
            &FieldPath::parse("spec.containers[3].name"),
            Some(&json!("z")),
        );
        assert_eq!(s.0["spec"]["containers"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn removals_run_last_and_highest_index_first() {
        let a = FieldPath::parse("spec.securityContext.sysctls[0]");
        let b = FieldPath::parse("spec.securityContext.sysctls[2]");
        let c = FieldPath::parse("spec.hostNetwork");
        let mut v = [(&a, true), (&c, false), (&b, true)];
        v.sort_by(|x, y| apply_order(*x, *y));
        assert_eq!(
            v.map(|x| x.0.to_string()),
            [c.to_string(), b.to_string(), a.to_string()]
        );
    }
}
