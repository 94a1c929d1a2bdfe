//! One document's nodes with their byte spans, read from the same libyaml events `load` reads,
//! so the editor and the loader agree on every node. Written here rather than taken from a CST
//! crate: yaml-edit's own parser splits and reads documents its own way, while `fix`'s edits
//! are addressed by `load`'s document numbers and paths; splicing at libyaml's spans keeps every
//! byte outside an edit by construction (see `docs/fix.md`, "Layout preservation").

use std::collections::BTreeSet;

use libyaml_safer::{EventData, MappingStyle, Parser, ScalarStyle, SequenceStyle};

/// A node and where it is written (byte offsets into the document's text).
#[derive(Debug)]
pub(super) struct SNode {
    /// First byte (of the anchor or tag, when the node has one).
    pub start: usize,
    /// One past the last byte (after the closing bracket of a flow collection; block scalars
    /// end after their line breaks).
    pub end: usize,
    /// The anchor the node defines.
    pub anchor: Option<String>,
    /// What it is.
    pub kind: Kind,
}

/// What a node is.
#[derive(Debug)]
pub(super) enum Kind {
    /// A scalar, with its raw value and style.
    Scalar {
        /// The value as written (unescaped, unresolved).
        value: String,
        /// Plain, quoted or block.
        style: ScalarStyle,
        /// An explicit tag.
        tagged: bool,
    },
    /// `*name`.
    Alias(String),
    /// A mapping.
    Map {
        /// Flow (`{}`) or block.
        flow: bool,
        /// The entries in order.
        entries: Vec<Entry>,
    },
    /// A sequence.
    Seq {
        /// Flow (`[]`) or block.
        flow: bool,
        /// The items in order.
        items: Vec<SNode>,
    },
}

/// A mapping entry.
#[derive(Debug)]
pub(super) struct Entry {
    /// The key's text as `load` names it (scalar keys; other keys never match a path).
    pub name: Option<String>,
    /// The key's style.
    pub style: ScalarStyle,
    /// Where the key starts.
    pub key_start: usize,
    /// Where the key ends.
    pub key_end: usize,
    /// The value.
    pub value: SNode,
}

impl SNode {
    /// A plain empty scalar (`key:` with nothing after it) or a null spelled out.
    pub fn is_null(&self) -> bool {
        match &self.kind {
            Kind::Scalar {
                value,
                style,
                tagged: false,
            } => {
                *style == ScalarStyle::Plain
                    && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// What the node is, for error messages.
    pub fn what(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar { .. } => "a scalar",
            Kind::Alias(_) => "an alias",
            Kind::Map { .. } => "a mapping",
            Kind::Seq { .. } => "a sequence",
        }
    }

    /// Whether the node is a flow collection.
    pub fn is_flow(&self) -> bool {
        matches!(
            self.kind,
            Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. }
        )
    }

    /// Every anchor defined in this subtree.
    pub fn anchors(&self, out: &mut Vec<String>) {
        if let Some(a) = &self.anchor {
            out.push(a.clone());
        }
        match &self.kind {
            Kind::Map { entries, .. } => entries.iter().for_each(|e| e.value.anchors(out)),
            Kind::Seq { items, .. } => items.iter().for_each(|i| i.anchors(out)),
            _ => {}
        }
    }
}

/// A parsed document: its root and the anchors aliases refer to.
#[derive(Debug)]
pub(super) struct Tree {
    /// The root node.
    pub root: SNode,
    /// Anchors some alias in the document uses.
    pub aliased: BTreeSet<String>,
}

enum Open {
    Map(usize, Option<String>, bool, Vec<Entry>, Option<SNode>),
    Seq(usize, Option<String>, bool, Vec<SNode>),
}

/// Reads the first document of `text` (one chunk of the stream, as `load` splits it).
pub(super) fn parse(text: &str) -> Result<Tree, String> {
    let mut input = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut stack: Vec<Open> = Vec::new();
    let mut aliased = BTreeSet::new();
    let mut root: Option<SNode> = None;
    loop {
        let event = parser.parse().map_err(|e| e.to_string())?;
        let (start, end) = (
            event.start_mark.index as usize,
            event.end_mark.index as usize,
        );
        let node = match event.data {
            EventData::StreamStart { .. } | EventData::DocumentStart { .. } => continue,
            EventData::StreamEnd | EventData::DocumentEnd { .. } => break,
            EventData::Alias { anchor } => {
                aliased.insert(anchor.clone());
                SNode {
                    start,
                    end,
                    anchor: None,
                    kind: Kind::Alias(anchor),
                }
            }
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => SNode {
                start,
                end,
                anchor,
                kind: Kind::Scalar {
                    value,
                    style,
                    tagged: tag.is_some(),
                },
            },
            EventData::MappingStart { anchor, style, .. } => {
                let flow = style == MappingStyle::Flow;
                stack.push(Open::Map(start, anchor, flow, Vec::new(), None));
                continue;
            }
            EventData::SequenceStart { anchor, style, .. } => {
                let flow = style == SequenceStyle::Flow;
                stack.push(Open::Seq(start, anchor, flow, Vec::new()));
                continue;
            }
            EventData::MappingEnd | EventData::SequenceEnd => {
                let Some(open) = stack.pop() else {
                    return Err("unbalanced collection".into());
                };
                match open {
                    Open::Map(start, anchor, flow, entries, _) => {
                        let last = entries.last().map_or(start, |e| e.value.end);
                        SNode {
                            start,
                            end: if flow { end } else { last },
                            anchor,
                            kind: Kind::Map { flow, entries },
                        }
                    }
                    Open::Seq(start, anchor, flow, items) => {
                        let last = items.last().map_or(start, |i| i.end);
                        SNode {
                            start,
                            end: if flow { end } else { last },
                            anchor,
                            kind: Kind::Seq { flow, items },
                        }
                    }
                }
            }
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Open::Seq(_, _, _, items)) => items.push(node),
            Some(Open::Map(_, _, _, entries, pending)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    let (name, style) = match &key.kind {
                        Kind::Scalar { value, style, .. } => (Some(value.clone()), *style),
                        _ => (None, ScalarStyle::Any),
                    };
                    entries.push(Entry {
                        name,
                        style,
                        key_start: key.start,
                        key_end: key.end,
                        value: node,
                    });
                }
            },
        }
    }
    let root = root.ok_or_else(|| "empty document".to_string())?;
    Ok(Tree { root, aliased })
}
