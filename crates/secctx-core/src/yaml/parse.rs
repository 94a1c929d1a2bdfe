//! From text to documents: kubectl's document splitting, then one tree per document.
//!
//! Documents are split at `---` lines first (as kubectl's YAML reader does), so a syntax error
//! in one document does not hide the documents after it.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use super::node::{Key, Node, Pos, Value};
use super::resolve::{Scalar, resolve_plain};

/// Deepest nesting accepted (deeper input is rejected rather than risking the stack).
pub const MAX_DEPTH: usize = 256;
/// Most nodes one document may expand to, aliases included (guards against "billion laughs").
pub const MAX_NODES: usize = 2_000_000;

/// A parsed document and where it starts.
#[derive(Clone, Debug)]
pub struct Document {
    /// The root value.
    pub root: Node,
    /// 0-based index of the document in its stream (empty documents are not counted).
    pub index: usize,
}

/// A YAML syntax or structure error, with its position.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct YamlError {
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// 0-based index of the document the error belongs to.
    pub index: usize,
}

/// Parses a multi-document stream. Each non-empty document yields its tree or its error; an
/// error ends only the document it is in.
pub fn parse_stream(text: &str) -> Vec<Result<Document, YamlError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (chunk, first_line) in split_documents(text) {
        if chunk.trim().is_empty() {
            continue;
        }
        parse_chunk(chunk, first_line, &mut out);
    }
    out
}

/// kubectl's splitting: a line starting with `---` followed only by spaces or a comment ends a
/// document. Yields each chunk and the 1-based line it starts on.
fn split_documents(text: &str) -> Vec<(&str, u32)> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut offset = 0usize;
    for (line_no, line) in (1u32..).zip(text.split_inclusive('\n')) {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                chunks.push((&text[start..offset], start_line));
                start = offset + line.len();
                start_line = line_no + 1;
            }
        }
        offset += line.len();
    }
    chunks.push((&text[start..], start_line));
    chunks
}

fn parse_chunk(chunk: &str, first_line: u32, out: &mut Vec<Result<Document, YamlError>>) {
    let mut builder = Builder::new();
    let mut parser = Parser::new_from_str(chunk);
    while let Some(next) = parser.next_event() {
        let index = out.len();
        match next {
            Err(e) => {
                let pos = Pos {
                    line: e.marker().line() as u32 + first_line - 1,
                    column: e.marker().col() as u32 + 1,
                };
                out.push(Err(YamlError {
                    pos,
                    message: e.info().to_string(),
                    index,
                }));
                return;
            }
            Ok((event, span)) => {
                let pos = Pos {
                    line: span.start.line() as u32 + first_line - 1,
                    column: span.start.col() as u32 + 1,
                };
                match builder.on_event(event, pos) {
                    Ok(Some(root)) => {
                        if root.value != Value::Null {
                            out.push(Ok(Document { root, index }));
                        }
                    }
                    Ok(None) => {}
                    Err(BuildError { at, message }) => {
                        let pos = at.unwrap_or(pos);
                        out.push(Err(YamlError {
                            pos,
                            message,
                            index,
                        }));
                        return;
                    }
                }
            }
        }
    }
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        seen: HashSet<String>,
        pending: Option<PendingKey>,
        merges: Vec<Node>,
    },
}

enum PendingKey {
    Key(Key),
    Merge,
}

/// A tree-building error; `at` overrides the current event's position when a better one is known.
struct BuildError {
    at: Option<Pos>,
    message: String,
}

impl From<String> for BuildError {
    fn from(message: String) -> BuildError {
        BuildError { at: None, message }
    }
}

