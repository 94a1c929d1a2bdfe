//! The document tree: resolved values that remember where they were written.

use std::fmt;

use serde_json::{Map, Number, Value as Json};

use crate::path::{FieldPath, Segment};

/// A position in a source file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A mapping key: its text as the JSON key Kubernetes would use, and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// The key as a string (non-string keys are rendered the way `sigs.k8s.io/yaml` does).
    pub name: String,
    /// Where the key was written.
    pub pos: Pos,
}

/// A resolved YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// A boolean (YAML 1.1 spellings included).
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// A positive integer above `i64::MAX`.
    UInt(u64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, keys unique.
    Map(Vec<(Key, Node)>),
}

/// A value and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value starts.
    pub pos: Pos,
}

/// Why a tree could not become JSON.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct JsonError {
    /// Where the offending value is.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

impl Node {
    /// The value of `key` when this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value of `key` when this is a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Where the field at `path` is written: the key's position for a field, the item's for an
    /// index. When the path does not exist, the position of its deepest existing ancestor and
    /// `false`.
    pub fn locate(&self, path: &FieldPath) -> (Pos, bool) {
        let mut node = self;
        let mut pos = self.pos;
        for seg in path.segments() {
            let next = match seg {
                Segment::Field(name) | Segment::Key(name) => {
                    node.entry(name).map(|(k, v)| (k.pos, v))
                }
                Segment::Index(i) => match &node.value {
                    Value::Seq(items) => items.get(*i).map(|n| (n.pos, n)),
                    _ => None,
                },
            };
            match next {
                Some((p, n)) => {
                    pos = p;
                    node = n;
                }
                None => return (pos, false),
            }
        }
        (pos, true)
    }

    /// Converts the tree to JSON, the numbers as kubectl's decoder ends up with them: Go's JSON
    /// prints a float below 1e21 without exponent (`8.0` as `8`) and the decoder reads a number
    /// that fits `int64` as an integer, anything else as a float (so an integer above
    /// `i64::MAX` becomes a float). NaN and infinities are errors, as in Go's JSON.
    pub fn to_json(&self) -> Result<Json, JsonError> {
        Ok(match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::Number((*i).into()),
            Value::UInt(u) => {
                Json::Number(float_to_number(*u as f64).ok_or_else(|| JsonError {
                    pos: self.pos,
                    message: format!("unsupported value: {u}"),
                })?)
            }
            Value::Float(f) => Json::Number(float_to_number(*f).ok_or_else(|| JsonError {
                pos: self.pos,
                message: format!("unsupported value: {f} (JSON has no NaN or infinity)"),
            })?),
            Value::Str(s) => Json::String(s.clone()),
            Value::Seq(items) => {
                Json::Array(items.iter().map(Node::to_json).collect::<Result<_, _>>()?)
            }
            Value::Map(entries) => {
                let mut map = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    map.insert(k.name.clone(), v.to_json()?);
                }
                Json::Object(map)
            }
        })
    }
}

fn float_to_number(f: f64) -> Option<Number> {
    if !f.is_finite() {
        return None;
    }
    // Integral and within int64 (2^63 is the first f64 outside): kubectl reads an integer.
    if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f)
    {
        return Some(Number::from(f as i64));
    }
    Number::from_f64(f)
}
