//! Parser events to a tree, the way go-yaml v2 decodes into `interface{}`: anchors and aliases
//! expanded (bounded by [`MAX_NODES`] and [`MAX_DEPTH`]), `<<` merge keys applied in place,
//! duplicate keys refused.

use std::collections::HashMap;

use super::node::{Key, Node, Pos, Value};
use super::parse::{MAX_DEPTH, MAX_NODES};
use super::scalar::{MERGE_TAG, Scalar, key_of, scalar_value};

/// A tree-building error; `at` overrides the current event's position when a better one is known.
pub(super) struct BuildError {
    pub(super) at: Option<Pos>,
    pub(super) message: String,
}

impl From<String> for BuildError {
    fn from(message: String) -> BuildError {
        BuildError { at: None, message }
    }
}

/// The kind of collection an event opens.
pub(super) enum Collection {
    Seq,
    Map,
}

/// Maps with more entries than this get a key index instead of a linear search.
const INDEX_FROM: usize = 16;

/// A mapping being built.
#[derive(Default)]
struct MapBuild {
    entries: Vec<(Key, Node)>,
    /// Per entry: was its key written in this mapping (not merged in by `<<`)?
    explicit: Vec<bool>,
    index: Option<HashMap<String, usize>>,
    pending: Option<PendingKey>,
}

impl MapBuild {
    fn find(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name).copied(),
            None => self.entries.iter().position(|(k, _)| k.name == name),
        }
    }

    fn push(&mut self, key: Key, node: Node, explicit: bool) {
        if let Some(index) = &mut self.index {
            index.insert(key.name.clone(), self.entries.len());
        }
        self.entries.push((key, node));
        self.explicit.push(explicit);
        if self.index.is_none() && self.entries.len() > INDEX_FROM {
            let index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.name.clone(), i))
                .collect();
            self.index = Some(index);
        }
    }

    /// A key written in this mapping: a second one is an error; one merged in earlier is
    /// overwritten (go-yaml v2 sets map entries in order, last wins).
    fn insert(&mut self, key: Key, node: Node) -> Result<(), BuildError> {
        match self.find(&key.name) {
            Some(i) if self.explicit[i] => {
                let first = self.entries[i].0.pos.line;
                Err(BuildError {
                    at: Some(key.pos),
                    message: format!(
                        "key {:?} already set in map (first at line {first})",
                        key.name
                    ),
                })
            }
            Some(i) => {
                self.entries[i] = (key, node);
                self.explicit[i] = true;
                Ok(())
            }
            None => {
                self.push(key, node, true);
                Ok(())
            }
        }
    }

    /// `<<: value`: go-yaml v2 merges where the key stands, overwriting what is already set;
    /// for a sequence of mappings, earlier ones win (they are applied last).
    fn merge(&mut self, value: Node) -> Result<(), String> {
        let sources = match value.value {
            Value::Map(entries) => vec![entries],
            Value::Seq(items) => {
                let mut sources = Vec::with_capacity(items.len());
                for item in items.into_iter().rev() {
                    match item.value {
                        Value::Map(entries) => sources.push(entries),
                        _ => return Err(MERGE_ERROR.into()),
                    }
                }
                sources
            }
            _ => return Err(MERGE_ERROR.into()),
        };
        for (key, node) in sources.into_iter().flatten() {
            match self.find(&key.name) {
                Some(i) => self.entries[i].1 = node,
                None => self.push(key, node, false),
            }
        }
        Ok(())
    }
}

const MERGE_ERROR: &str = "map merge requires map or sequence of maps as the value";

enum Frame {
    Seq {
        pos: Pos,
        anchor: Option<String>,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: Option<String>,
        map: MapBuild,
    },
}

enum PendingKey {
    Key(Key),
    Merge,
}

/// Builds one document's tree from its events.
pub(super) struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<String, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
}

impl Builder {
    pub(super) fn new() -> Builder {
        Builder {
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            root: None,
        }
    }

    /// Ends the document: its root (null when it had none).
    pub(super) fn finish(&mut self, pos: Pos) -> Node {
        self.root.take().unwrap_or(Node {
            value: Value::Null,
            pos,
        })
    }

    /// `*name`.
    pub(super) fn alias(&mut self, name: &str) -> Result<(), BuildError> {
        let (node, size) = self
            .anchors
            .get(name)
            .cloned()
            .ok_or_else(|| format!("unknown anchor '{name}' referenced"))?;
        self.count(size)?;
        self.complete(node, None, true)
    }

    /// A scalar event.
    pub(super) fn scalar(
        &mut self,
        scalar: Scalar,
        anchor: Option<String>,
        pos: Pos,
    ) -> Result<(), BuildError> {
        self.count(1)?;
        let is_merge_key = scalar.text == "<<"
            && (scalar.plain_implicit || scalar.tag.as_deref() == Some(MERGE_TAG));
        if is_merge_key
            && let Some(Frame::Map { map, .. }) = self.stack.last_mut()
            && map.pending.is_none()
        {
            map.pending = Some(PendingKey::Merge);
            return Ok(());
        }
        let value = scalar_value(scalar)?;
        self.complete(Node { value, pos }, anchor, false)
    }

    /// A sequence or mapping starts.
    pub(super) fn start(
        &mut self,
        kind: Collection,
        anchor: Option<String>,
        pos: Pos,
    ) -> Result<(), BuildError> {
        self.count(1)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels").into());
        }
        self.stack.push(match kind {
            Collection::Seq => Frame::Seq {
                pos,
                anchor,
                items: Vec::new(),
            },
            Collection::Map => Frame::Map {
                pos,
                anchor,
                map: MapBuild::default(),
            },
        });
        Ok(())
    }

    /// The innermost sequence or mapping ends.
    pub(super) fn end(&mut self) -> Result<(), BuildError> {
        let frame = self
            .stack
            .pop()
            .ok_or_else(|| BuildError::from("unbalanced collection end".to_string()))?;
        let (node, anchor) = match frame {
            Frame::Seq { pos, anchor, items } => (
                Node {
                    value: Value::Seq(items),
                    pos,
                },
                anchor,
            ),
            Frame::Map { pos, anchor, map } => (
                Node {
                    value: Value::Map(map.entries),
                    pos,
                },
                anchor,
            ),
        };
        self.complete(node, anchor, false)
    }

    fn count(&mut self, n: usize) -> Result<(), String> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(format!(
                "document expands to more than {MAX_NODES} nodes (aliases included)"
            ));
        }
        Ok(())
    }

    fn complete(
        &mut self,
        node: Node,
        anchor: Option<String>,
        from_alias: bool,
    ) -> Result<(), BuildError> {
        if let Some(anchor) = anchor {
            let size = if from_alias { 1 } else { node_size(&node) };
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { map, .. }) => match map.pending.take() {
                None => {
                    let key = key_of(&node).map_err(|message| BuildError {
                        at: Some(node.pos),
                        message,
                    })?;
                    map.pending = Some(PendingKey::Key(key));
                    Ok(())
                }
                Some(PendingKey::Merge) => map.merge(node).map_err(BuildError::from),
                Some(PendingKey::Key(key)) => map.insert(key, node),
            },
        }
    }
}

fn node_size(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(node_size).sum::<usize>(),
        Value::Map(entries) => 1 + entries.iter().map(|(_, v)| 1 + node_size(v)).sum::<usize>(),
        _ => 1,
    }
}