impl From<&str> for BuildError {
    fn from(message: &str) -> BuildError {
        BuildError {
            at: None,
            message: message.to_string(),
        }
    }
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            root: None,
        }
    }

    /// Feeds one event; returns the document root when a document ends.
    fn on_event(&mut self, event: Event<'_>, pos: Pos) -> Result<Option<Node>, BuildError> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => Ok(None),
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.anchors.clear();
                self.nodes = 0;
                self.root = None;
                Ok(None)
            }
            Event::DocumentEnd => Ok(Some(self.root.take().unwrap_or(Node {
                value: Value::Null,
                pos,
            }))),
            Event::Alias(id) => {
                let (node, size) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or("unknown anchor referenced by an alias")?;
                self.count(size)?;
                self.complete(node, 0, true).map(|()| None)
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1)?;
                let is_merge_key = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                if is_merge_key && self.expecting_key() {
                    if let Some(Frame::Map { pending, .. }) = self.stack.last_mut() {
                        *pending = Some(PendingKey::Merge);
                    }
                    return Ok(None);
                }
                let value = scalar_value(&text, style, tag.as_deref())?;
                self.complete(Node { value, pos }, anchor, false)
                    .map(|()| None)
            }
            Event::SequenceStart(anchor, _) => {
                self.push(Frame::Seq {
                    pos,
                    anchor,
                    items: Vec::new(),
                })?;
                Ok(None)
            }
            Event::MappingStart(anchor, _) => {
                self.push(Frame::Map {
                    pos,
                    anchor,
                    entries: Vec::new(),
                    seen: HashSet::new(),
                    pending: None,
                    merges: Vec::new(),
                })?;
                Ok(None)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop().ok_or("unbalanced collection end")?;
                let (node, anchor) = match frame {
                    Frame::Seq { pos, anchor, items } => (
                        Node {
                            value: Value::Seq(items),
                            pos,
                        },
                        anchor,
                    ),
                    Frame::Map {
                        pos,
                        anchor,
                        mut entries,
                        mut seen,
                        merges,
                        ..
                    } => {
                        apply_merges(&mut entries, &mut seen, merges)?;
                        (
                            Node {
                                value: Value::Map(entries),
                                pos,
                            },
                            anchor,
                        )
                    }
                };
                self.complete(node, anchor, false).map(|()| None)
            }
        }
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

    fn push(&mut self, frame: Frame) -> Result<(), String> {
        self.count(1)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { pending: None, .. }))
    }

    fn complete(&mut self, node: Node, anchor: usize, from_alias: bool) -> Result<(), BuildError> {
        if anchor != 0 {
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
            Some(Frame::Map {
                entries,
                seen,
                pending,
                merges,
                ..
            }) => match pending.take() {
                None => {
                    let key = key_of(&node).map_err(|message| BuildError {
                        at: Some(node.pos),
                        message,
                    })?;
                    *pending = Some(PendingKey::Key(key));
                    Ok(())
                }
                Some(PendingKey::Merge) => {
                    merges.push(node);
                    Ok(())
                }
                Some(PendingKey::Key(key)) => {
                    if !seen.insert(key.name.clone()) {
                        let first = entries
                            .iter()
                            .find(|(k, _)| k.name == key.name)
                            .map(|(k, _)| k.pos.line)
                            .unwrap_or_default();
                        return Err(BuildError {
                            at: Some(key.pos),
                            message: format!(
                                "key {:?} already set in map (first at line {first})",
                                key.name
                            ),
                        });
                    }
                    entries.push((key, node));
                    Ok(())
                }
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

/// `<<` merges: explicit keys win, then earlier merged mappings win over later ones.
fn apply_merges(
    entries: &mut Vec<(Key, Node)>,
    seen: &mut HashSet<String>,
    merges: Vec<Node>,
) -> Result<(), String> {
    let mut sources = Vec::new();
    for m in merges {
        match m.value {
            Value::Map(_) => sources.push(m),
            Value::Seq(items) => {
                for item in items {
                    match item.value {
                        Value::Map(_) => sources.push(item),
                        _ => {
                            return Err(
                                "map merge requires map or sequence of maps as the value".into()
                            );
                        }
                    }
                }
            }
            _ => return Err("map merge requires map or sequence of maps as the value".into()),
        }
    }
    for source in sources {
        if let Value::Map(src) = source.value {
            for (k, v) in src {
                if seen.insert(k.name.clone()) {
                    entries.push((k, v));
                }
            }
        }
    }
    Ok(())
}

/// The JSON key a scalar key becomes (`sigs.k8s.io/yaml` rules).
fn key_of(node: &Node) -> Result<Key, String> {
    let name = match &node.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => format_go_float(*f),
        Value::Null => return Err("unsupported map key: null".into()),
        Value::Seq(_) | Value::Map(_) => {
            return Err("unsupported map key: a mapping key must be a scalar".into());
        }
    };
    Ok(Key {
        name,
        pos: node.pos,
    })
}

fn format_go_float(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else {
        f.to_string()
    }
}

const CORE: &str = "tag:yaml.org,2002:";

fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag_name = tag.map(|t| {
        if t.handle == "!!" {
            format!("{CORE}{}", t.suffix)
        } else {
            format!("{}{}", t.handle, t.suffix)
        }
    });
    let resolved = match tag_name.as_deref().and_then(|t| t.strip_prefix(CORE)) {
        Some("str") => return Ok(Value::Str(text.to_string())),
        Some(expected @ ("int" | "float" | "bool" | "null")) => {
            let r = resolve_plain(text);
            let ok = matches!(
                (expected, &r),
                ("int", Scalar::Int(_) | Scalar::UInt(_))
                    | ("float", Scalar::Float(_) | Scalar::Int(_) | Scalar::UInt(_))
                    | ("bool", Scalar::Bool(_))
                    | ("null", Scalar::Null)
            );
            if !ok {
                return Err(format!("cannot decode {text:?} as a !!{expected}"));
            }
            r
        }
        _ if style != ScalarStyle::Plain => return Ok(Value::Str(text.to_string())),
        _ => resolve_plain(text),
    };
    Ok(match resolved {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Int(i),
        Scalar::UInt(u) => Value::UInt(u),
        Scalar::Float(f) => Value::Float(f),
        Scalar::Str(s) => Value::Str(s),
    })
}
