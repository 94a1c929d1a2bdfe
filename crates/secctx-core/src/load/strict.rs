//! Strict field validation: the unknown and duplicate fields that the API server's
//! `fieldValidation=Strict` refuses (kubectl's default, `--validate=strict`).
//!
//! kubectl sends each object as JSON; the API server decodes it with `sigs.k8s.io/json`'s
//! strict mode (apimachinery `pkg/runtime/serializer/json`), which collects
//!
//! * `unknown field "<path>"` for every key the Go type does not have (case-sensitive), and
//! * `duplicate field "<path>"` for a key written twice in one object,
//!
//! where `<path>` is the key's path from the object root: field names joined by `.`, list items
//! as `[i]`, map keys as `.key` (`spec.containers[0].securityContext.privilegd`; for a
//! Deployment `spec.template.spec...`). At most 100 are collected, each once.
//!
//! * `Strict`: the request fails with `strict decoding error: ` followed by all of them joined
//!   by `, ` (kubectl: `Error from server (BadRequest): error when creating "f.yaml": Pod in
//!   version "v1" cannot be handled as a Pod: strict decoding error: unknown field "..."`).
//! * `Warn`: the object is created and each one becomes a warning header, which kubectl prints
//!   as `Warning: unknown field "..."`.
//! * `Ignore`: unknown fields are dropped and the last duplicate wins, silently.
//!
//! Strictness is only looked at when the object decodes otherwise: a wrong type is the only
//! error then, as upstream. secctx reports each field on its own, at the position of its key,
//! with the API server's text for that field; the API server's one message for several fields
//! is their texts joined by `, `.
//!
//! Unknown fields are found while decoding: k8s-openapi's types ignore a key they do not know
//! with `IgnoredAny`, and [`serde_ignored`] reports each such key with its path. Duplicate keys
//! are found in the document tree, where a duplicate stays as a second entry of its mapping.

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::{LoadError, Origin};
use crate::path::{FieldPath, Segment};
use crate::validate::go_quote;
use crate::yaml::{Node, Pos, Value};

/// Most strictness violations reported for one object (`sigs.k8s.io/json` keeps 100).
pub const MAX_STRICT_ERRORS: usize = 100;

/// How unknown and duplicate fields are handled: the API server's `fieldValidation`, kubectl's
/// `--validate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FieldValidation {
    /// Each is an error and the object is not loaded (kubectl's default).
    #[default]
    Strict,
    /// Each is a warning and the object is loaded.
    Warn,
    /// Nothing is said; unknown fields are dropped and the last duplicate wins.
    Ignore,
}

impl FieldValidation {
    /// The name (`strict`, `warn`, `ignore`).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Strict => "strict",
            FieldValidation::Warn => "warn",
            FieldValidation::Ignore => "ignore",
        }
    }
}

impl fmt::Display for FieldValidation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field validation name that is not one of kubectl's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid field validation {0:?}: must be one of strict (or true), warn, ignore (or false)")]
pub struct InvalidFieldValidation(pub String);

impl FromStr for FieldValidation {
    type Err = InvalidFieldValidation;

    /// kubectl's spellings: `strict` or `true`, `warn`, `ignore` or `false`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" | "true" => Ok(FieldValidation::Strict),
            "warn" => Ok(FieldValidation::Warn),
            "ignore" | "false" => Ok(FieldValidation::Ignore),
            _ => Err(InvalidFieldValidation(s.to_string())),
        }
    }
}

/// Which rule a field breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Violation {
    /// The type has no such field.
    Unknown,
    /// The key is written twice in one mapping.
    Duplicate,
}

/// One field that strict decoding reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrictField {
    /// What is wrong.
    pub violation: Violation,
    /// The path from the object's root.
    pub path: FieldPath,
    /// Where the key is written, when known (for a duplicate: the second key).
    pub pos: Option<Pos>,
}

impl StrictField {
    /// The path as the API server prints it: fields joined by `.`, items as `[i]`, map keys as
    /// `.key`.
    pub fn api_path(&self) -> String {
        let mut s = String::new();
        for seg in self.path.segments() {
            match seg {
                Segment::Field(name) | Segment::Key(name) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(name);
                }
                Segment::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    /// The API server's text for this field, as a warning prints it: `unknown field "a.b"`.
    pub fn message(&self) -> String {
        let what = match self.violation {
            Violation::Unknown => "unknown field",
            Violation::Duplicate => "duplicate field",
        };
        format!("{what} {}", go_quote(&self.api_path()))
    }

    /// The API server's error for this field alone:
    /// `strict decoding error: unknown field "a.b"`.
    pub fn error_message(&self) -> String {
        format!("strict decoding error: {}", self.message())
    }
}

/// A type error, with the unknown fields met before it.
#[derive(Debug)]
pub struct DecodeError {
    /// The error, with its path.
    pub error: serde_path_to_error::Error<serde_json::Error>,
    /// The unknown fields decoding met before it failed.
    pub unknown: Vec<FieldPath>,
}

impl DecodeError {
    /// Whether the error is a required field of the Rust type that is missing. Go decodes a
    /// missing field as its zero value, so for the API server this is no decoding error (at
    /// most a validation error later): strictness comes first.
    pub fn is_missing_field(&self) -> bool {
        self.error
            .inner()
            .to_string()
            .starts_with("missing field `")
    }
}

/// Deserializes `json` into `T` and returns, with the value, the path of every key `T` has no
/// field for (in decoding order). A type error comes with its path (`serde_path_to_error`).
pub fn deserialize_collecting_unknown<T: DeserializeOwned>(
    json: Json,
) -> Result<(T, Vec<FieldPath>), DecodeError> {
    let mut unknown = Vec::new();
    let value = {
        let mut record = |path: serde_ignored::Path<'_>| {
            if unknown.len() < MAX_STRICT_ERRORS {
                unknown.push(field_path(&path));
            }
        };
        let de = serde_ignored::Deserializer::new(json, &mut record);
        serde_path_to_error::deserialize::<_, T>(de)
    };
    match value {
        Ok(v) => Ok((v, unknown)),
        Err(error) => Err(DecodeError { error, unknown }),
    }
}

/// The [`FieldPath`] of a `serde_ignored` path (map keys are JSON keys: fields).
fn field_path(path: &serde_ignored::Path<'_>) -> FieldPath {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut FieldPath) {
        match path {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Seq { parent, index } => {
                walk(parent, out);
                *out = out.index(*index);
            }
            serde_ignored::Path::Map { parent, key } => {
                walk(parent, out);
                *out = out.child(key);
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = FieldPath::root();
    walk(path, &mut out);
    out
}

/// Every key written a second time in a mapping of `node` (at any depth), with the path of the
/// key and the position of the repeated key, in document order.
pub fn duplicate_keys(node: &Node) -> Vec<(FieldPath, Pos)> {
    let mut out = Vec::new();
    walk_duplicates(node, &mut Vec::new(), &mut out);
    out
}

/// One step of the path being walked (borrowed: a path is only built for a duplicate).
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn walk_duplicates<'a>(node: &'a Node, path: &mut Vec<Step<'a>>, out: &mut Vec<(FieldPath, Pos)>) {
    match &node.value {
        Value::Map(entries) => {
            // Small mappings (nearly all) are searched; large ones (labels) hashed.
            let mut seen = (entries.len() > 16)
                .then(|| std::collections::HashSet::<&str>::with_capacity(entries.len()));
            for (i, (key, value)) in entries.iter().enumerate() {
                let repeated = match &mut seen {
                    Some(set) => !set.insert(key.name.as_str()),
                    None => entries[..i].iter().any(|(k, _)| k.name == key.name),
                };
                path.push(Step::Key(&key.name));
                if repeated && out.len() < MAX_STRICT_ERRORS {
                    out.push((built(path), key.pos));
                }
                // Both values are decoded upstream (the later one wins), so both are looked
                // into.
                walk_duplicates(value, path, out);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk_duplicates(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn built(steps: &[Step<'_>]) -> FieldPath {
    steps.iter().fold(FieldPath::root(), |p, s| match s {
        Step::Key(k) => p.child(k),
        Step::Index(i) => p.index(*i),
    })
}

/// Whether `path` is `prefix` or inside it.
fn starts_with(path: &FieldPath, prefix: &FieldPath) -> bool {
    let (p, q) = (path.segments(), prefix.segments());
    p.len() >= q.len() && p[..q.len()] == *q
}

/// The strictness violations of one object: its unknown fields (from decoding) and its
/// duplicate keys (from the tree), each once, in document order where positions are known,
/// at most [`MAX_STRICT_ERRORS`]. A duplicate inside an unknown field is not reported: the
/// decoder skips an unknown field's value whole.
pub fn violations(unknown: Vec<FieldPath>, duplicates: Vec<(FieldPath, Pos)>) -> Vec<StrictField> {
    let mut out: Vec<StrictField> = Vec::with_capacity(unknown.len() + duplicates.len());
    for path in unknown {
        if !out.iter().any(|f| f.path == path) {
            out.push(StrictField {
                violation: Violation::Unknown,
                path,
                pos: None,
            });
        }
    }
    for (path, pos) in duplicates {
        let inside_unknown = out
            .iter()
            .any(|f| f.violation == Violation::Unknown && starts_with(&path, &f.path));
        let seen = out
            .iter()
            .any(|f| f.violation == Violation::Duplicate && f.path == path);
        if !inside_unknown && !seen {
            out.push(StrictField {
                violation: Violation::Duplicate,
                path,
                pos: Some(pos),
            });
        }
    }
    out.truncate(MAX_STRICT_ERRORS);
    out
}

/// Field validation of one object: its violations become errors or warnings, each at the
/// position of its key.
pub(crate) struct FieldCheck<'a> {
    /// Where the object is.
    pub origin: &'a Origin,
    /// The object's tree (duplicate keys are looked for in it).
    pub node: &'a Node,
    /// What to do with a violation.
    pub validation: FieldValidation,
    /// Violations reported as warnings (`warn`).
    pub warnings: Vec<LoadError>,
}

impl FieldCheck<'_> {
    /// Reports the object's violations, given the unknown fields its decoding met: `Err` with
    /// one error per field under `strict`, warnings under `warn`, nothing under `ignore`.
    pub fn report(&mut self, unknown: Vec<FieldPath>) -> Result<(), Vec<LoadError>> {
        if self.validation == FieldValidation::Ignore {
            return Ok(());
        }
        let fields = violations(unknown, duplicate_keys(self.node));
        if fields.is_empty() {
            return Ok(());
        }
        let mut located: Vec<LoadError> = fields
            .iter()
            .map(|f| LoadError {
                file: self.origin.file.clone(),
                pos: f.pos.unwrap_or_else(|| self.origin.locate(&f.path).0),
                field: None,
                message: match self.validation {
                    FieldValidation::Strict => f.error_message(),
                    _ => f.message(),
                },
            })
            .collect();
        // Document order (stable: fields at one position keep decoding order).
        located.sort_by_key(|e| e.pos);
        match self.validation {
            FieldValidation::Strict => Err(located),
            _ => {
                self.warnings.extend(located);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
#[path = "strict_tests.rs"]
mod tests;
